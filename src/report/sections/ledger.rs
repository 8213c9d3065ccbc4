//! Appendix "Translation ledger": every finding, in input order, with its source, outcome, rule,
//! target, message and hint. Collapsed: the JSON `findings` carries the same list.

use crate::model::Finding;
use crate::report::md::{at, cell};
use std::fmt::Write;

pub fn markdown(o: &mut String, findings: &[Finding]) {
    let _ = writeln!(o, "### Translation ledger\n");
    let _ = writeln!(o, "Every mapping decision, in input order ({} findings).\n", findings.len());
    let _ = writeln!(o, "<details>\n<summary>All {} findings</summary>\n", findings.len());
    let _ = writeln!(o, "| source | outcome | rule | target | message | hint |\n|---|---|---|---|---|---|");
    for f in findings {
        let src = match f.source.column {
            Some(c) => format!("{}:{}:{c}", f.source.file, f.source.line),
            None => at(&f.source),
        };
        let _ = writeln!(o, "| {src} | {} | `{}` | {} | {} | {} |", f.outcome.as_str(), f.rule, cell(&f.target), cell(&f.message), cell(f.hint.as_deref().unwrap_or("")));
    }
    let _ = writeln!(o, "\n</details>");
}
