//! render::encode for every symbology: Ok or a typed error, never a panic, within the budget;
//! an accepted payload gives a non-empty matrix of sane size that draws to PNG and SVG.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_domain::render::{encode, to_png, to_svg, EcLevel, RenderOptions, Symbology};
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let symbology = Symbology::ALL[usize::from(head & 0x0f) % Symbology::ALL.len()];
    let ec = [
        EcLevel::Low,
        EcLevel::Medium,
        EcLevel::Quartile,
        EcLevel::High,
    ][usize::from(head >> 6)];
    let Ok(m) = within_budget("render::encode", || encode(text, symbology, ec)) else {
        return;
    };
    assert!(m.width > 0 && m.height > 0, "an empty symbol");
    assert!(
        m.width <= 2_000 && m.height <= 2_000,
        "{}x{}",
        m.width,
        m.height
    );
    assert_eq!(
        m.modules.len() as u64,
        u64::from(m.width) * u64::from(m.height)
    );
    let opts = RenderOptions::default();
    let _ = to_png(&m, &opts);
    assert!(to_svg(&m, &opts).starts_with("<svg"));
});
