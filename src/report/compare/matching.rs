//! Pairing ClowdApp components with chart workloads by role, on evidence.
//!
//! Each pair is scored from evidence of two sorts. *Kind* evidence says the two do the same
//! sort of thing (same image, same role, both serve HTTP). *Identity* evidence says they are the
//! same component (they consume the same queues, run the same entry point, are the only one of
//! their role on either side, their names or labels agree, they set the same distinctive env
//! value). A pair is a match when nothing contradicts it (a different role, disjoint queues, a
//! different kind of workload), at least one piece of identity evidence holds, and the score
//! reaches [`THRESHOLD`]. Several components may match one workload (two APIs served by one
//! Deployment); a component whose queues several workloads share matches all of them.

use super::roles::{Role, Vocabulary};
use super::scan::{ChartWorkload, EnvMap};
use crate::report::categories::image_name;
use crate::report::facts::secret_like;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Lowest score of a match.
pub const THRESHOLD: i32 = 5;

/// One piece of evidence for (positive weight) or against (negative) a pairing.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub detail: String,
    /// `image`, `role`, `entry-point`, `unique-role`, `queues`, `name`, `label`, `env`, `http`,
    /// `hook`, `kind`, `override`.
    pub kind: &'static str,
    pub weight: i32,
}

/// A ClowdApp component as the matching sees it.
pub struct Component<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// Report category (`worker`, `listener`): breaks ties between equally close candidates.
    pub category: &'a str,
    pub image: &'a str,
    pub role: Role,
    pub queues: &'a [String],
    pub consumes: bool,
    pub web: bool,
    pub hook: Option<&'a str>,
    pub env: EnvMap,
    /// Name tokens once common prefixes (app, release, chart, `clowder`) are removed.
    pub tokens: Vec<String>,
}

/// How one component relates to one workload.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub workload: usize,
    pub score: i32,
    pub evidence: Vec<Evidence>,
    pub identity: bool,
    /// Why the two cannot be the same component.
    pub veto: Option<String>,
    /// One runs to completion, the other keeps running: not even a candidate.
    pub other_kind: bool,
}

impl Assessment {
    pub fn accepted(&self) -> bool {
        self.veto.is_none() && self.identity && self.score >= THRESHOLD
    }
    /// Why it is not a match (for the closest candidate of an unmatched component).
    pub fn rejection(&self) -> String {
        if let Some(v) = &self.veto {
            return v.clone();
        }
        if !self.identity {
            return "nothing says it is the same component: only kind evidence (image, role, HTTP), no shared queue, entry point, name, label or distinctive env value".into();
        }
        format!("too little evidence (score {}, a match needs {THRESHOLD})", self.score)
    }
    pub fn confidence(&self) -> &'static str {
        match self.score {
            s if s >= 10 => "high",
            s if s >= 7 => "medium",
            _ => "low",
        }
    }
}

