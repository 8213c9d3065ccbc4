//! `gap-report.json`: the report for machines, [`Report`] serialized (the same data as the
//! Markdown), versioned and described by docs/gap-report.schema.json.

use super::categories::Categories;
use super::Report;
use crate::model::Model;
use serde_json::Value;

pub use super::assembly::VERSION;

/// The report of a model with the built-in categories (what `convert` writes).
pub fn report(model: &Model) -> Value {
    to_value(&Report::build(model, &Categories::builtin()))
}

pub fn to_value(r: &Report) -> Value {
    serde_json::to_value(r).expect("the report serializes")
}

pub fn render(model: &Model) -> String {
    render_report(&Report::build(model, &Categories::builtin()))
}

/// The text of [`to_value`] pretty-printed, written without building the `Value`.
pub fn render_report(r: &Report) -> String {
    let mut s = crate::json_writer::to_string(r).expect("the report serializes");
    s.push('\n');
    s
}
