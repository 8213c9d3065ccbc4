//! Markdown building blocks shared by the sections: escaped table cells, inline code, lists,
//! and `<details>` for tables too long to read in full.

use crate::model::SourceRef;

/// Table cells: no pipes or newlines.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code in a table cell (backticks inside are replaced, pipes escaped).
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    format!("`{}`", cell(&s.replace('`', "'")))
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
