//! clowd2helm: turn Clowder ClowdApps into a plain Helm chart and a gap report.
//!
//! Pipeline: `source` (parse, keep positions) → `mapping` (Clowder semantics) → `model`
//! (chart-neutral) → `chart` (Helm files) and `report` (findings), wrapped by `regen`.

pub mod chart;
pub mod error;
pub mod json_writer;
pub mod mapping;
pub mod model;
pub mod regen;
pub mod report;
pub mod source;
pub mod tools;
pub mod verify;

/// Koku's upstream templates for the library's own tests, found through the same setting as the
/// integration tests (`CLOWD2HELM_UPSTREAM_KOKU`); absent, those tests skip visibly.
#[cfg(test)]
#[path = "../tests/common/upstream.rs"]
pub(crate) mod test_upstream;

use error::{Error, Result};
use std::path::Path;

/// The fixture `clowd2helm convert` uses when no input is given (README's first command).
pub const EMBEDDED_FIXTURE: &str = include_str!("../fixtures/koku-like.yaml");
pub const EMBEDDED_FIXTURE_NAME: &str = "fixtures/koku-like.yaml";

/// Read a template from a path, or stdin for `-`. Refuses inputs over
/// [`source::yaml::MAX_INPUT_BYTES`] without reading them whole, and text that is not UTF-8
/// (naming the line and column of the first bad byte).
pub fn read_input(path: &str) -> Result<(String, String)> {
    use std::io::Read;
    let limit = source::yaml::MAX_INPUT_BYTES;
    let too_big = |name: &str, size: String| -> Error {
        error::InputError::whole(name, format!("input is {size} bytes; clowd2helm reads at most {limit} bytes"))
            .hint("a ClowdApp template is normally well under 1 MB: check that this is the right file")
            .into()
    };
    let name = if path == "-" { "<stdin>".to_string() } else { input_name(path) };
    let cannot_read = |e: std::io::Error| Error::Input(error::InputError::whole(&name, format!("cannot read: {e}")));
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin().take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|e| Error::io("reading stdin", e))?;
        if bytes.len() > limit {
            return Err(too_big(&name, format!("more than {limit}")));
        }
    } else {
        let meta = std::fs::metadata(path).map_err(cannot_read)?;
        if meta.is_dir() {
            return Err(error::InputError::whole(&name, "is a folder, not a file").hint("pass the template file itself").into());
        }
        if meta.len() > limit as u64 {
            return Err(too_big(&name, meta.len().to_string()));
        }
        // The size is checked again while reading: the file may grow, or be a pipe.
        std::fs::File::open(Path::new(path)).and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes)).map_err(cannot_read)?;
        if bytes.len() > limit {
            return Err(too_big(&name, format!("more than {limit}")));
        }
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let upto = &e.as_bytes()[..bad];
        let line_start = upto.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        // Columns count characters, as in every other message; the prefix is valid UTF-8.
        let col = std::str::from_utf8(&upto[line_start..]).map_or(1, |s| s.chars().count() + 1);
        let byte = e.as_bytes()[bad];
        error::InputError::at(&name, line, col, format!("the input is not valid UTF-8 (byte 0x{byte:02X})"))
            .hint("save the file as UTF-8; clowd2helm reads no other encoding")
    })?;
    Ok((name, text))
}

/// The name an input is known by in the chart, its reports and its manifest: the path as given,
/// without `./` steps, and relative to the working folder when it lies inside it. So `app.yaml`,
/// `./app.yaml` and `$PWD/app.yaml` make the same chart.
pub fn input_name(path: &str) -> String {
    use std::path::Component;
    let p = Path::new(path);
    let relative = match std::env::current_dir() {
        Ok(cwd) if p.is_absolute() => p.strip_prefix(&cwd).ok().filter(|r| !r.as_os_str().is_empty()),
        _ => None,
    };
    let p = relative.unwrap_or(p);
    let parts: std::path::PathBuf = p.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    match parts.to_str() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => path.to_string(),
    }
}

/// Parse and map one input into the model (no files written).
pub fn model_from_text(name: &str, text: &str, options: &mapping::Options) -> Result<model::Model> {
    let input = source::template::parse(name, text)?;
    Ok(mapping::map(input, options)?)
}

/// Everything `convert` writes: the chart files plus the two reports.
///
/// (Building the report on a second thread was tried: with a free core it saves a few
/// milliseconds, but the second allocator heap touches about 8 MB more fresh memory, and on a
/// busy machine the whole run got slower. See docs/performance.md.)
pub fn chart_files(model: &model::Model, chart_version: &str) -> chart::Files {
    let mut files = chart::build(model, chart_version);
    // One report, two views.
    let cats = report::categories::Categories::builtin();
    let r = report::Report::build(model, &cats);
    let (markdown, json) = (report::markdown::render_report(&r, &cats), report::json::render_report(&r));
    files.insert("GAP_REPORT.md".into(), markdown);
    files.insert("gap-report.json".into(), json);
    files
}
