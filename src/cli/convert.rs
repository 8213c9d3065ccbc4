//! `clowd2helm convert`.

use super::common::MappingArgs;
use clowd2helm::error::{Error, Result};
use clowd2helm::model::Outcome;
use clowd2helm::regen::{self, manifest, overlay};
use clowd2helm::source::template::sha256_hex;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// OpenShift Template, ClowdApp or multi-document YAML; `-` reads stdin. Without it (and
    /// without -o), the built-in Koku-like demo is written to ./chart.
    pub template: Option<String>,
    /// Chart folder to write [default: chart] (replaced atomically; files you added are kept).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Chart version written to Chart.yaml.
    #[arg(long, default_value = "0.1.0")]
    pub chart_version: String,
    /// Overlays re-applied on every run: a YAML list of `{target: {kind, name}, patch: [RFC 6902
    /// operations]}` (`target: {kind: Values}` patches values.yaml). See docs/regeneration.md.
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
    /// Overwrite generated files that were edited by hand.
    #[arg(long)]
    pub force: bool,
}

/// Read and parse `--overrides` (shared with `check`).
pub fn read_overrides(path: Option<&PathBuf>) -> Result<Option<overlay::Overlay>> {
    let Some(p) = path else { return Ok(None) };
    let (name, text) = clowd2helm::read_input(&p.display().to_string())?;
    Ok(Some(overlay::parse(&name, &text)?))
}

/// The chart folder `convert` writes without `-o`.
pub const DEFAULT_OUTPUT: &str = "chart";

/// The template to convert. Without one, the built-in demo (README's first command), but only
/// into `./chart` and only when that folder is absent or holds an earlier demo: a forgotten
/// template must never replace a real chart with the demo.
fn read_template(a: &Args) -> Result<(String, String)> {
    if let Some(t) = &a.template {
        return clowd2helm::read_input(t);
    }
    if let Some(out) = &a.output {
        return Err(Error::Usage(format!(
            "no TEMPLATE given: name the template to convert into {} (`clowd2helm convert TEMPLATE -o {}`); the built-in demo is written only to ./{DEFAULT_OUTPUT}, by `clowd2helm convert` without arguments",
            out.display(),
            out.display()
        )));
    }
    let demo = || (clowd2helm::EMBEDDED_FIXTURE_NAME.to_string(), clowd2helm::EMBEDDED_FIXTURE.to_string());
    let out = Path::new(DEFAULT_OUTPUT);
    if !out.exists() {
        return Ok(demo());
    }
    match manifest::Manifest::read(out)? {
        Some(m) if m.input.file == clowd2helm::EMBEDDED_FIXTURE_NAME && m.input.sha256 == sha256_hex(clowd2helm::EMBEDDED_FIXTURE.as_bytes()) => Ok(demo()),
        Some(m) => Err(Error::Usage(format!(
            "no TEMPLATE given, and ./{DEFAULT_OUTPUT} holds a chart generated from {}: name the template to regenerate it (`clowd2helm convert {} -o {DEFAULT_OUTPUT}`); the built-in demo never replaces another chart",
            m.input.file, m.input.file
        ))),
        None => Err(Error::Usage(format!(
            "no TEMPLATE given, and ./{DEFAULT_OUTPUT} exists but was not written by clowd2helm: name the template and an output folder (`clowd2helm convert TEMPLATE -o DIR`)"
        ))),
    }
}

pub fn run(a: &Args) -> Result<u8> {
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT));
    clowd2helm::chart::writer::check_target(&output)?;
    let (name, text) = read_template(a)?;
    let model = clowd2helm::model_from_text(&name, &text, &a.mapping.options()?)?;
    let overlay = read_overrides(a.overrides.as_ref())?;
    let files = regen::generate(&model, &a.chart_version, a.mapping.recorded(), overlay.as_ref())?;
    let previous = if output.is_dir() { manifest::Manifest::read(&output)? } else { None };
    let plan = manifest::plan(&output, &files, a.force)?;
    clowd2helm::chart::writer::replace_dir(&output, &files, &plan.keep)?;
    let count = |o| model.findings.iter().filter(|f| f.outcome == o).count();
    let shown = std::fs::canonicalize(&output).unwrap_or(output.clone());
    println!("Chart `{}` written to {} ({} files).", model.chart_name, shown.display(), files.len());
    println!(
        "Findings: {} translated, {} approximated, {} need input, {} unsupported; see {}/GAP_REPORT.md",
        count(Outcome::Translated),
        count(Outcome::Approximated),
        count(Outcome::NeedsInput),
        count(Outcome::Unsupported),
        shown.display()
    );
    if let Some(o) = &overlay {
        println!("Applied {} overlay entries from {}.", o.entries.len(), o.file);
    }
    if !plan.removed.is_empty() {
        println!("Removed {} files that are no longer generated: {}", plan.removed.len(), plan.removed.join(", "));
    }
    if !plan.overwritten_edits.is_empty() {
        println!("Overwrote {} hand-edited files (--force): {}", plan.overwritten_edits.len(), plan.overwritten_edits.join(", "));
    }
    if !plan.keep.is_empty() {
        println!("Kept {} files of yours.", plan.keep.len());
    }
    if let (Some(was), None) = (previous.as_ref().and_then(|m| m.overrides.as_ref()), &overlay) {
        eprintln!("warning: the chart was generated with --overrides {} before; without it, those overlays are no longer applied", was.file);
    }
    // The process ends here: freeing the model and the files' text, tens of thousands of
    // small allocations, would only cost time.
    std::mem::forget(model);
    std::mem::forget(files);
    Ok(0)
}
