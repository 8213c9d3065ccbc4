//! `gap-report.json`: versioned, validated against docs/gap-report.schema.json.

use crate::model::{Model, Outcome};
use serde_json::{json, Value};

pub const VERSION: &str = "1";

pub fn report(model: &Model) -> Value {
    let mut counts = serde_json::Map::new();
    for o in Outcome::ALL {
        counts.insert(o.as_str().to_string(), json!(model.findings.iter().filter(|f| f.outcome == o).count()));
    }
    json!({
        "version": VERSION,
        "tool": {"name": "clowd2helm", "version": env!("CARGO_PKG_VERSION")},
        "input": {"file": model.input_file, "sha256": model.input_sha256},
        "chart": {"name": model.chart_name},
        "summary": {"findings_by_outcome": counts},
        "findings": model.findings,
    })
}

pub fn render(model: &Model) -> String {
    let mut s = serde_json::to_string_pretty(&report(model)).expect("report serializes");
    s.push('\n');
    s
}