/// What the matching knows about both sides as a whole.
pub struct Context<'a> {
    pub vocab: &'a Vocabulary,
    /// Components and workloads per vocabulary role.
    role_counts: (BTreeMap<String, usize>, BTreeMap<String, usize>),
    /// Per component: env `NAME=value` pairs few other components set.
    distinctive: Vec<BTreeSet<(String, String)>>,
    pub chart_tokens: Vec<Vec<String>>,
    prefixes: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(vocab: &'a Vocabulary, comps: &[Component], workloads: &[ChartWorkload], prefixes: &[String]) -> Context<'a> {
        let mut ours = BTreeMap::new();
        for c in comps {
            if let Role::Known { id, .. } = &c.role {
                *ours.entry(id.clone()).or_insert(0) += 1;
            }
        }
        let mut theirs = BTreeMap::new();
        for w in workloads {
            if let Role::Known { id, .. } = &w.role {
                *theirs.entry(id.clone()).or_insert(0) += 1;
            }
        }
        // A value few components set (and few chart workloads) tells them apart: at most two,
        // or a tenth of a large app. Numbers are tuning (`GUNICORN_WORKERS=3`), not identity.
        let rare = |env: &mut dyn Iterator<Item = (&String, &String)>, n: usize| -> BTreeSet<(String, String)> {
            let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
            for (k, v) in env {
                *counts.entry((k.clone(), v.to_ascii_lowercase())).or_insert(0) += 1;
            }
            let limit = (n / 10).max(2);
            counts.into_iter().filter(|(kv, c)| *c <= limit && !secret_like(&kv.0) && !kv.1.is_empty() && !kv.1.starts_with(|c: char| c.is_ascii_digit()) && !kv.1.starts_with("secret ") && !kv.1.starts_with("configmap ")).map(|(kv, _)| kv).collect()
        };
        let ours_rare = rare(&mut comps.iter().flat_map(|c| c.env.iter()), comps.len());
        let theirs_rare = rare(&mut workloads.iter().flat_map(|w| w.env.iter()), workloads.len());
        let distinctive = comps.iter().map(|c| c.env.iter().map(|(k, v)| (k.clone(), v.to_ascii_lowercase())).filter(|kv| ours_rare.contains(kv) && theirs_rare.contains(kv)).collect()).collect();
        let chart_tokens = workloads.iter().map(|w| tokens(&w.name, prefixes)).collect();
        Context { vocab, role_counts: (ours, theirs), distinctive, chart_tokens, prefixes: prefixes.to_vec() }
    }
}

/// Name tokens without the common prefixes, numbers and template leftovers.
pub fn tokens(name: &str, prefixes: &[String]) -> Vec<String> {
    let n = normalize(name, prefixes);
    let mut out: Vec<String> = n.split(['-', '_', '.']).filter(|t| !t.is_empty() && !t.chars().all(|c| c.is_ascii_digit()) && !t.contains('$')).map(str::to_string).collect();
    out.dedup();
    out
}

/// Lowercase name without any leading `<prefix>-` from the list (applied repeatedly).
pub fn normalize(name: &str, prefixes: &[String]) -> String {
    let mut n = name.to_ascii_lowercase();
    loop {
        let before = n.clone();
        for p in prefixes.iter().filter(|p| !p.is_empty()) {
            if let Some(r) = n.strip_prefix(&format!("{p}-")).filter(|r| !r.is_empty()) {
                n = r.to_string();
            }
        }
        if n == before {
            return n;
        }
    }
}

enum Agreement {
    Exact,
    /// One name's words are all in the other; the shorter one's, listed.
    Contained(String),
    /// Some words in common (role words aside), listed.
    Shared(String),
    None,
}

/// How two names (as token sets) agree. Role words (`worker`, `listener`) say what something is,
/// not which one, so a name made of them only agrees when it is the whole name on both sides.
fn agreement(vocab: &Vocabulary, a: &BTreeSet<&String>, b: &BTreeSet<&String>) -> Agreement {
    if a.is_empty() || b.is_empty() {
        return Agreement::None;
    }
    if a == b {
        return Agreement::Exact;
    }
    let (small, large) = if a.len() < b.len() { (a, b) } else { (b, a) };
    if small.is_subset(large) && small.iter().any(|t| !vocab.is_role_word(t)) {
        return Agreement::Contained(small.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "));
    }
    let shared: Vec<String> = a.intersection(b).filter(|t| !vocab.is_role_word(t)).map(|t| format!("`{t}`")).collect();
    if shared.is_empty() { Agreement::None } else { Agreement::Shared(shared.join(", ")) }
}

/// `a Celery worker`, `an HTTP server`.
fn article(what: &str) -> String {
    let vowel = what.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) || what.starts_with("HTTP");
    format!("{} {what}", if vowel { "an" } else { "a" })
}

fn kind_class(kind: &str) -> &'static str {
    match kind {
        "Job" | "Pod" => "run-once",
        "CronJob" => "scheduled",
        _ => "long-running",
    }
}

