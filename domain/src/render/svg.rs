//! SVG output: a background `rect` and one `path` of rectangles. Dark runs of a row become one
//! rectangle, and a run repeated at the same place in the rows below grows that rectangle instead
//! of starting a new one (1D bars are one rectangle each, PDF417 rows one per run).

use super::layout::Layout;
use super::{BarcodeMatrix, RenderOptions};
use std::fmt::Write;

pub(super) fn to_svg(m: &BarcodeMatrix, opts: &RenderOptions) -> String {
    let opts = RenderOptions {
        scale: opts.scale.max(1),
        ..opts.clone()
    };
    let layout = Layout::new(m, &opts);
    // u128: a quiet zone and a scale near u32::MAX multiply past u64.
    let scale = u128::from(opts.scale);
    let (background, ink) = if opts.dark_mode {
        ("#000", "#fff")
    } else {
        ("#fff", "#000")
    };

    let mut svg = String::with_capacity(256 + layout.cols as usize * layout.rows as usize * 3);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{}" height="{}" viewBox="0 0 {} {}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="{background}"/><path fill="{ink}" d=""#,
        u128::from(layout.width) * scale,
        u128::from(layout.height) * scale,
        layout.width,
        layout.height,
    );

    let left = u64::from(layout.margins.left);
    let top = u64::from(layout.margins.top);
    let rect = |svg: &mut String, x: u32, y: u64, w: u32, h: u64| {
        let _ = write!(svg, "M{},{}h{w}v{h}h-{w}z", left + u64::from(x), top + y);
    };

    let mut runs = Vec::new();
    if layout.linear {
        layout.runs(0, &mut runs);
        for &(x, w) in &runs {
            rect(&mut svg, x, 0, w, layout.symbol_rows);
        }
    } else {
        // Open rectangles (x, w, first row), sorted by x like the runs of a row.
        let mut open: Vec<(u32, u32, u64)> = Vec::new();
        let mut next: Vec<(u32, u32, u64)> = Vec::new();
        for y in 0..layout.rows {
            let y64 = u64::from(y);
            next.clear();
            let mut i = 0;
            layout.runs(y, &mut runs);
            for &(x, w) in &runs {
                while i < open.len() && (open[i].0, open[i].1) < (x, w) {
                    let (ox, ow, y0) = open[i];
                    rect(&mut svg, ox, y0, ow, y64 - y0);
                    i += 1;
                }
                if i < open.len() && open[i].0 == x && open[i].1 == w {
                    next.push(open[i]);
                    i += 1;
                } else {
                    next.push((x, w, y64));
                }
            }
            for &(ox, ow, y0) in &open[i..] {
                rect(&mut svg, ox, y0, ow, y64 - y0);
            }
            std::mem::swap(&mut open, &mut next);
        }
        for (x, w, y0) in open {
            rect(&mut svg, x, y0, w, u64::from(layout.rows) - y0);
        }
    }
    svg.push_str("\"/></svg>\n");
    svg
}
