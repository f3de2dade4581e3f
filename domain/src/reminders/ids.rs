//! Ids and deep links: the subjects in a reminder's id (`rule : subject : period`) and in its
//! link are percent-encoded, so a subject never breaks them.

use std::fmt::Write as _;

/// Percent-encodes everything but RFC 3986 unreserved characters, so an encoded value never
/// contains ':' (the id separator) or '/'.
pub(crate) fn enc(s: &str) -> String {
    Enc(s).to_string()
}

/// [`enc`] as a `Display`, to encode while formatting without an intermediate string.
pub(crate) struct Enc<'s>(pub &'s str);

impl std::fmt::Display for Enc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        if s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return f.write_str(s);
        }
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                f.write_char(char::from(b))?;
            } else {
                write!(f, "%{b:02X}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::enc;

    #[test]
    fn subjects_are_percent_encoded() {
        assert_eq!(enc("a:b/c d"), "a%3Ab%2Fc%20d");
        assert_eq!(enc("5410000000013"), "5410000000013");
    }
}
