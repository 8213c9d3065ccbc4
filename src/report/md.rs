//! Markdown building blocks shared by the sections: escaped table cells, inline code, lists,
//! and `<details>` for tables too long to read in full.

use crate::model::SourceRef;

/// Table cells: no pipes or newlines.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_cell(&mut out, s, false);
    out
}

/// Inline code in a table cell (backticks inside are replaced, pipes escaped).
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('`');
    push_cell(&mut out, s, true);
    out.push('`');
    out
}

/// `s` with pipes escaped, line breaks as spaces and, in code, backticks as `'`: one pass,
/// copying the runs between those characters.
fn push_cell(out: &mut String, s: &str, in_code: bool) {
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let with = match b {
            b'|' => "\\|",
            b'\n' | b'\r' => " ",
            b'`' if in_code => "'",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        out.push_str(with);
        run = i + 1;
    }
    out.push_str(&s[run..]);
}

/// At most `max` characters, with `…` when cut.
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

/// `file:line`.
pub fn at(s: &SourceRef) -> String {
    format!("{}:{}", s.file, s.line)
}

/// `line N`, or `—` when there is no source.
pub fn line_of(s: &Option<SourceRef>) -> String {
    s.as_ref().map(|s| format!("line {}", s.line)).unwrap_or_else(|| "—".into())
}

/// `a, b`, or `—` when empty.
pub fn list(v: &[String]) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

/// Names in backticks, `a`, `b`; `—` when empty.
pub fn codes(v: &[String]) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ")
    }
}

/// Tables with more rows than this are collapsed.
pub const COLLAPSE_ROWS: usize = 12;

/// Write `table` (header and rows, each ending in a newline) followed by a blank line;
/// collapsed under `summary` when it has more than [`COLLAPSE_ROWS`] rows.
pub fn table(o: &mut String, summary: &str, rows: usize, table: &str) {
    if rows > COLLAPSE_ROWS {
        o.push_str(&format!("<details>\n<summary>{summary}</summary>\n\n{table}\n</details>\n\n"));
    } else {
        o.push_str(table);
        o.push('\n');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_and_code_escape_as_the_replacements_did() {
        for s in ["", "plain", "a|b", "x\ny\r\nz", "`tick` | é\n|", "||``\r"] {
            assert_eq!(super::cell(s), s.replace('|', "\\|").replace(['\n', '\r'], " "));
            let code = if s.is_empty() { String::new() } else { format!("`{}`", s.replace('`', "'").replace('|', "\\|").replace(['\n', '\r'], " ")) };
            assert_eq!(super::code(s), code);
        }
    }
}
