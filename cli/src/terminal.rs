//! Codes drawn in a terminal so that a scanner reads them on any terminal theme.
//!
//! Half blocks are drawn in the terminal's text colour on its background colour, which are light
//! on dark in one theme and dark on light in another; a code drawn for one theme is inverted in
//! the other, and scanners (phones at the till, zxing) read only dark modules on a light ground.
//! On a terminal that takes colours we do not guess: every line of the code sets black text on a
//! white background itself (256-colour codes 16 and 231) and resets after it, so the code is
//! dark on light in any theme. Without colours (`NO_COLOR`, `TERM=dumb`, output to a file or a
//! pipe) the background is read from `COLORFGBG` where the terminal sets it ("15;0" light text on
//! black, "0;15" dark text on white), and a dark background is assumed otherwise, as `qrencode -t
//! UTF8` does.

use loyalty_core::render::{self, BarcodeMatrix, RenderOptions};
use std::io::IsTerminal;

/// Black text on a white background (xterm 256-colour palette: 16 is #000000, 231 #ffffff).
const DARK_ON_LIGHT: &str = "\x1b[38;5;16;48;5;231m";
const RESET: &str = "\x1b[0m";

/// How the terminal at hand gets its code drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The code sets its own colours.
    Colours,
    /// No colours, light text on a dark background: the light pixels are drawn.
    DarkBackground,
    /// No colours, dark text on a light background: the dark modules are drawn.
    LightBackground,
}

impl Style {
    /// The style for standard output, from the environment.
    pub fn of_stdout() -> Style {
        let var = |name: &str| std::env::var(name).ok();
        Style::from_env(
            std::io::stdout().is_terminal(),
            var("NO_COLOR").as_deref(),
            var("TERM").as_deref(),
            var("COLORFGBG").as_deref(),
        )
    }

    fn from_env(
        terminal: bool,
        no_color: Option<&str>,
        term: Option<&str>,
        colorfgbg: Option<&str>,
    ) -> Style {
        // https://no-color.org: set and not empty means no colours.
        let colours_refused = no_color.is_some_and(|v| !v.is_empty()) || term == Some("dumb");
        if terminal && !colours_refused {
            return Style::Colours;
        }
        // "fg;bg" or "fg;default;bg": the last field is the background's ANSI colour number;
        // 7 (white) and 9–15 (bright colours but bright black, 8) are light.
        let background = colorfgbg
            .and_then(|v| v.rsplit(';').next())
            .and_then(|bg| bg.trim().parse::<u8>().ok());
        match background {
            Some(7) | Some(9..=15) => Style::LightBackground,
            _ => Style::DarkBackground,
        }
    }
}

/// `matrix` as half-block lines for standard output (scale 1, default quiet zone), dark on light
/// wherever it is shown.
pub fn code(matrix: &BarcodeMatrix) -> String {
    draw(matrix, Style::of_stdout())
}

fn draw(matrix: &BarcodeMatrix, style: Style) -> String {
    let opts = RenderOptions {
        scale: 1,
        // `dark_mode` draws the dark modules as blocks (in the text colour).
        dark_mode: style != Style::DarkBackground,
        ..RenderOptions::default()
    };
    let text = render::to_text(matrix, &opts);
    if style != Style::Colours {
        return text;
    }
    let mut out = String::with_capacity(text.len() + text.lines().count() * 24);
    for line in text.lines() {
        out.push_str(DARK_ON_LIGHT);
        out.push_str(line);
        out.push_str(RESET);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_core::render::{EcLevel, Symbology};

    fn matrix() -> BarcodeMatrix {
        render::encode("123456", Symbology::QrCode, EcLevel::Medium).unwrap()
    }

    /// Dark (true) or light per pixel, as a scanner sees the drawn text: `ink` is whether the
    /// text colour is dark.
    fn pixels(text: &str, ink_is_dark: bool) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in text.lines() {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                let (t, b) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                };
                top.push(t == ink_is_dark);
                bottom.push(b == ink_is_dark);
            }
            rows.push(top);
            rows.push(bottom);
        }
        rows
    }

    /// The code with its quiet zone (QR: 4 modules), dark modules true: what every style must
    /// show (an odd last half line's lower half is the terminal's own background, not compared).
    fn expected(m: &BarcodeMatrix) -> Vec<Vec<bool>> {
        let q = 4;
        let (w, h) = (m.width as usize, m.height as usize);
        let mut rows = vec![vec![false; w + 2 * q]; h + 2 * q];
        for y in 0..h {
            for x in 0..w {
                rows[y + q][x + q] = m.modules[y * w + x];
            }
        }
        rows
    }

    fn assert_shows(shown: &[Vec<bool>], m: &BarcodeMatrix) {
        let want = expected(m);
        assert_eq!(shown.len(), want.len().next_multiple_of(2));
        assert_eq!(&shown[..want.len()], &want[..]);
    }

    #[test]
    fn the_coloured_code_is_dark_on_light_and_resets_every_line() {
        let m = matrix();
        let text = draw(&m, Style::Colours);
        let mut bare = String::new();
        for line in text.lines() {
            let inner = line
                .strip_prefix(DARK_ON_LIGHT)
                .and_then(|l| l.strip_suffix(RESET))
                .expect("each line sets its colours and resets them");
            bare.push_str(inner);
            bare.push('\n');
        }
        // Black text on white: a block is a dark pixel, in any terminal theme.
        assert_shows(&pixels(&bare, true), &m);
    }

    #[test]
    fn without_colours_the_code_follows_the_background() {
        let m = matrix();
        // A dark background (light text): the blocks are the light pixels.
        let dark = pixels(&draw(&m, Style::DarkBackground), false);
        // A light background (dark text): the blocks are the dark modules.
        let light = pixels(&draw(&m, Style::LightBackground), true);
        assert_shows(&dark, &m);
        assert_shows(&light, &m);
    }

    #[test]
    fn the_style_comes_from_the_environment() {
        use Style::*;
        assert_eq!(
            Style::from_env(true, None, Some("xterm-256color"), None),
            Colours
        );
        assert_eq!(Style::from_env(true, Some(""), None, None), Colours);
        assert_eq!(
            Style::from_env(true, Some("1"), None, Some("0;15")),
            LightBackground
        );
        assert_eq!(
            Style::from_env(true, None, Some("dumb"), Some("15;0")),
            DarkBackground
        );
        assert_eq!(
            Style::from_env(false, None, None, Some("0;default;7")),
            LightBackground
        );
        assert_eq!(
            Style::from_env(false, None, None, Some("7;8")),
            DarkBackground
        );
        assert_eq!(
            Style::from_env(false, None, None, Some("garbage")),
            DarkBackground
        );
        assert_eq!(Style::from_env(false, None, None, None), DarkBackground);
    }
}
