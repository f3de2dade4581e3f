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
    match (os.as_str(), env.as_str()) {
        ("android", _) => args.extend(["-Wl,--pack-dyn-relocs=android", "-Wl,--icf=all"]),
        ("linux", "gnu") => {
            // GNU ld >= 2.38 and lld know it; an older GNU ld only warns.
            args.push("-Wl,-z,pack-relative-relocs");
            // Only where the linker is lld for sure: x86_64 since Rust 1.90 (GNU ld has no ICF).
            if arch == "x86_64" && rustc_minor() >= Some(90) {
                args.push("-Wl,--icf=all");
            }
        }
        _ => {}
    }
    for arg in args {
        println!("cargo:rustc-cdylib-link-arg={arg}");
    }
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
