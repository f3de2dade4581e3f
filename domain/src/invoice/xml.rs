//! A small XML writer: elements, attributes and text, escaped; characters XML 1.0 cannot carry
//! become U+FFFD. Enough for the invoice documents, with no dependency.

pub(crate) struct Xml {
    out: String,
    open: Vec<&'static str>,
}

/// Escapes text or an attribute value (both quotes too, so one function serves both).
pub(crate) fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

impl Xml {
    pub(crate) fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape(v, &mut self.out);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Opens an element that will hold elements.
    pub(crate) fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name, attrs);
        self.out.push('\n');
        self.open.push(name);
        self
    }

    pub(crate) fn close(&mut self) -> &mut Self {
        let name = self.open.pop().expect("close without open");
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// An element with text only.
    pub(crate) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start(name, attrs);
        escape(text, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut x = Xml::new();
        x.open("a", &[("k", "1 \"2\" & <3>")])
            .leaf("b", &[], "Fish & chips <'big'> \u{1}\tok");
        let s = x.finish();
        assert!(s.contains("<a k=\"1 &quot;2&quot; &amp; &lt;3&gt;\">\n"));
        assert!(s.contains("  <b>Fish &amp; chips &lt;&apos;big&apos;&gt; \u{fffd}\tok</b>\n"));
        assert!(s.ends_with("</a>\n"));
    }
}
