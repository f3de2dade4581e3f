//! Linker options for the shipped shared library (`cdylib` only; the `lib` and `staticlib`
//! outputs and every other crate are untouched). Optimised builds only (`release` and
//! `mobile-release`): debug libraries stay loadable everywhere. Measured on x86_64 with
//! bindings/size.sh; see README "Library size".
//!
//! - Packed relocations. About 22,000 of the library's dynamic relocations are relative ones (a
//!   pointer in a vtable, a string table or the GOT plus the load address), 24 bytes each in
//!   `.rela.dyn`. Linux (glibc >= 2.36 loads it): `-z pack-relative-relocs` (DT_RELR, a bitmap,
//!   -520 KB). Android: `--pack-dyn-relocs=android` (Android's packed format, loaded from API 23;
//!   the apps' minSdk is 26; DT_RELR would need API 28 with `android+relr`).
//! - Identical code folding, `--icf=all` (lld: the NDK's linker, and Rust's own on x86_64 Linux
//!   since 1.90): the many byte-identical generic instances are kept once (-146 KB). Rust promises no
//!   distinct addresses for distinct functions; the same flag is what Android and Chromium link
//!   their Rust with.
//!
//! - uniffi's metadata hidden (lld only): every exported item carries a `UNIFFI_META_*` static
//!   that only uniffi-bindgen reads, and bindgen reads the debug library (tests/lib.sh,
//!   ios/build-xcframework.sh, the Gradle build). rustc exports them, and a wildcard `local:`
//!   loses to its exact `global:` list, so metadata-symbols.txt names them one by one in a
//!   version script of their own; once local, the linker drops them as unreferenced (-110 KB).
//!   `--undefined-version`: a stale name (an export removed) is then ignored rather than an
//!   error; the "Library size" stage of tests/run.sh (bindings/size.sh --check-metadata) fails
//!   when the list and the debug library's exports differ.
//!
//! And in every profile, debug builds included:
//!
//! - 16 KB pages on Android, `-z max-page-size=16384`: Android 15+ devices may run with 16 KB
//!   memory pages, where a library whose LOAD segments are aligned to 4 KB (lld's default before
//!   NDK r28; the pinned NDK is r27) does not load, and Google Play requires 16 KB alignment for
//!   apps targeting Android 15+. Here and not in `.cargo/config.toml`: a `RUSTFLAGS` in the
//!   environment (CI, cargo-ndk set-ups) replaces the config's target rustflags, never these.
//!   Checked by release/check.sh; release/release.sh checks the built libraries with readelf.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,max-page-size=16384");
    }
    if var("PROFILE") != "release" {
        return;
    }
    let (os, env, arch) = (
        var("CARGO_CFG_TARGET_OS"),
        var("CARGO_CFG_TARGET_ENV"),
        var("CARGO_CFG_TARGET_ARCH"),
    );
    let mut args = Vec::new();
    let mut lld = false;
    match (os.as_str(), env.as_str()) {
        ("android", _) => {
            args.extend(["-Wl,--pack-dyn-relocs=android", "-Wl,--icf=all"]);
            lld = true;
        }
        ("linux", "gnu") => {
            // GNU ld >= 2.38 and lld know it; an older GNU ld only warns.
            args.push("-Wl,-z,pack-relative-relocs");
            // Only where the linker is lld for sure: x86_64 since Rust 1.90 (GNU ld has no ICF).
            if arch == "x86_64" && rustc_minor() >= Some(90) {
                args.push("-Wl,--icf=all");
                lld = true;
            }
        }
        _ => {}
    }
    let mut args: Vec<String> = args.into_iter().map(String::from).collect();
    if lld {
        args.extend(hide_metadata());
    }
    for arg in args {
        println!("cargo:rustc-cdylib-link-arg={arg}");
    }
}

/// Linker arguments making the `UNIFFI_META_*` statics in metadata-symbols.txt local: a version
/// script with their exact names under `local:` (written to OUT_DIR).
fn hide_metadata() -> Vec<String> {
    println!("cargo:rerun-if-changed=metadata-symbols.txt");
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let list = std::fs::read_to_string(dir.join("metadata-symbols.txt"))
        .expect("bindings/metadata-symbols.txt (bindings/size.sh --update-metadata writes it)");
    let names: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("UNIFFI_META_")
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')),
        "metadata-symbols.txt holds only UNIFFI_META_* names"
    );
    let mut script = String::from("{\n  local:\n");
    for name in names {
        script.push_str("    ");
        script.push_str(name);
        script.push_str(";\n");
    }
    script.push_str("};\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("hide-metadata.ver");
    std::fs::write(&path, script).expect("write the metadata version script");
    vec![
        format!("-Wl,--version-script={}", path.display()),
        "-Wl,--undefined-version".to_string(),
    ]
}

/// The minor version of the compiler building this crate (`rustc 1.95.0 (...)` -> 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var("RUSTC").ok()?;
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
