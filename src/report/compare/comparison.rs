//! The comparison section's data (serialized into `comparison` of the JSON as it is), its
//! per-category matrix and the risks its executive summary leads with.

use super::coverage::{self, Difference, EnvGap, MissingObject, QueueCoverage};
use super::decisions::{DecisionsInfo, UnusedDecision};
use super::matching::Evidence;
use super::providers::ProviderStatus;
use super::render::{ReadingNote, RenderInfo};
use super::scan::ChartScan;
use crate::model::SourceRef;
use crate::report::categories::Categories;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize)]
pub struct ChartSource {
    /// The chart folder as reports show paths (never absolute).
    pub dir: Option<String>,
    pub name: String,
    pub release: String,
    pub render: RenderInfo,
    pub set: Vec<String>,
    pub values_files: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub accepted: usize,
    pub chart: usize,
    pub chart_only: usize,
    pub clowdapp: usize,
    pub matched: usize,
    pub missing: usize,
    pub replaced: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub accepted: usize,
    pub category: String,
    pub chart: usize,
    pub chart_names: Vec<String>,
    pub clowdapp: usize,
    pub clowdapp_names: Vec<String>,
    pub matched: usize,
    pub missing: usize,
    pub replaced: usize,
    pub title: String,
}

/// The best workload an unmatched component was not paired with, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub evidence: Vec<Evidence>,
    pub rejected_because: String,
    pub score: i32,
    pub workload: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentMatch {
    pub accepted_reason: Option<String>,
    pub category: String,
    /// For an unmatched component: the nearest workload and why it is not a match.
    pub closest: Option<Candidate>,
    /// As written in the ClowdApp.
    pub component: String,
    /// `high`, `medium` or `low`, from the evidence score.
    pub confidence: Option<&'static str>,
    pub differences: Vec<Difference>,
    pub env_only_in_chart: Vec<String>,
    pub env_only_in_clowdapp: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Templates of the chart that would render it but are switched off with these values.
    pub gated_templates: Vec<String>,
    pub kind: String,
    /// `evidence` or `override` (`--match`).
    pub matched_by: Option<&'static str>,
    /// Chart workloads that serve it (several when they share its queues).
    pub matched_with: Vec<String>,
    /// Object name at the chart's defaults.
    pub name: String,
    pub queues: Vec<String>,
    pub replaced_reason: Option<String>,
    pub replicas: Option<i64>,
    pub score: Option<i32>,
    pub source: SourceRef,
    /// `matched`, `replaced` (the same role served by different software), `missing`, `accepted`.
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartWorkloadInfo {
    pub category: String,
    pub image: String,
    pub kind: String,
    pub name: String,
    pub queues: Vec<String>,
    pub role: String,
    /// The ClowdApp need it provides (`database`, `dependency: rbac`), if any.
    pub serves: Option<String>,
    pub template: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub chart: ChartSource,
    pub chart_only: Vec<ChartWorkloadInfo>,
    pub components: Vec<ComponentMatch>,
    pub decisions: Option<DecisionsInfo>,
    pub env_unset: Vec<EnvGap>,
    pub infrastructure: Vec<ProviderStatus>,
    pub matrix: Vec<MatrixRow>,
    pub missing_config_maps: Vec<MissingObject>,
    pub missing_secrets: Vec<MissingObject>,
    pub queues: Vec<QueueCoverage>,
    /// What the tolerant reading of the rendered chart accepted or skipped.
    pub reading: Vec<ReadingNote>,
    /// The few gaps most likely to break the app, most severe first.
    pub risks: Vec<String>,
    pub totals: Totals,
}

pub fn matrix(cats: &Categories, components: &[ComponentMatch], scan: &ChartScan, infra: &[ProviderStatus]) -> Vec<MatrixRow> {
    let mut out = Vec::new();
    for cat in coverage::category_order(cats) {
        let ours: Vec<&ComponentMatch> = components.iter().filter(|c| c.category == cat).collect();
        let theirs: Vec<String> = scan.workloads.iter().filter(|w| w.category == cat).map(|w| w.name.clone()).collect();
        let needs: Vec<&ProviderStatus> = infra.iter().filter(|i| i.category == cat).collect();
        if ours.is_empty() && theirs.is_empty() && needs.is_empty() {
            continue;
        }
        let mut clowdapp_names: Vec<String> = ours.iter().map(|c| c.name.clone()).collect();
        clowdapp_names.extend(needs.iter().map(|n| n.detail.clone()));
        let count = |s: &str| ours.iter().filter(|c| c.status == s).count();
        let present = needs.iter().filter(|n| matches!(n.status, "bundled" | "external")).count();
        out.push(MatrixRow {
            title: cats.component_title(&cat),
            category: cat.clone(),
            clowdapp: ours.len() + needs.len(),
            chart: theirs.len(),
            matched: count("matched") + present,
            replaced: count("replaced"),
            missing: count("missing") + needs.iter().filter(|n| n.status == "missing").count(),
            accepted: count("accepted") + needs.iter().filter(|n| n.status == "accepted").count(),
            clowdapp_names,
            chart_names: theirs,
        });
    }
    out
}

/// The gaps most likely to break the app at run time, most severe first (at most six).
pub fn risks(c: &Comparison) -> Vec<String> {
    let mut out = Vec::new();
    // First, because it makes everything below incomplete.
    let skipped = c.reading.iter().filter(|n| n.kind == "skipped-document").count();
    if skipped > 0 {
        out.push(format!("{skipped} rendered document(s) of the chart could not be read; whatever they hold is not compared (see \"Reading the chart\")."));
    }
    let routed: Vec<&QueueCoverage> = c.queues.iter().filter(|q| q.status == "unconsumed" && !q.listed_by.is_empty()).collect();
    if !routed.is_empty() {
        out.push(format!(
            "Tasks sent to {} wait forever: {} routes work there (lists the queue in its env) and no chart workload consumes it.",
            routed.iter().map(|q| format!("`{}`", q.name)).collect::<Vec<_>>().join(", "),
            routed.iter().flat_map(|q| q.listed_by.iter()).collect::<BTreeSet<_>>().into_iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    for p in c.infrastructure.iter().filter(|p| p.status == "missing" && p.provider != "service") {
        out.push(format!("No {} ({}) in the chart: {}.", p.provider, p.detail, p.evidence.first().cloned().unwrap_or_default()));
    }
    let public: Vec<&ComponentMatch> = c.components.iter().filter(|x| x.status == "missing" && x.category == "api" && x.replicas.unwrap_or(0) > 0).collect();
    if !public.is_empty() {
        out.push(format!("API components without a chart workload: {}.", public.iter().map(|x| format!("`{}`", x.name)).collect::<Vec<_>>().join(", ")));
    }
    let required: Vec<&MissingObject> = c.missing_secrets.iter().chain(&c.missing_config_maps).filter(|m| m.status == "missing" && !m.optional && !m.needed_by_covered.is_empty()).collect();
    if !required.is_empty() {
        out.push(format!(
            "Not optional for components the chart does serve, and neither created nor referenced by it: {}.",
            required.iter().map(|m| format!("{} `{}` (used by {})", m.kind, m.name, if m.needed_by_covered.len() > 3 { format!("{} of them", m.needed_by_covered.len()) } else { m.needed_by_covered.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ") })).collect::<Vec<_>>().join("; ")
        ));
    }
    let low: Vec<&ComponentMatch> = c.components.iter().filter(|x| x.confidence == Some("low")).collect();
    if !low.is_empty() {
        out.push(format!("Low-confidence pairings to check by hand: {}.", low.iter().map(|x| format!("`{}` → `{}`", x.name, x.matched_with.join("`, `"))).collect::<Vec<_>>().join(", ")));
    }
    out.truncate(6);
    out
}

impl Comparison {
    /// Decisions that covered nothing, for a warning on stderr.
    pub fn unused_decisions(&self) -> &[UnusedDecision] {
        self.decisions.as_ref().map(|d| d.unused.as_slice()).unwrap_or(&[])
    }
}
