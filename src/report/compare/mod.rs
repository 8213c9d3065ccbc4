//! `gap --against`: what an existing, hand-written Helm chart covers of the ClowdApp, and what
//! it lacks, judged by role rather than by name.
//!
//! `render` (helm, tolerant reading) → `scan` (workloads, Services, Secrets; `roles` says what
//! each does) → `matching` (evidence, confidence, many-to-one, replaced-by) → `coverage` (queues,
//! env, Secrets, differences) and `providers` (bundled, external, missing) → `accept` (applies
//! the `decisions` file) → `comparison` (the section's data, matrix and risks) → `markdown`.
//! This module runs the steps in that order.

pub mod accept;
pub mod comparison;
pub mod coverage;
pub mod decisions;
pub mod markdown;
pub mod matching;
pub mod providers;
pub mod render;
pub mod roles;
pub mod scan;

use crate::error::{Error, Result};
use crate::model::eval::Eval;
use crate::model::{EnvValue, Model};
use crate::report::categories::Categories;
use crate::report::facts::{from_text, rendered, shown};
use crate::report::paths;
use crate::report::sections::components::Component;
use crate::report::sections::config_objects::ConfigObject;
use crate::report::sections::env::EnvCategoryReport;
use crate::report::sections::infrastructure::Infra;
use crate::report::sections::queues::Queue;
use crate::report::sections::services::ServiceRef;
pub use comparison::Comparison;
use comparison::{Candidate, ChartSource, ChartWorkloadInfo, ComponentMatch, Totals};
use coverage::OurProbes;
use decisions::Decisions;
use matching::Pairing;
use render::RenderRequest;
use roles::Vocabulary;
use scan::{ChartScan, EnvMap};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `gap --against` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Against {
    pub chart_dir: Option<PathBuf>,
    /// Manifests rendered by the user (`--against-rendered`); helm is not run.
    pub rendered: Option<PathBuf>,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    /// `CLOWDAPP_COMPONENT=CHART_WORKLOAD` pairs.
    pub matches: Vec<(String, String)>,
    pub release: Option<String>,
    pub helm: Option<PathBuf>,
    pub decisions: Option<Decisions>,
}

/// The parts of the report the comparison reads.
pub struct Ours<'a> {
    pub components: &'a [Component],
    pub worker_queues: &'a [Queue],
    pub secrets: &'a [ConfigObject],
    pub config_maps: &'a [ConfigObject],
    pub infrastructure: &'a [Infra],
    pub env_categories: &'a [EnvCategoryReport],
    pub unserved_services: &'a [ServiceRef],
}

/// `Chart.yaml`'s name, else the folder name.
pub fn chart_name(dir: &Path) -> Result<String> {
    let f = dir.join("Chart.yaml");
    let text = std::fs::read_to_string(&f).map_err(|e| Error::Usage(format!("{}: not a Helm chart folder ({}: {e})", dir.display(), f.display())))?;
    let docs = crate::source::yaml::load_documents(&f.display().to_string(), &text)?;
    Ok(docs
        .first()
        .and_then(|d| d.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()))
}

/// The chart's name without a folder: from the rendered `# Source: NAME/templates/...`.
fn name_from_sources(sources: &[String], file: Option<&Path>) -> String {
    sources
        .first()
        .and_then(|s| s.split('/').next())
        .map(str::to_string)
        .or_else(|| file.and_then(|f| f.file_stem()).map(|s| s.to_string_lossy().to_string()))
        .unwrap_or_else(|| "chart".into())
}

