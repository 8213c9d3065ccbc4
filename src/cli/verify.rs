//! `clowd2helm verify`: prove a chart renders what Clowder would have run.

use super::common::MappingArgs;
use super::recorded;
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
    /// Value passed to helm (`K=V`), typed as Helm types it (`7` is a number);
    /// `parameters.NAME=VALUE` also feeds the template processing.
    #[arg(long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// Value passed to helm as a string (`--set-string parameters.IMAGE_TAG=1234567`), for
    /// string parameters whose value looks like a number or a boolean.
    #[arg(long = "set-string", value_name = "K=V")]
    pub set_string: Vec<String>,
    /// Print every value of a difference whole (long ones are cut at 160 characters otherwise).
    #[arg(long)]
    pub full: bool,
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
    let (mapping, notes) = recorded::mapping_options(&a.mapping, Manifest::read(&a.chart_dir)?.as_ref());
    let request = Request {
        template,
        chart_dir: a.chart_dir.clone(),
        values_files: a.values.clone(),
        sets: a.set.clone(),
        set_strings: a.set_string.clone(),
        helm,
        validator: verify::validate::find(a.kubernetes_validate.as_deref())?,
        options: mapping.options()?,
        notes,
        closed: a.closed,
    };
    let outcome = verify::run(&request)?;
    print!("{}", outcome.render(a.full));
    Ok(if outcome.passed() { 0 } else { 1 })
}
