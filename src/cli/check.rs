//! `clowd2helm check`: would regenerating change the chart folder? For CI and pre-commit hooks.

use super::common::MappingArgs;
use super::convert::read_overrides;
use clowd2helm::error::{Error, Result};
use clowd2helm::regen::{self, drift, manifest::Manifest};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template the chart is generated from.
    pub template: String,
    /// The chart folder to check.
    #[arg(short, long, default_value = "chart")]
    pub output: PathBuf,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Chart version (default: the one recorded in the chart's manifest).
    #[arg(long)]
    pub chart_version: Option<String>,
    /// The overlays the chart is generated with.
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<u8> {
    if !a.output.is_dir() {
        return Err(Error::Usage(format!("{} is not a chart folder; run `clowd2helm convert {} -o {}` first", a.output.display(), a.template, a.output.display())));
    }
    let (name, text) = clowd2helm::read_input(&a.template)?;
    let model = clowd2helm::model_from_text(&name, &text, &a.mapping.options()?)?;
    let overlay = read_overrides(a.overrides.as_ref())?;
    let recorded = Manifest::read(&a.output)?;
    let version = match (&a.chart_version, &recorded) {
        (Some(v), _) => v.clone(),
        (None, Some(m)) => m.options.get("chart-version").cloned().unwrap_or_else(|| "0.1.0".into()),
        (None, None) => "0.1.0".into(),
    };
    let files = regen::generate(&model, &version, a.mapping.recorded(), overlay.as_ref())?;
    let d = drift::compare(&a.output, &files)?;
    if d.is_clean() {
        eprintln!("{} is up to date with {}.", a.output.display(), a.template);
        return Ok(0);
    }
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), d.diff.as_bytes());
    eprintln!("{}: regenerating would change {} files: {}", a.output.display(), d.files.len(), d.files.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>().join(", "));
    if let Some(m) = &recorded {
        let used = overlay.as_ref().map(|o| o.file.as_str());
        let was = m.overrides.as_ref().map(|o| o.file.as_str());
        if used != was {
            eprintln!("note: the chart was generated with --overrides {}, this check used {}", was.unwrap_or("(none)"), used.unwrap_or("(none)"));
        }
        let mut was = m.options.clone();
        was.remove("chart-version");
        if was != a.mapping.recorded() {
            let show = |o: &std::collections::BTreeMap<String, String>| if o.is_empty() { "(none)".to_string() } else { o.iter().map(|(k, v)| format!("--{k} {v}")).collect::<Vec<_>>().join(" ") };
            eprintln!("note: the chart was generated with options {}, this check used {}", show(&was), show(&a.mapping.recorded()));
        }
        if m.input.file != name {
            eprintln!("note: the chart was generated from {}, this check read {}", m.input.file, name);
        }
    }
    eprintln!("hint: run `clowd2helm convert` with the same arguments to regenerate, and commit the result");
    Ok(1)
}
