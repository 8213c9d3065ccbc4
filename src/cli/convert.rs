//! `clowd2helm convert`.

use super::common::{read_template, MappingArgs};
use clowd2helm::error::Result;
use clowd2helm::model::Outcome;
use clowd2helm::regen::{self, manifest, overlay};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// OpenShift Template, ClowdApp or multi-document YAML; `-` reads stdin. Without it, the
    /// embedded Koku-like fixture is converted.
    pub template: Option<String>,
    /// Chart folder to write (replaced atomically; files you added are kept).
    #[arg(short, long, default_value = "chart")]
    pub output: PathBuf,
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

pub fn run(a: &Args) -> Result<u8> {
    let (name, text) = read_template(a.template.as_deref())?;
    let model = clowd2helm::model_from_text(&name, &text, &a.mapping.options()?)?;
    let overlay = read_overrides(a.overrides.as_ref())?;
    let files = regen::generate(&model, &a.chart_version, a.mapping.recorded(), overlay.as_ref())?;
    let previous = if a.output.is_dir() { manifest::Manifest::read(&a.output)? } else { None };
    let plan = manifest::plan(&a.output, &files, a.force)?;
    clowd2helm::chart::writer::replace_dir(&a.output, &files, &plan.keep)?;
    let count = |o| model.findings.iter().filter(|f| f.outcome == o).count();
    let shown = std::fs::canonicalize(&a.output).unwrap_or(a.output.clone());
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
    Ok(0)
}
