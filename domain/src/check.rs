//! Checks on caller input shared by every domain module: [`InputError`] (bad input, with a reason
//! that names the field and the rule and never carries the value) and the small validators
//! several modules use. The bottom floor: this file imports nothing from the crate.

/// Bad input from the caller, with a reason that names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct InputError {
    pub reason: String,
}

impl InputError {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A required text field: not blank, at most `max` bytes.
pub fn non_empty(field: &str, value: &str, max: usize) -> Result<(), InputError> {
    if value.trim().is_empty() {
        Err(InputError::new(format!("{field} must not be empty")))
    } else if value.len() > max {
        Err(InputError::new(format!("{field} is at most {max} bytes")))
    } else {
        Ok(())
    }
}

/// A deep link: an absolute URI with a scheme, no whitespace or control characters, not one of
/// the schemes that run or read things (javascript, data, file, vbscript).
pub fn validate_link(field: &str, link: &str) -> Result<(), InputError> {
    let bad = |why: &str| Err(InputError::new(format!("{field} {why}")));
    if link.is_empty() || link.len() > 2_000 {
        return bad("must be 1 to 2000 bytes");
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces or control characters");
    }
    let Some((scheme, _)) = link.split_once(':') else {
        return bad("must be an absolute link with a scheme (e.g. loyalty://...)");
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'));
    if !scheme_ok {
        return bad("must start with a valid scheme");
    }
    if ["javascript", "data", "file", "vbscript"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
    {
        return bad("uses a scheme that is not allowed");
    }
    Ok(())
}

/// Rule, content and notice ids: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub fn validate_id(field: &str, id: &str) -> Result<(), InputError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(InputError::new(format!(
            "{field} must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert!(validate_link("l", "loyalty://recall/x").is_ok());
        assert!(validate_link("l", "https://shop.example/wine").is_ok());
        assert!(validate_link("l", "javascript:alert(1)").is_err());
        assert!(validate_link("l", "no scheme").is_err());
        assert!(validate_link("l", "relative/path").is_err());
    }
}
