//! Safe regeneration: the manifest of generated files, drift checks, overlays and upstream diffs.

pub mod drift;
pub mod filediff;
pub mod manifest;
pub mod overlay;
pub mod symbolic;
pub mod upstream;
pub mod values;

use crate::chart::{self, Files};
use crate::error::Result;
use crate::model::Model;
use manifest::{InputInfo, Manifest};
use overlay::Overlay;
use std::collections::BTreeMap;

/// Everything a chart folder holds after `convert`: chart, reports, and the manifest recording
/// how they were made. `check` calls this too, so both always agree.
pub fn generate(model: &Model, chart_version: &str, mut options: BTreeMap<String, String>, overlay: Option<&Overlay>) -> Result<Files> {
    let mut files = crate::chart_files(model, chart_version);
    if let Some(o) = overlay {
        let mut templates = chart::template_files(model);
        o.apply_to_templates(model, &mut templates)?;
        let patched = o.apply_to_values(model)?;
        let values_model = patched.as_ref().unwrap_or(model);
        // Same paths as the unpatched chart: the reports generated above stay as they are.
        files.extend(chart::build_with(values_model, chart_version, templates, chart::values::values_yaml(values_model)));
    }
    options.insert("chart-version".into(), chart_version.to_string());
    let input = InputInfo { file: model.input_file.clone(), sha256: model.input_sha256.clone() };
    let overrides = overlay.map(|o| InputInfo { file: o.file.clone(), sha256: o.sha256.clone() });
    let manifest = Manifest::new(input, options, overrides, &files);
    files.insert(manifest::PATH.into(), manifest.to_text());
    Ok(files)
}
