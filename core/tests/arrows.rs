//! The allowed arrows between the floors of `core/src`, checked where the compiler cannot (one
//! crate, so any module may name any other). Floors, bottom up:
//!
//! - the leaves secrets, log, runtime (the domain, card, render, points, wallet, receipts,
//!   reminders, formats, money, gs1, check and clock, is its own crate, `loyalty-domain`, below
//!   them all: the compiler keeps it off core);
//! - `store` (stands on the domain and `log`);
//! - `context` (store, runtime, clock, secrets);
//! - `sync` (store, context, runtime, domain);
//! - `watch` (store, runtime, context);
//! - `api` (everything below).
//!
//! Forbidden: store -> sync | api | context | watch; sync -> api | watch; watch -> sync | api;
//! context -> sync | api | watch; runtime, secrets and log -> any core floor; anything -> the
//! bindings crate. Every `crate::…` and `super::…` path outside comments and outside the
//! `#[cfg(test)]` module at the end of a file counts (a `use` line or a path in code);
//! `crate::Name` re-exported by lib.rs counts as the module it comes from.
//!
//! The arrows still there and allowed for now are listed in `KNOWN`; the check fails when one
//! of them disappears too (so the list only shrinks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Arrows not yet untied: (from floor, to module path). None left: the sync and the context
/// speak the public error, which the domain defines (`loyalty_domain::error`), and each internal
/// error is mapped into it next to where it is defined.
const KNOWN: &[(&str, &str)] = &[];

const CORE_FLOORS: &[&str] = &["store", "context", "sync", "watch", "api"];

fn forbidden(from: &str, to: &str) -> bool {
    match from {
        "store" => matches!(to, "sync" | "api" | "context" | "watch"),
        "context" => matches!(to, "sync" | "api" | "watch"),
        "sync" => matches!(to, "api" | "watch"),
        "watch" => matches!(to, "sync" | "api"),
        "api" => false,
        // runtime, secrets and log stand on no core floor.
        _ => CORE_FLOORS.contains(&to) || to == "runtime",
    }
}

/// The module path of a file under src/: `store/vouchers.rs` -> [store, vouchers],
/// `store/mod.rs` -> [store], `lib.rs` -> [].
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its trailing `#[cfg(test)]` module.
fn code(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod "))
        {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let line = match line.find("//") {
            // Keep `//` inside a string literal (a URL): only cut when no quote precedes it.
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every absolute path the code names: `crate::a::b`, `super::x` resolved against `module`,
/// and each first-level item of `crate::{a, b::c}`.
fn paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // Byte-wise: the sources hold non-ASCII text (accents in strings).
    let at = |j: usize, w: &str| bytes[j.min(bytes.len())..].starts_with(w.as_bytes());
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = |w: &str| at(i, w) && (i == 0 || !ident(bytes[i - 1]));
        let (mut base, mut j) = if starts("crate::") {
            (Vec::new(), i + "crate::".len())
        } else if starts("super::") {
            let mut base = module.to_vec();
            let mut j = i;
            while at(j, "super::") {
                base.pop();
                j += "super::".len();
            }
            (base, j)
        } else if starts("loyalty_ffi") {
            found.push(vec!["loyalty_ffi".to_string()]);
            i += 1;
            continue;
        } else {
            i += 1;
            continue;
        };
        // Segments a::b::c, then an optional group {x, y::z}.
        loop {
            let start = j;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            if j > start {
                base.push(code[start..j].to_string());
            }
            if at(j, "::") && j > start {
                j += 2;
                continue;
            }
            break;
        }
        if at(j, "{") {
            let end = bytes[j..]
                .iter()
                .position(|&b| b == b'}')
                .map_or(code.len(), |e| j + e);
            for item in code[j + 1..end].split(',') {
                let item = item.trim();
                let head: Vec<String> = item
                    .split("::")
                    .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
                    .filter(|s| !s.is_empty() && s != "self" && !s.starts_with('{'))
                    .collect();
                let mut p = base.clone();
                p.extend(head);
                found.push(p);
            }
        } else {
            found.push(base);
        }
        i = j.max(i + 1);
    }
    found
}

/// `pub use a::b::{X, Y}` and `pub use a::Z` of lib.rs: re-exported name -> its module path.
fn reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    let code = code(lib);
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = stmt.strip_prefix("pub use ") else {
            continue;
        };
        for p in paths(&format!("crate::{rest}"), &[]) {
            if let Some(name) = p.last() {
                let module = p[..p.len() - 1].to_vec();
                if !module.is_empty() {
                    map.insert(name.clone(), module);
                }
            }
        }
    }
    map
}