fn codes(v: &[String]) -> String {
    v.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", ")
}

/// Score component `c` against workload `w` (index `wi`).
pub fn assess(ctx: &Context, ci: usize, c: &Component, wi: usize, w: &ChartWorkload) -> Assessment {
    let mut ev: Vec<Evidence> = Vec::new();
    let mut veto: Option<String> = None;
    let mut identity = false;
    let mut add = |kind: &'static str, detail: String, weight: i32| ev.push(Evidence { kind, detail, weight });

    let other_kind = kind_class(c.kind) != kind_class(&w.kind);
    if other_kind {
        veto = Some(format!("a {} is not a {} (one runs to completion, the other keeps running or runs on a schedule)", c.kind, w.kind));
    }
    // Queues: the strongest sign, and a hard "no" when both consume different ones.
    if c.consumes && !c.queues.is_empty() && w.consumes && !w.queues.is_empty() {
        let shared: Vec<String> = c.queues.iter().filter(|q| w.queues.contains(q)).cloned().collect();
        if shared.is_empty() {
            veto.get_or_insert(format!("it consumes {}, not {}", codes(&w.queues), codes(c.queues)));
        } else {
            identity = true;
            add("queues", format!("both consume {}", codes(&shared)), 5);
        }
    }
    // Roles.
    match (&c.role, &w.role) {
        (Role::EntryPoint(a), Role::EntryPoint(b)) if a == b => {
            identity = true;
            add("entry-point", format!("same entry point `{a}`"), 3);
        }
        (Role::EntryPoint(a), Role::EntryPoint(b)) => {
            veto.get_or_insert(format!("it runs `{b}`, not `{a}`"));
        }
        (a, b) => match (a.family(), b.family()) {
            (Some(x), Some(y)) if x == y => {
                let both_known = matches!((a, b), (Role::Known { .. }, Role::Known { .. }));
                add("role", format!("both are {}", article(&if both_known { a.describe() } else { "web server".into() })), if both_known { 3 } else { 1 });
                if both_known && ctx.role_counts.0.get(x) == Some(&1) && ctx.role_counts.1.get(y) == Some(&1) {
                    identity = true;
                    add("unique-role", format!("the only {} on either side", a.describe()), 3);
                }
            }
            (Some(_), Some(_)) => {
                veto.get_or_insert(format!("it is {}, not {}", article(&b.describe()), article(&a.describe())));
            }
            _ => {}
        },
    }
    // Image. Different software can take over a role (nginx → Envoy), but only a role both
    // sides are known to play: otherwise different images mean different components.
    let (ci_name, wi_name) = (image_name(c.image), image_name(&w.image));
    if !ci_name.is_empty() && !wi_name.is_empty() {
        if ci_name == wi_name {
            add("image", format!("same image `{ci_name}`"), 3);
        } else {
            add("image", format!("different images `{ci_name}` and `{wi_name}`"), -1);
            let same_role = matches!((&c.role, &w.role), (Role::Known { id: x, .. }, Role::Known { id: y, .. }) if x == y);
            if !same_role {
                veto.get_or_insert(format!("it runs other software (`{wi_name}`, not `{ci_name}`) and nothing shows it plays the same role"));
            }
        }
    }
    // Names, then labels that name the component.
    let a: BTreeSet<&String> = c.tokens.iter().collect();
    match agreement(ctx.vocab, &a, &ctx.chart_tokens[wi].iter().collect()) {
        Agreement::Exact => {
            identity = true;
            add("name", format!("names agree (`{}`)", c.tokens.join("-")), 4);
        }
        Agreement::Contained(inner) => {
            identity = true;
            add("name", format!("both names hold the words {inner}"), 3);
        }
        Agreement::Shared(words) => {
            identity = true;
            add("name", format!("both names contain {words}"), 1);
        }
        Agreement::None => {}
    }
    for (k, v) in &w.labels {
        if !matches!(k.as_str(), "app.kubernetes.io/component" | "component" | "app.kubernetes.io/name" | "app" | "role" | "name") {
            continue;
        }
        // A label that repeats the workload's name adds nothing to the name's evidence.
        let lt = tokens(v, &ctx.prefixes);
        if lt.iter().all(|t| ctx.chart_tokens[wi].contains(t)) {
            continue;
        }
        if matches!(agreement(ctx.vocab, &a, &lt.iter().collect()), Agreement::Exact | Agreement::Contained(_)) {
            identity = true;
            add("label", format!("label `{k}: {v}`"), 2);
            break;
        }
    }
    // Distinctive env values.
    let mut env_hits = 0;
    for (k, v) in &ctx.distinctive[ci] {
        if env_hits < 2 && w.env.get(k).is_some_and(|x| x.to_ascii_lowercase() == *v) {
            env_hits += 1;
            identity = true;
            add("env", format!("both set `{k}={v}`"), 2);
        }
    }
    if c.web && (w.ports || !w.services.is_empty()) {
        let via = w.services.first().map(|s| format!(" (Service `{s}`)")).unwrap_or_default();
        add("http", format!("both serve HTTP{via}"), 1);
    }
    if let (Some(x), Some(y)) = (c.hook, w.hook.as_deref())
        && x == y
    {
        add("hook", format!("both run as Helm hook `{x}`"), 1);
    }
    let score = ev.iter().map(|e| e.weight).sum();
    Assessment { workload: wi, score, evidence: ev, identity, veto, other_kind }
}

