//! The report as data: one field per section, computed once from the model (and, for `gap
//! --against`, from the existing chart), then rendered as Markdown and JSON. Both views read
//! this struct and nothing else; the JSON is this struct serialized.

use super::categories::Categories;
use super::compare::{Comparison, Ours};
use super::facts::WorkloadFacts;
use super::paths;
use super::sections::components::{self, Component};
use super::sections::config_objects::{self, ConfigObject};
use super::sections::env::{self, EnvCategoryReport};
use super::sections::externals::{self, ExternalRow};
use super::sections::infrastructure::{self, Infrastructure};
use super::sections::parameters::{self, Parameters};
use super::sections::queues::{self, Queue};
use super::sections::services::{self, ServiceRef};
use super::sections::summary::{self, Sizes, Summary};
use crate::model::eval::Eval;
use crate::model::{Finding, Model, SourceRef};
use serde::Serialize;

/// Version of the JSON report format (docs/gap-report.schema.json).
pub const VERSION: &str = "3";

/// The sections, in key order as every serialized struct here (see `report/mod.rs`); the
/// Markdown shows them in its own order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub chart: ChartInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    pub components: Vec<Component>,
    pub config_maps: Vec<ConfigObject>,
    pub env_categories: Vec<EnvCategoryReport>,
    pub external_services: Vec<ServiceRef>,
    /// What pods need that the release does not create (install closure).
    pub externals: Vec<ExternalRow>,
    pub findings: Vec<Finding>,
    pub infrastructure: Infrastructure,
    pub input: InputInfo,
    pub parameters: Parameters,
    pub secrets: Vec<ConfigObject>,
    pub summary: Summary,
    pub tool: Tool,
    pub unserved_services: Vec<ServiceRef>,
    pub version: &'static str,
    pub worker_queues: Vec<Queue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub apps: Vec<String>,
    /// The input's path as reports show it (never absolute, see `report/paths.rs`).
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartInfo {
    pub app_version: Option<String>,
    pub name: String,
}

impl Report {
    pub fn build(model: &Model, cats: &Categories) -> Report {
        let ev = Eval::new(model);
        let facts: Vec<WorkloadFacts> = model.workloads.iter().map(|w| WorkloadFacts::of(&ev, w)).collect();
        let (secrets, config_maps) = config_objects::build(&ev, model, &facts);
        let components = components::build(&ev, cats, &facts, &secrets, &config_maps);
        let worker_queues = queues::build(&components);
        let env_categories = env::build(&ev, cats, &facts);
        let infrastructure = infrastructure::build(&ev, model, &facts, &env_categories);
        let (unserved_services, external_services) = services::build(&ev, cats, model, &facts);
        let parameters = parameters::build(model);
        let externals = externals::build(&ev, model);
        let sizes = Sizes {
            worker_queues: worker_queues.len(),
            env_vars: env_categories.iter().map(|c| c.vars.len()).sum(),
            secrets: secrets.len(),
            config_maps: config_maps.len(),
            unserved_services: unserved_services.len(),
            decisions_before_install: externals.iter().filter(|e| e.needed_at_defaults).count(),
        };
        let summary = summary::build(model, &components, &parameters.counts, sizes);
        let mut findings = model.findings.clone();
        findings.sort_by(|a, b| (&a.source.file, a.source.line, a.source.column).cmp(&(&b.source.file, b.source.line, b.source.column)));
        let mut r = Report {
            version: VERSION,
            tool: Tool { name: "clowd2helm", version: env!("CARGO_PKG_VERSION") },
            input: InputInfo { file: model.input_file.clone(), sha256: model.input_sha256.clone(), apps: model.apps.clone() },
            chart: ChartInfo { name: model.chart_name.clone(), app_version: model.app_version.clone() },
            summary,
            components,
            worker_queues,
            infrastructure,
            externals,
            secrets,
            config_maps,
            parameters,
            env_categories,
            unserved_services,
            external_services,
            findings,
            comparison: None,
        };
        r.relative_paths();
        r
    }

    /// What `gap --against` compares with the chart.
    pub fn ours(&self) -> Ours<'_> {
        Ours {
            components: &self.components,
            worker_queues: &self.worker_queues,
            secrets: &self.secrets,
            config_maps: &self.config_maps,
            infrastructure: &self.infrastructure.needs,
            env_categories: &self.env_categories,
            unserved_services: &self.unserved_services,
        }
    }

    /// Every source path as reports show it: the model keeps the path as given (errors name
    /// it so), the report never carries an absolute one.
    fn relative_paths(&mut self) {
        // Nearly every reference names the same input: remember the last answer.
        let mut last: (String, String) = (String::new(), String::new());
        let mut fix = |s: &mut SourceRef| {
            if s.file != last.0 {
                last = (s.file.clone(), paths::shown(&s.file));
            }
            s.file.clone_from(&last.1);
        };
        self.input.file = paths::shown(&self.input.file);
        self.components.iter_mut().for_each(|c| fix(&mut c.source));
        self.infrastructure.needs.iter_mut().for_each(|n| fix(&mut n.source));
        self.externals.iter_mut().for_each(|e| fix(&mut e.source));
        for o in self.secrets.iter_mut().chain(self.config_maps.iter_mut()) {
            o.source.iter_mut().for_each(&mut fix);
            o.uses.iter_mut().flat_map(|u| u.source.iter_mut()).for_each(&mut fix);
        }
        let p = &mut self.parameters;
        p.all.iter_mut().chain(p.decisions_needed.iter_mut()).chain(p.generated.iter_mut()).chain(p.typed.iter_mut()).for_each(|x| fix(&mut x.source));
        self.env_categories.iter_mut().flat_map(|c| c.vars.iter_mut()).flat_map(|v| v.source.iter_mut()).for_each(&mut fix);
        self.unserved_services.iter_mut().chain(self.external_services.iter_mut()).flat_map(|s| s.source.iter_mut()).for_each(&mut fix);
        self.findings.iter_mut().for_each(|f| fix(&mut f.source));
    }
}