/// Violations in `files` (path under src/, source): "from file -> path", with the floor arrow.
fn violations(files: &[(String, String)]) -> BTreeSet<(String, String, String)> {
    let lib = files
        .iter()
        .find(|(p, _)| p == "lib.rs")
        .map(|(_, s)| reexports(s))
        .unwrap_or_default();
    let mut out = BTreeSet::new();
    for (rel, source) in files {
        let module = module_path(rel);
        let Some(from) = module.first() else {
            continue; // lib.rs: the re-exports themselves
        };
        for mut p in paths(&code(source), &module) {
            if p.len() == 1 {
                if let Some(m) = lib.get(&p[0]) {
                    p = m.iter().chain(&p).cloned().collect();
                }
            }
            let Some(to) = p.first() else { continue };
            let to_bindings = to == "loyalty_ffi";
            if to_bindings || (to != from && forbidden(from, to)) {
                let target = p.iter().take(2).cloned().collect::<Vec<_>>().join("::");
                out.insert((from.clone(), target, rel.clone()));
            }
        }
    }
    out
}

fn core_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).expect("read file")));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

#[test]
fn core_keeps_to_the_allowed_arrows() {
    let found = violations(&core_sources());
    let arrows: BTreeSet<(String, String)> = found
        .iter()
        .map(|(f, t, _)| (f.clone(), t.clone()))
        .collect();
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    let new: Vec<_> = found
        .iter()
        .filter(|(f, t, _)| !known.contains(&(f.clone(), t.clone())))
        .collect();
    assert!(
        new.is_empty(),
        "forbidden arrows (floor, target, file): {new:#?}"
    );
    let gone: Vec<_> = known.difference(&arrows).collect();
    assert!(
        gone.is_empty(),
        "untied: remove these from KNOWN so they cannot come back: {gone:?}"
    );
}

#[test]
fn a_planted_violation_is_caught() {
    let mut files = core_sources();
    let clean = violations(&files);
    let planted = [
        (
            "store/planted.rs",
            "use crate::sync::SyncService;\n",
            "sync::SyncService",
        ),
        (
            "store/planted2.rs",
            "use crate::{log, api::LoyaltyError};\n",
            "api::LoyaltyError",
        ),
        (
            "store/nested/deep.rs",
            "fn f() { super::super::super::context::x(); }\n",
            "context::x",
        ),
        (
            "sync/planted.rs",
            "fn f() -> crate::LoyaltyClient { todo() }\n",
            "api::LoyaltyClient",
        ),
        (
            "watch/planted.rs",
            "use crate::sync::engine;\n",
            "sync::engine",
        ),
        (
            "points/planted.rs",
            "use crate::store::Store;\n",
            "store::Store",
        ),
        ("api/planted.rs", "use loyalty_ffi::Thing;\n", "loyalty_ffi"),
    ];
    for (path, source, _) in planted {
        files.push((path.to_string(), source.to_string()));
    }
    let after = violations(&files);
    let caught: Vec<_> = after.difference(&clean).collect();
    for (path, _, target) in planted {
        assert!(
            caught.iter().any(|(_, t, p)| p == path && t == target),
            "{path} -> {target} not caught: {caught:#?}"
        );
    }
    // Allowed arrows and comments are not flagged.
    let fine = [
        (
            "sync/fine.rs",
            "use crate::store::Store;\nuse crate::context::Context;\n",
        ),
        (
            "store/fine.rs",
            "// use crate::sync::SyncService;\nuse super::schema::KEY;\n",
        ),
        (
            "api/fine.rs",
            "use crate::sync::engine;\nuse crate::watch;\n",
        ),
        (
            "store/tested.rs",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::LoyaltyClient;\n}\n",
        ),
    ];
    let mut files = core_sources();
    for (path, source) in fine {
        files.push((path.to_string(), source.to_string()));
    }
    assert_eq!(violations(&files), clean);
}
