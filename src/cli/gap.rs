//! `clowd2helm gap`: print the gap report without writing a chart; with `--against`, compare the
//! ClowdApp with an existing chart.

use super::common::MappingArgs;
use clap::ValueEnum;
use clowd2helm::error::{Error, Result};
use clowd2helm::report::categories::Categories;
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
    /// An existing Helm chart folder to compare with: rendered with `helm template` (read
    /// statically when helm is missing or fails).
    #[arg(long, value_name = "CHART_DIR")]
    pub against: Option<PathBuf>,
    /// Values file for rendering the `--against` chart.
    #[arg(long, value_name = "FILE", requires = "against")]
    pub against_values: Option<PathBuf>,
    /// Pair a ClowdApp component with a chart workload by hand (repeatable):
    /// `--match api-reads=cost-api-reads`.
    #[arg(long = "match", value_name = "CLOWDAPP_COMPONENT=CHART_WORKLOAD", requires = "against")]
    pub matches: Vec<String>,
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
    if let Some(dir) = &a.against {
        if !dir.is_dir() {
            return Err(Error::Usage(format!("--against {}: not a folder", dir.display())));
        }
        let mut matches = Vec::new();
        for m in &a.matches {
            let (l, r) = m.split_once('=').filter(|(l, r)| !l.is_empty() && !r.is_empty()).ok_or_else(|| Error::Usage(format!("--match {m}: expected CLOWDAPP_COMPONENT=CHART_WORKLOAD")))?;
            matches.push((l.to_string(), r.to_string()));
        }
        let against = Against { chart_dir: dir.clone(), values: a.against_values.clone(), matches, release: a.release.clone(), helm: a.helm.clone() };
        report.comparison = Some(compare(&model, &report, &cats, &against)?);
    }
    match a.format {
        Format::Md => print!("{}", clowd2helm::report::markdown::render_report(&report, &cats)),
        Format::Json => print!("{}", clowd2helm::report::json::render_report(&report)),
    }
    Ok(0)
}
