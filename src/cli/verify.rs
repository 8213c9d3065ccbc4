//! `clowd2helm verify`: prove a chart renders what Clowder would have run.

use super::common::{MappingArgs, Mode};
use clowd2helm::error::{Error, Result};
use clowd2helm::regen::manifest::Manifest;
use clowd2helm::verify::{self, Request};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The OpenShift Template (or ClowdApp) the chart was converted from; `-` reads stdin.
    pub template: String,
    /// The chart folder (`clowd2helm convert -o`).
    pub chart_dir: PathBuf,
    /// Values file passed to helm; its `parameters:` also feed the template processing.
    #[arg(short = 'f', long = "values", value_name = "VALUES")]
    pub values: Vec<String>,
    /// Value passed to helm (`K=V`); `parameters.NAME=VALUE` also feeds the template processing.
    #[arg(long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// The helm binary (default: $CLOWD2HELM_HELM, the project's .tools/bin/helm, or PATH).
    #[arg(long)]
    pub helm: Option<PathBuf>,
    /// The kubernetes-validate binary (default: $CLOWD2HELM_KUBERNETES_VALIDATE, .tools/bin, or PATH; skipped when absent).
    #[arg(long = "kubernetes-validate", value_name = "PATH")]
    pub kubernetes_validate: Option<PathBuf>,
    /// Fail when any object a pod needs is external: the release must create everything
    /// (for a standalone values file, e.g. `-f CHART/values-standalone.yaml --closed`).
    #[arg(long)]
    pub closed: bool,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

pub fn run(a: &Args) -> Result<u8> {
    let template = clowd2helm::read_input(&a.template)?;
    // A missing helm is a broken environment (exit 3), even when named with --helm.
    let helm = clowd2helm::tools::find_helm(a.helm.as_deref()).map_err(|e| match e {
        Error::Usage(m) => Error::Tool(m),
        other => other,
    })?;
    let (mapping, notes) = with_recorded_options(&a.mapping, &a.chart_dir)?;
    let request = Request {
        template,
        chart_dir: a.chart_dir.clone(),
        values_files: a.values.clone(),
        sets: a.set.clone(),
        helm,
        validator: verify::validate::find(a.kubernetes_validate.as_deref())?,
        options: mapping.options()?,
        notes,
        closed: a.closed,
    };
    let outcome = verify::run(&request)?;
    print!("{}", outcome.render());
    Ok(if outcome.passed() { 0 } else { 1 })
}

/// Mapping options not given on the command line are taken from those `convert` recorded in the
/// chart's manifest, so that the oracle uses the same profile and config mode as the chart.
fn with_recorded_options(given: &MappingArgs, chart_dir: &std::path::Path) -> Result<(MappingArgs, Vec<String>)> {
    let mut m = given.clone();
    let mut used = Vec::new();
    let Some(manifest) = Manifest::read(chart_dir)? else { return Ok((m, Vec::new())) };
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
    let mut notes = Vec::new();
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
    Ok((m, notes))
}