pub fn compare(model: &Model, cats: &Categories, ours: Ours, a: &Against) -> Result<Comparison> {
    let vocab = Vocabulary::builtin();
    let dir_name = a.chart_dir.as_deref().map(chart_name).transpose()?;
    let release = a.release.clone().or_else(|| dir_name.clone()).unwrap_or_else(|| "release".into());
    let request = RenderRequest { chart_dir: a.chart_dir.clone(), rendered: a.rendered.clone(), release: release.clone(), values: a.values.clone(), set: a.set.clone(), set_string: a.set_string.clone(), helm: a.helm.clone() };
    let out = render::render(&request)?;
    let name = dir_name.unwrap_or_else(|| name_from_sources(&out.sources, a.rendered.as_deref()));
    let scan = ChartScan::from_documents(&out.docs, cats, &vocab);
    let silent = match &a.chart_dir {
        Some(d) if a.rendered.is_none() => coverage::silent_templates(d, &name, &out.sources),
        _ => Vec::new(),
    };

    // Our components as the matching sees them.
    let ev = Eval::new(model);
    let mut prefixes: Vec<String> = model.apps.clone();
    prefixes.extend(["clowder".to_string(), release.to_ascii_lowercase(), name.to_ascii_lowercase(), model.chart_name.clone()]);
    let envs: Vec<EnvMap> = model.workloads.iter().map(|w| our_env(&ev, w)).collect();
    let probes: Vec<OurProbes> = model.workloads.iter().map(|w| OurProbes { liveness: probe(&ev, &w.main().liveness_probe), readiness: probe(&ev, &w.main().readiness_probe) }).collect();
    let sides: Vec<matching::Component> = ours
        .components
        .iter()
        .zip(&envs)
        .map(|(c, env)| matching::Component {
            name: &c.name,
            kind: c.kind,
            category: &c.category,
            image: &c.image,
            role: vocab.role(&c.command, &c.image, c.web.public || c.web.private),
            queues: &c.queues,
            consumes: c.consumes_queues,
            web: c.web.public || c.web.private,
            hook: c.hook.as_deref(),
            env: env.clone(),
            tokens: matching::tokens(&c.name, &prefixes),
        })
        .collect();
    let ctx = matching::Context::new(&vocab, &sides, &scan.workloads, &prefixes);
    let overrides = overrides(a, ours.components, &scan, &prefixes)?;
    let pairings = matching::pair(&ctx, &sides, &scan.workloads, &overrides);

    let mut components: Vec<ComponentMatch> = Vec::new();
    for (ci, c) in ours.components.iter().enumerate() {
        components.push(component_match(c, &pairings[ci], &scan, &envs[ci], &probes[ci], &silent, &sides[ci].tokens, &vocab));
    }
    let serving: BTreeSet<usize> = pairings.iter().filter_map(|p| if let Pairing::Matched { workloads, .. } = p { Some(workloads.clone()) } else { None }).flatten().collect();
    // Evidence about what the app's workloads use comes from the workloads that serve it;
    // when none does, from the whole chart.
    let users: Vec<usize> = if serving.is_empty() { (0..scan.workloads.len()).collect() } else { serving.iter().copied().collect() };

    let mut queues = coverage::queues(ours.worker_queues, &scan);
    let mut env_unset = coverage::env_gaps(ours.env_categories, &scan, &users);
    let app_refs = app_references(&ev, model);
    let chart_env: BTreeMap<String, String> = users.iter().flat_map(|&i| scan.workloads[i].env.iter().map(|(k, v)| (k.clone(), v.clone()))).collect();
    let covered: BTreeSet<String> = components.iter().filter(|c| matches!(c.status, "matched" | "replaced")).map(|c| c.name.clone()).collect();
    let mut missing_secrets = coverage::missing_objects(ours.secrets, &scan.secrets_created, &scan.secrets_referenced, &app_refs, &chart_env, &covered);
    let mut missing_config_maps = coverage::missing_objects(ours.config_maps, &scan.config_maps_created, &scan.config_maps_referenced, &app_refs, &chart_env, &covered);
    let serving_list: Vec<usize> = serving.iter().copied().collect();
    let mut infrastructure = providers::check(ours.infrastructure, ours.unserved_services, &model.apps, &scan, &serving_list, cats);
    let decisions = a.decisions.as_ref().map(|d| accept::apply(d, &mut components, &mut queues, &mut infrastructure, &mut missing_secrets, &mut missing_config_maps, &mut env_unset));

    let chart_only: Vec<ChartWorkloadInfo> = scan
        .workloads
        .iter()
        .enumerate()
        .filter(|(i, _)| !serving.contains(i))
        .map(|(_, w)| ChartWorkloadInfo {
            name: w.name.clone(),
            kind: w.kind.clone(),
            category: w.category.clone(),
            image: w.image.clone(),
            role: w.role.describe(),
            queues: w.queues.clone(),
            template: w.template.clone(),
            serves: infrastructure.iter().find(|i| matches!(i.status, "bundled") && i.found.contains(&w.name)).map(|i| if i.provider == "dependency" || i.provider == "service" { format!("{}: {}", i.provider, i.detail) } else { i.provider.clone() }),
        })
        .collect();
    let matrix = comparison::matrix(cats, &components, &scan, &infrastructure);
    let count = |s: &str| components.iter().filter(|c| c.status == s).count();
    let totals = Totals { clowdapp: components.len(), chart: scan.workloads.len(), matched: count("matched"), replaced: count("replaced"), missing: count("missing"), accepted: count("accepted"), chart_only: chart_only.len() };
    let mut cmp = Comparison {
        chart: ChartSource {
            name,
            dir: a.chart_dir.as_ref().map(|d| paths::shown(&d.display().to_string())),
            release,
            values_files: a.values.iter().map(|v| paths::shown(&v.display().to_string())).collect(),
            set: a.set.iter().chain(&a.set_string).cloned().collect(),
            render: out.info,
        },
        reading: out.notes,
        totals,
        matrix,
        components,
        chart_only,
        queues,
        env_unset,
        missing_secrets,
        missing_config_maps,
        infrastructure,
        decisions,
        risks: Vec::new(),
    };
    cmp.risks = comparison::risks(&cmp);
    Ok(cmp)
}

/// Env of a workload's main container at defaults, as `scan` reads the chart's.
fn our_env(ev: &Eval, w: &crate::model::Workload) -> EnvMap {
    w.main()
        .env
        .iter()
        .filter(|e| rendered(ev, e))
        .map(|e| {
            let v = match &e.value {
                EnvValue::Value(v) => shown(ev, v),
                EnvValue::From(v) => from_text(ev, v),
            };
            (e.name.clone(), v)
        })
        .collect()
}

