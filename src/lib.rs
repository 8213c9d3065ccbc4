//! clowd2helm: turn Clowder ClowdApps into a plain Helm chart and a gap report.
//!
//! Pipeline: `source` (parse, keep positions) → `mapping` (Clowder semantics) → `model`
//! (chart-neutral) → `chart` (Helm files) and `report` (findings), wrapped by `regen`.

pub mod chart;
pub mod error;
pub mod mapping;
pub mod model;
pub mod regen;
pub mod report;
pub mod source;
pub mod tools;

use error::{Error, Result};
use std::path::Path;

/// The fixture `clowd2helm convert` uses when no input is given (README's first command).
pub const EMBEDDED_FIXTURE: &str = include_str!("../fixtures/koku-like.yaml");
pub const EMBEDDED_FIXTURE_NAME: &str = "fixtures/koku-like.yaml";

/// Read a template from a path, or stdin for `-`.
pub fn read_input(path: &str) -> Result<(String, String)> {
    let name = if path == "-" { "<stdin>".to_string() } else { path.to_string() };
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map_err(|e| Error::io("reading stdin", e))?;
        b
    } else {
        let meta = std::fs::metadata(path).map_err(|e| Error::Input(error::InputError::whole(path, format!("cannot read: {e}"))))?;
        if meta.len() as usize > source::yaml::MAX_INPUT_BYTES {
            return Err(error::InputError::whole(path, format!("input is {} bytes; clowd2helm reads at most {} bytes", meta.len(), source::yaml::MAX_INPUT_BYTES)).hint("a ClowdApp template is normally well under 1 MB: check that this is the right file").into());
        }
        std::fs::read(Path::new(path)).map_err(|e| Error::Input(error::InputError::whole(path, format!("cannot read: {e}"))))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        error::InputError::at(&name, line, 1, "the input is not valid UTF-8").hint("save the file as UTF-8")
    })?;
    Ok((name, text))
}

/// Parse and map one input into the model (no files written).
pub fn model_from_text(name: &str, text: &str, options: &mapping::Options) -> Result<model::Model> {
    let input = source::template::parse(name, text)?;
    Ok(mapping::map(input, options)?)
}

/// Everything `convert` writes: the chart files plus the two reports.
pub fn chart_files(model: &model::Model, chart_version: &str) -> chart::Files {
    let mut files = chart::build(model, chart_version);
    files.insert("GAP_REPORT.md".into(), report::markdown::render(model));
    files.insert("gap-report.json".into(), report::json::render(model));
    files
}
