//! `clowd2helm check`: would regenerating change the chart folder? For CI and pre-commit hooks.
//!
//! The chart is judged by the options it was made with: mapping options, chart version and
//! overlay file not given on the command line are taken from its manifest. The closing hint is
//! the exact `convert` command that regenerates it, or, when `convert` would refuse (a
//! generated file edited by hand, a file of the user's in the way), why and what to do.

use super::common::MappingArgs;
use super::convert::read_overrides;
use super::recorded;
use clowd2helm::error::{Error, Result};
use clowd2helm::regen::filediff::Status;
use clowd2helm::regen::{self, drift, manifest::{self, Manifest}};
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
    /// The overlays the chart is generated with (default: the file recorded in the manifest).
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
}

pub fn run(a: &Args) -> Result<u8> {
    if !a.output.is_dir() {
        return Err(Error::Usage(format!("{} is not a chart folder; run `clowd2helm convert {} -o {}` first", a.output.display(), a.template, a.output.display())));
    }
    let recorded = Manifest::read(&a.output)?;
    let (mapping, mut notes) = recorded::mapping_options(&a.mapping, recorded.as_ref());
    let overrides = match (&a.overrides, recorded.as_ref().and_then(|m| m.overrides.as_ref())) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(was)) if std::path::Path::new(&was.file).is_file() => {
            notes.push(format!("overlays recorded in the chart's manifest: --overrides {}", was.file));
            Some(PathBuf::from(&was.file))
        }
        (None, Some(was)) => {
            notes.push(format!("the chart was generated with --overrides {}, which is not found from here; pass --overrides", was.file));
            None
        }
        (None, None) => None,
    };
    let (name, text) = clowd2helm::read_input(&a.template)?;
    let model = clowd2helm::model_from_text(&name, &text, &mapping.options()?)?;
    let overlay = read_overrides(overrides.as_ref())?;
    let version = match (&a.chart_version, &recorded) {
        (Some(v), _) => v.clone(),
        (None, Some(m)) => m.options.get("chart-version").cloned().unwrap_or_else(|| "0.1.0".into()),
        (None, None) => "0.1.0".into(),
    };
    let files = regen::generate(&model, &version, mapping.recorded(), overlay.as_ref())?;
    let d = drift::compare(&a.output, &files)?;
    if d.is_clean() {
        for n in &notes {
            eprintln!("note: {n}");
        }
        eprintln!("{} is up to date with {}.", a.output.display(), a.template);
        return Ok(0);
    }
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), d.diff.as_bytes());
    eprintln!("{}: regenerating would change {} files:", a.output.display(), d.files.len());
    for (status, label) in [(Status::Removed, "removed"), (Status::Changed, "changed"), (Status::Added, "added")] {
        let paths: Vec<&str> = d.files.iter().filter(|(_, s)| *s == status).map(|(p, _)| p.as_str()).collect();
        if !paths.is_empty() {
            eprintln!("  {label} ({}): {}", paths.len(), paths.join(", "));
        }
    }
    for n in &notes {
        eprintln!("note: {n}");
    }
    if let Some(m) = &recorded
        && m.input.file != name
    {
        eprintln!("note: the chart was generated from {}, this check read {}", m.input.file, name);
    }
    // Say what `convert` would do, so that the advice holds.
    match manifest::plan(&a.output, &files, false) {
        Ok(_) => eprintln!("hint: regenerate with `{}` and commit the result", convert_command(a, &mapping, &version, overrides.as_ref())),
        Err(Error::Input(e)) => {
            eprintln!("note: `convert` would refuse: {}", e.message);
            if let Some(h) = e.hint {
                eprintln!("hint: {h}");
            }
        }
        Err(e) => return Err(e),
    }
    Ok(1)
}

/// The `convert` command line that regenerates the chart as this check computed it.
fn convert_command(a: &Args, mapping: &MappingArgs, version: &str, overrides: Option<&PathBuf>) -> String {
    let mut cmd = format!("clowd2helm convert {} -o {}", a.template, a.output.display());
    for (k, v) in mapping.recorded() {
        match v.as_str() {
            "true" => cmd.push_str(&format!(" --{k}")),
            _ => cmd.push_str(&format!(" --{k} {v}")),
        }
    }
    if version != "0.1.0" {
        cmd.push_str(&format!(" --chart-version {version}"));
    }
    if let Some(o) = overrides {
        cmd.push_str(&format!(" --overrides {}", o.display()));
    }
    cmd
}