/// Secret and ConfigMap names the template's own env and volumes reference (not the ones the
/// provider mapping adds under clowd2helm's names).
fn app_references(ev: &Eval, model: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in &model.workloads {
        for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
            for e in c.env.iter().filter(|e| e.origin == crate::model::EnvOrigin::Template) {
                if let EnvValue::From(v) = &e.value {
                    for f in ["secretKeyRef", "configMapKeyRef"] {
                        if let Some(n) = v.get(f).and_then(|r| r.get("name")) {
                            out.insert(shown(ev, n));
                        }
                    }
                }
            }
        }
        for vol in &w.pod.volumes {
            for (src, field) in [("secret", "secretName"), ("configMap", "name")] {
                if let Some(n) = vol.get(src).and_then(|s| s.get(field)) {
                    out.insert(shown(ev, n));
                }
            }
            for p in vol.get("projected").and_then(|p| p.get("sources")).map(|s| s.items()).unwrap_or(&[]) {
                for src in ["secret", "configMap"] {
                    if let Some(n) = p.val.get(src).and_then(|s| s.get("name")) {
                        out.insert(shown(ev, n));
                    }
                }
            }
        }
    }
    out
}

fn probe(ev: &Eval, p: &Option<crate::model::Val>) -> Option<String> {
    let v: J = p.as_ref().and_then(|p| ev.val(p))?;
    Some(scan::probe_text(&v))
}

fn overrides(a: &Against, comps: &[Component], scan: &ChartScan, prefixes: &[String]) -> Result<BTreeMap<usize, usize>> {
    let mut out = BTreeMap::new();
    for (from, to) in &a.matches {
        let ci = comps.iter().position(|c| &c.name == from || &c.component == from || matching::normalize(from, prefixes) == matching::normalize(&c.name, prefixes));
        let Some(ci) = ci else {
            return Err(Error::Usage(format!("--match {from}={to}: the ClowdApp has no component `{from}` (components: {})", comps.iter().map(|c| c.component.clone()).collect::<Vec<_>>().join(", "))));
        };
        let wi = scan.workloads.iter().position(|w| &w.name == to || format!("{}/{}", w.kind, w.name) == *to);
        let Some(wi) = wi else {
            return Err(Error::Usage(format!("--match {from}={to}: the chart renders no workload `{to}` (workloads: {})", scan.workloads.iter().map(|w| w.name.clone()).collect::<Vec<_>>().join(", "))));
        };
        out.insert(ci, wi);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn component_match(c: &Component, p: &Pairing, scan: &ChartScan, env: &EnvMap, probes: &OurProbes, silent: &[String], tokens: &[String], vocab: &Vocabulary) -> ComponentMatch {
    let mut m = ComponentMatch {
        name: c.name.clone(),
        component: c.component.clone(),
        kind: c.kind.to_string(),
        category: c.category.clone(),
        status: "missing",
        matched_with: Vec::new(),
        matched_by: None,
        confidence: None,
        score: None,
        evidence: Vec::new(),
        replaced_reason: None,
        accepted_reason: None,
        closest: None,
        gated_templates: Vec::new(),
        replicas: c.replicas,
        queues: c.queues.clone(),
        differences: Vec::new(),
        env_only_in_clowdapp: Vec::new(),
        env_only_in_chart: Vec::new(),
        source: c.source.clone(),
    };
    match p {
        Pairing::Matched { workloads, best, by_override } => {
            let w = &scan.workloads[best.workload];
            m.matched_with = workloads.iter().map(|&i| scan.workloads[i].name.clone()).collect();
            m.matched_by = Some(if *by_override { "override" } else { "evidence" });
            m.confidence = Some(if *by_override { "high" } else { best.confidence() });
            m.score = Some(best.score);
            m.evidence = best.evidence.clone();
            let (ours, theirs) = (crate::report::categories::image_name(&c.image), crate::report::categories::image_name(&w.image));
            if !ours.is_empty() && !theirs.is_empty() && ours != theirs {
                m.status = "replaced";
                m.replaced_reason = Some(format!("`{ours}` is replaced by `{theirs}` in the same role ({})", w.role.describe()));
            } else {
                m.status = "matched";
            }
            m.differences = coverage::differences(c, probes, w);
            let names: BTreeSet<&String> = env.keys().collect();
            let chart: BTreeSet<&String> = w.env.keys().collect();
            m.env_only_in_clowdapp = names.difference(&chart).map(|s| s.to_string()).collect();
            m.env_only_in_chart = chart.difference(&names).map(|s| s.to_string()).collect();
        }
        Pairing::Unmatched { closest } => {
            m.closest = closest.as_ref().map(|a| Candidate { workload: scan.workloads[a.workload].name.clone(), score: a.score, evidence: a.evidence.clone(), rejected_because: a.rejection() });
            m.gated_templates = coverage::gated_for(tokens, silent, |t| vocab.is_role_word(t));
        }
    }
    m
}
