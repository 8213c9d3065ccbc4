//! Ordered install (`install.ordered`, docs/standalone.md). Clowder ran invoked jobs after the app
//! was ready; a chart installed into an empty namespace needs the opposite for migrations: they
//! must finish before any app pod starts. With `install.ordered` the invoked jobs become
//! pre-install/pre-upgrade hooks, and everything they need becomes an earlier hook:
//!
//! | weight | objects |
//! |---|---|
//! | -30 | ServiceAccounts, Secrets, ConfigMaps, volume claims the jobs or the bundled services read |
//! | -20 | bundled services (database, cache, Kafka, object store) and their Services |
//! | -10 | the bundled services' set-up jobs (database init, buckets, topics) |
//! | 0 | the app's invoked jobs (migrations) |
//!
//! At defaults nothing changes (Clowder's order). `verify` proves the result: every reference
//! of a hook exists at its weight.

use super::externals::alternatives;
use super::Ctx;
use crate::model::{Cond, Entry, Model, Outcome, Text, Val, ValuesBlock, ValuesNode, WorkloadKind, ORDERED, ORDERED_EVENTS};

/// Weight of an object that hooks need, by kind.
fn weight(kind: &str) -> i64 {
    match kind {
        "ServiceAccount" | "Secret" | "ConfigMap" | "PersistentVolumeClaim" => -30,
        "Job" => -10,
        _ => -20,
    }
}

/// Names (as the model spells them) of what a pod references: its account, Secrets, ConfigMaps,
/// volume claims.
fn referenced(w: &crate::model::Workload) -> Vec<(&'static str, Text)> {
    let mut out = vec![("ServiceAccount", w.pod.service_account.clone())];
    let mut add = |kind: &'static str, v: Option<&Val>| {
        if let Some(v) = v {
            let mut alts = Vec::new();
            alternatives(v, None, &mut alts);
            out.extend(alts.into_iter().map(|(_, t)| (kind, t)));
        }
    };
    for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
        for e in &c.env {
            if let crate::model::workload::EnvValue::From(from) = &e.value {
                add("Secret", from.get("secretKeyRef").and_then(|r| r.get("name")));
                add("ConfigMap", from.get("configMapKeyRef").and_then(|r| r.get("name")));
            }
        }
    }
    for v in &w.pod.volumes {
        add("Secret", v.get("secret").and_then(|s| s.get("secretName")));
        add("ConfigMap", v.get("configMap").and_then(|s| s.get("name")));
        add("PersistentVolumeClaim", v.get("persistentVolumeClaim").and_then(|s| s.get("claimName")));
    }
    out
}

/// The hook annotations an object gets in an ordered install (absent otherwise).
fn hook_annotations(body: &mut Val, kind: &str) {
    let Some(Val::Map(metadata)) = body.get_mut("metadata") else { return };
    let on = Some(Cond::value(ORDERED));
    let hook = [("helm.sh/hook", ORDERED_EVENTS.to_string()), ("helm.sh/hook-weight", weight(kind).to_string()), ("helm.sh/hook-delete-policy", "before-hook-creation".to_string())];
    let own = metadata.iter().find(|e| e.key.is_literal("annotations"));
    // Set-up jobs choose their hook themselves.
    if own.is_some_and(|a| a.val.get("helm.sh/hook").is_some()) {
        return;
    }
    match metadata.iter_mut().find(|e| e.key.is_literal("annotations")) {
        Some(Entry { val: Val::Map(annotations), .. }) => annotations.extend(hook.into_iter().map(|(k, v)| Entry { key: Text::lit(k), val: Val::str(v), when: on.clone() })),
        Some(_) => {}
        // No annotations of its own: the whole map exists only in an ordered install.
        None => metadata.push(Entry { key: Text::lit("annotations"), val: Val::Map(hook.into_iter().map(|(k, v)| Entry { key: Text::lit(k), val: Val::str(v), when: None }).collect()), when: on }),
    }
}

fn kind_of(body: &Val) -> String {
    body.get("kind").and_then(Val::as_literal_str).unwrap_or_default()
}

fn name_of(body: &Val) -> Option<Text> {
    match body.get("metadata").and_then(|m| m.get("name")) {
        Some(Val::Str(t)) => Some(t.clone()),
        _ => None,
    }
}

pub fn apply(ctx: &mut Ctx, model: &mut Model) {
    let hooks: Vec<&crate::model::Workload> = model.workloads.iter().filter(|w| w.kind == WorkloadKind::HookJob).collect();
    if hooks.is_empty() && !model.extra.iter().any(|x| x.infra) {
        return;
    }
    let needed: Vec<(&'static str, Text)> = hooks.iter().flat_map(|w| referenced(w)).collect();
    let needs = |kind: &str, name: &Option<Text>| name.as_ref().is_some_and(|n| needed.iter().any(|(k, t)| *k == kind && t == n));
    let mut promoted = Vec::new();
    for x in model.extra.iter_mut() {
        let kind = kind_of(&x.body);
        if x.infra || needs(&kind, &name_of(&x.body)) {
            hook_annotations(&mut x.body, &kind);
            promoted.push(format!("{kind}/{}", name_of(&x.body).map(|n| n.display()).unwrap_or_default()));
        }
    }
    for o in model.objects.iter_mut() {
        if needs(&o.kind, &Some(o.name.clone())) {
            hook_annotations(&mut o.body, &o.kind);
            promoted.push(format!("{}/{}", o.kind, o.name.display()));
        }
    }
    model.values.push(ValuesBlock {
        key: "install".into(),
        comment: "How Helm orders the install.".into(),
        value: ValuesNode::map(vec![(
            "ordered",
            "false: Clowder's order (invoked jobs run after the app, as post-install hooks). true: invoked jobs (migrations) run before any app pod, as pre-install/pre-upgrade hooks, and what they need (accounts, Secrets, ConfigMaps, bundled services) is created before them as earlier hooks; see docs/standalone.md.",
            ValuesNode::leaf(false),
        )]),
    });
    let Some(source) = model.workloads.iter().find(|w| w.kind == WorkloadKind::HookJob).or(model.workloads.first()).map(|w| w.source.clone()) else { return };
    let f = ctx.findings.add(
        "install.ordered",
        Outcome::Translated,
        source,
        "values.yaml:install.ordered",
        format!(
            "install.ordered=true runs {} invoked job(s) as pre-install hooks after {} object(s) they need ({}); off by default, as Clowder ran jobs after the app",
            hooks.len(),
            promoted.len(),
            if promoted.len() > 6 { format!("{} …", promoted[..6].join(", ")) } else { promoted.join(", ") }
        ),
    );
    f.hint("hook objects are not deleted by `helm uninstall`, and are re-created on every upgrade; choose the mode when installing");
}