/// The result for one component.
#[derive(Debug, Clone)]
pub enum Pairing {
    Matched { workloads: Vec<usize>, best: Assessment, by_override: bool },
    Unmatched { closest: Option<Assessment> },
}

/// Pair every component. `overrides`: component index → workload index (`--match`).
pub fn pair(ctx: &Context, comps: &[Component], workloads: &[ChartWorkload], overrides: &BTreeMap<usize, usize>) -> Vec<Pairing> {
    comps
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let all: Vec<Assessment> = workloads.iter().enumerate().map(|(wi, w)| assess(ctx, ci, c, wi, w)).collect();
            if let Some(&wi) = overrides.get(&ci) {
                let mut best = all[wi].clone();
                best.evidence.insert(0, Evidence { kind: "override", detail: "paired by --match".into(), weight: 0 });
                return Pairing::Matched { workloads: vec![wi], best, by_override: true };
            }
            // Highest score first; the chart's order breaks ties.
            let best = all.iter().filter(|a| a.accepted()).max_by_key(|a| (a.score, std::cmp::Reverse(a.workload)));
            match best {
                Some(b) => {
                    let mut ws = vec![b.workload];
                    // Other workloads that consume some of its queues share its work.
                    ws.extend(all.iter().filter(|a| a.workload != b.workload && a.accepted() && a.evidence.iter().any(|e| e.kind == "queues")).map(|a| a.workload));
                    Pairing::Matched { workloads: ws, best: b.clone(), by_override: false }
                }
                // The nearest candidate of the same kind of workload, contradicted or not: "the
                // priority worker, but it consumes another queue" is what a reader wants.
                None => Pairing::Unmatched { closest: all.into_iter().filter(|a| a.score > 0 && !a.other_kind).max_by_key(|a| (a.score, workloads[a.workload].category == c.category, std::cmp::Reverse(a.workload))) },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_prefixes() {
        let p = vec!["koku".to_string(), "clowder".to_string(), "cost-onprem".to_string()];
        assert_eq!(normalize("koku-clowder-worker-download", &p), "worker-download");
        assert_eq!(normalize("cost-onprem-koku-api", &p), "api");
        assert_eq!(normalize("koku", &p), "koku");
        assert_eq!(tokens("koku-db-migrate-cji-${X}-00", &p), ["db", "migrate", "cji"]);
    }
}
