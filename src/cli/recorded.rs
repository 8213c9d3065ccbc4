//! The options `convert` recorded in a chart's manifest, used by the commands that work on an
//! existing chart (`check`, `verify`) when the command line does not give them, so that they
//! judge the chart by the options it was made with.

use super::common::{MappingArgs, Mode};
use clowd2helm::regen::manifest::Manifest;
use std::path::PathBuf;

/// `given`, completed with the recorded mapping options; and notes saying which were taken.
pub fn mapping_options(given: &MappingArgs, manifest: Option<&Manifest>) -> (MappingArgs, Vec<String>) {
    let mut m = given.clone();
    let mut used = Vec::new();
    let mut notes = Vec::new();
    let Some(manifest) = manifest else { return (m, notes) };
    let recorded = |k: &str| manifest.options.get(k).cloned();
    if m.config_mode.is_none()
        && let Some(mode) = recorded("config-mode")
    {
        m.config_mode = match mode.as_str() {
            "env" => Some(Mode::Env),
            "cdappconfig" => Some(Mode::Cdappconfig),
            _ => None,
        };
        used.push(format!("config-mode {mode}"));
    }
    if m.profile.is_none()
        && let Some(p) = recorded("profile")
    {
        used.push(format!("profile {p}"));
        m.profile = Some(p);
    }
    if !m.allow_unknown_fields && recorded("allow-unknown-fields").as_deref() == Some("true") {
        m.allow_unknown_fields = true;
        used.push("allow-unknown-fields".into());
    }
    if m.params.is_empty() {
        for (key, value) in &manifest.options {
            if let Some(name) = key.strip_prefix("param.") {
                m.params.push(format!("{name}={value}"));
                used.push(format!("--param {name}"));
            }
        }
    }
    if m.environment.is_none()
        && let Some(e) = recorded("environment").map(PathBuf::from)
    {
        if e.is_file() {
            used.push(format!("environment {}", e.display()));
            m.environment = Some(e);
        } else {
            notes.push(format!("the environment {} recorded by convert is not found from here; pass --environment", e.display()));
        }
    }
    if !used.is_empty() {
        notes.insert(0, format!("mapping options recorded by convert in the chart's manifest: {}", used.join(", ")));
    }
    (m, notes)
}
