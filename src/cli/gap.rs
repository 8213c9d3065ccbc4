//! `clowd2helm gap`: print the gap report without writing a chart; with `--against` (or
//! `--against-rendered`), compare the ClowdApp with an existing chart.

use super::common::MappingArgs;
use clap::ValueEnum;
use clowd2helm::error::{Error, Result};
use clowd2helm::report::categories::Categories;
use clowd2helm::report::compare::decisions::Decisions;
use clowd2helm::report::compare::{compare, Against};
use clowd2helm::report::Report;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum Format {
    Md,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template to report on (`-` reads stdin).
    pub template: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// An existing Helm chart folder to compare with, rendered with `helm template` (helm is
    /// required; without it, use --against-rendered).
    #[arg(long, value_name = "CHART_DIR")]
    pub against: Option<PathBuf>,
    /// The chart's manifests as you rendered them (`helm template ... > FILE`); helm is not run.
    /// With --against too, the folder still names the chart and its switched-off templates.
    #[arg(long, value_name = "FILE")]
    pub against_rendered: Option<PathBuf>,
    /// Values file for rendering the `--against` chart (repeatable, passed to helm as `-f`).
    #[arg(long, value_name = "FILE", requires = "against")]
    pub against_values: Vec<PathBuf>,
    /// `--set KEY=VALUE` for rendering the `--against` chart (repeatable).
    #[arg(long, value_name = "KEY=VALUE", requires = "against")]
    pub against_set: Vec<String>,
    /// `--set-string KEY=VALUE` for rendering the `--against` chart (repeatable).
    #[arg(long, value_name = "KEY=VALUE", requires = "against")]
    pub against_set_string: Vec<String>,
    /// Pair a ClowdApp component with a chart workload by hand (repeatable):
    /// `--match api-reads=cost-api-reads`.
    #[arg(long = "match", value_name = "CLOWDAPP_COMPONENT=CHART_WORKLOAD")]
    pub matches: Vec<String>,
    /// Omissions made on purpose (YAML; see docs/report.md): what they cover is reported as
    /// `accepted` with its reason; a decision that covers nothing is a warning.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Release name for rendering the `--against` chart (default: the chart's name).
    #[arg(long, requires = "against")]
    pub release: Option<String>,
    /// The helm binary (default: $CLOWD2HELM_HELM, .tools/bin/helm, then PATH).
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,
    /// Report data (env categories, service names, component categories) instead of the
    /// built-in mappings/env-categories.yaml.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

pub fn run(a: &Args) -> Result<u8> {
    let comparing = a.against.is_some() || a.against_rendered.is_some();
    if !comparing && (!a.matches.is_empty() || a.decisions.is_some()) {
        return Err(Error::Usage("--match and --decisions need --against CHART_DIR or --against-rendered FILE".into()));
    }
    let (name, text) = clowd2helm::read_input(&a.template)?;
    let model = clowd2helm::model_from_text(&name, &text, &a.mapping.options()?)?;
    let cats = match &a.categories {
        Some(p) => {
            let (n, t) = clowd2helm::read_input(&p.display().to_string())?;
            Categories::parse(&n, &t)?
        }
        None => Categories::builtin(),
    };
    let mut report = Report::build(&model, &cats);
    if comparing {
        if let Some(dir) = a.against.as_ref().filter(|d| !d.is_dir()) {
            return Err(Error::Usage(format!("--against {}: not a folder", dir.display())));
        }
        let mut matches = Vec::new();
        for m in &a.matches {
            let (l, r) = m.split_once('=').filter(|(l, r)| !l.is_empty() && !r.is_empty()).ok_or_else(|| Error::Usage(format!("--match {m}: expected CLOWDAPP_COMPONENT=CHART_WORKLOAD")))?;
            matches.push((l.to_string(), r.to_string()));
        }
        let decisions = match &a.decisions {
            Some(p) => {
                let (n, t) = clowd2helm::read_input(&p.display().to_string())?;
                Some(Decisions::parse(&n, &t)?)
            }
            None => None,
        };
        let against = Against {
            chart_dir: a.against.clone(),
            rendered: a.against_rendered.clone(),
            values: a.against_values.clone(),
            set: a.against_set.clone(),
            set_string: a.against_set_string.clone(),
            matches,
            release: a.release.clone(),
            helm: a.helm.clone(),
            decisions,
        };
        let comparison = compare(&model, &cats, report.ours(), &against)?;
        for u in comparison.unused_decisions() {
            eprintln!("warning: {}", u.message);
        }
        report.comparison = Some(comparison);
    }
    match a.format {
        Format::Md => print!("{}", clowd2helm::report::markdown::render_report(&report, &cats)),
        Format::Json => print!("{}", clowd2helm::report::json::render_report(&report)),
    }
    Ok(0)
}
