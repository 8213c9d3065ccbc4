//! Template parameters → `parameters.<NAME>` chart values, typed from their use and default.

use super::Ctx;
use crate::error::InputError;
use crate::model::{Model, Outcome, ParamType, ParamValue, Text, Val, Workload};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// Keys whose values Kubernetes expects as integers / booleans (used when a typed parameter has
/// no default to infer from).
const INT_KEYS: &[&str] = &["replicas", "minReplicas", "minReplicaCount", "maxReplicaCount", "version", "partitions", "port", "containerPort", "targetPort", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds", "parallelism", "completions", "activeDeadlineSeconds", "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "pollingInterval", "cooldownPeriod", "min", "max", "defaultMode", "scaleAtUtilization", "minAvailable", "maxUnavailable"];
const BOOL_KEYS: &[&str] = &["enabled", "optional", "readOnly", "suspend", "inMemoryDb", "featureFlags", "disabled", "sessionAffinity", "h2cEnabled", "tls"];

/// Keys whose values Kubernetes takes as a number or a string (quantities, int-or-string).
const NUMBER_OR_STRING_KEYS: &[&str] = &["cpu", "memory", "storage", "ephemeral-storage", "maxUnavailable", "maxSurge", "minAvailable", "targetPort"];

#[derive(Default)]
struct Usage {
    typed_keys: BTreeMap<String, Vec<String>>,
    generated: BTreeMap<String, (Text, String)>,
}

fn walk(val: &Val, key: &str, u: &mut Usage) {
    match val {
        Val::Typed(n) => u.typed_keys.entry(n.clone()).or_default().push(key.to_string()),
        Val::Generated(g) => {
            if let Some(p) = &g.param {
                u.generated.entry(p.clone()).or_insert((g.secret.clone(), g.key.clone()));
            }
        }
        Val::If(_, a, b) => {
            walk(a, key, u);
            walk(b, key, u);
        }
        Val::Seq(items) => items.iter().for_each(|i| walk(&i.val, key, u)),
        // Keys borrowed: the walk visits every map of the model, and few hold a typed value.
        Val::Map(entries) => entries.iter().for_each(|e| walk(&e.val, &e.key.literal_cow().unwrap_or_default(), u)),
        _ => {}
    }
}

fn walk_workload(w: &Workload, u: &mut Usage) {
    use crate::model::{Autoscaler, EnvValue, Replicas};
    match &w.replicas {
        Some(Replicas::Fixed(v)) | Some(Replicas::Autoscaled { fallback: v, .. }) => walk(v, "replicas", u),
        None => {}
    }
    match &w.autoscaler {
        Some(Autoscaler::Keda { spec, .. }) => walk(spec, "", u),
        Some(Autoscaler::Hpa { min, max, metrics }) => {
            walk(min, "min", u);
            walk(max, "max", u);
            metrics.iter().for_each(|m| walk(m, "", u));
        }
        None => {}
    }
    for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
        for e in &c.env {
            match &e.value {
                EnvValue::Value(v) => walk(v, "value", u),
                EnvValue::From(v) => walk(v, "valueFrom", u),
            }
        }
        for v in c.command.iter().chain(&c.args).chain(&c.liveness_probe).chain(&c.readiness_probe).chain(&c.lifecycle).chain(&c.volume_mounts) {
            walk(v, "", u);
        }
        for (k, v) in c.resources.limits.iter().chain(&c.resources.requests) {
            walk(v, k, u);
        }
    }
    for v in w.pod.volumes.iter().chain(&w.pod.termination_grace_period_seconds).chain(&w.pod.tolerations) {
        walk(v, "terminationGracePeriodSeconds", u);
    }
    if let Some(j) = &w.job {
        for (k, v) in [("parallelism", &j.parallelism), ("completions", &j.completions), ("activeDeadlineSeconds", &j.active_deadline_seconds)] {
            if let Some(v) = v {
                walk(v, k, u);
            }
        }
    }
    if let Some(c) = &w.cron {
        walk(&c.schedule, "schedule", u);
        walk(&c.concurrency_policy, "concurrencyPolicy", u);
        for (k, v) in [("suspend", &c.suspend), ("successfulJobsHistoryLimit", &c.successful_jobs_history_limit), ("failedJobsHistoryLimit", &c.failed_jobs_history_limit), ("startingDeadlineSeconds", &c.starting_deadline_seconds)] {
            if let Some(v) = v {
                walk(v, k, u);
            }
        }
    }
}

/// What `${{X}}` with this default becomes: OpenShift parses the value as JSON, and a value
/// that is not JSON (`abc`, `True`, `007`, empty) stays a string.
pub fn typed_default(default: &str) -> Option<J> {
    serde_json::from_str::<J>(default).ok()
}

/// The schema type of a JSON value.
fn json_type(v: &J) -> ParamType {
    match v {
        J::Number(n) if n.is_i64() || n.is_u64() => ParamType::Integer,
        J::Number(_) => ParamType::Number,
        J::Bool(_) => ParamType::Boolean,
        J::String(_) => ParamType::String,
        J::Array(_) => ParamType::Array,
        J::Object(_) => ParamType::Object,
        J::Null => ParamType::Any,
    }
}

pub fn map_parameters(ctx: &mut Ctx, model: &mut Model) -> Result<(), InputError> {
    let mut u = Usage::default();
    for w in &model.workloads {
        walk_workload(w, &mut u);
    }
    for o in &model.objects {
        walk(&o.body, "", &mut u);
    }
    for e in &model.extra {
        walk(&e.body, "", &mut u);
    }
    for p in &ctx.input.parameters {
        let keys = u.typed_keys.get(&p.name);
        let typed = keys.is_some() || ctx.input.typed_refs.contains(&p.name);
        let raw = p.value.clone().unwrap_or_default();
        // Built only for a finding: most parameters raise none.
        let target = || format!("values.yaml:parameters.{}", p.name);
        // Only a typed use makes the JSON value count; `${X}` always substitutes text.
        let (ty, default) = if !typed || p.generate_from.is_some() {
            (ParamType::String, Some(J::String(raw.clone())))
        } else if raw.is_empty() {
            // OpenShift substitutes "" (a string); where the key wants a number or a boolean
            // that is an invalid object, so the chart asks for a value instead.
            let ks = keys.map(|k| k.as_slice()).unwrap_or(&[]);
            let ty = if ks.iter().any(|k| INT_KEYS.contains(&k.as_str())) {
                ParamType::Integer
            } else if ks.iter().any(|k| BOOL_KEYS.contains(&k.as_str())) {
                ParamType::Boolean
            } else {
                ParamType::String
            };
            if ty == ParamType::String {
                (ty, Some(J::String(String::new())))
            } else {
                if !p.needs_value() {
                    ctx.find("parameter.typed-no-default", Outcome::NeedsInput, p.pos, target(), format!("`${{{{{}}}}}` has no default, so OpenShift would substitute an empty string where Kubernetes expects {} {}: the chart asks for a value instead", p.name, if ty == ParamType::Integer { "an" } else { "a" }, ty.as_str()), Some(&format!("set parameters.{} in your values file", p.name)));
                }
                (ty, None)
            }
        } else {
            match typed_default(&raw) {
                Some(j) => (json_type(&j), Some(j)),
                None => {
                    ctx.find("parameter.typed-string", Outcome::Translated, p.pos, target(), format!("`${{{{{}}}}}`'s default `{raw}` is not JSON, so OpenShift substitutes it as a string; so does the chart", p.name), None);
                    (ParamType::String, Some(J::String(raw.clone())))
                }
            }
        };
        // `cpu: ${{CPU_LIMIT}}` with default "1": "500m" is as good a value as 2.
        let ty = match ty {
            ParamType::Integer | ParamType::Number | ParamType::String if keys.is_some_and(|ks| ks.iter().any(|k| NUMBER_OR_STRING_KEYS.contains(&k.as_str()))) => ParamType::NumberOrString,
            ty => ty,
        };
        let generated_into = u.generated.get(&p.name).cloned();
        let generator = p.generate_from.as_deref().map(|from| super::objects::recipe(from).0);
        let default = if p.generate_from.is_some() {
            if generated_into.is_none() {
                ctx.find("parameter.generated-elsewhere", Outcome::NeedsInput, p.pos, target(), format!("parameter `{}` is generated by OpenShift but no Secret of the template holds it, so the chart cannot keep it: it generates one value per render (the same in every place it is used), a new one on every upgrade", p.name), Some(&format!("set parameters.{} to keep the value stable across upgrades", p.name)));
            }
            // Never write a secret literal: empty means "generate".
            Some(J::String(String::new()))
        } else if p.needs_value() {
            ctx.find("parameter.required", Outcome::NeedsInput, p.pos, target(), format!("parameter `{}` is required and has no default: rendering fails until it is set", p.name), Some(&format!("set parameters.{} in your values file", p.name)));
            None
        } else {
            default
        };
        let mut pinned: Vec<String> = Vec::new();
        for pin in ctx.pins.iter().filter(|x| x.param == p.name) {
            if pinned.contains(&pin.what) {
                continue;
            }
            pinned.push(pin.what.clone());
            if !pin.noted {
                let src = ctx.src(pin.pos);
                ctx.findings
                    .add("parameter.pinned", Outcome::Approximated, src, target(), format!("{} uses parameter `{}`, fixed at conversion to its default `{}`: the names and values keys that derive from it are computed now, so parameters.{} accepts only that value (values.schema.json); OpenShift substituted any value given", pin.what, p.name, pin.value, p.name))
                    .hint(format!("to deploy under another value, change the default of `{}` in the template and convert again", p.name));
            }
        }
        model.parameters.push(ParamValue { param: p.clone(), ty, typed, generated_into, generator, default, pinned });
    }
    if let Some(tag) = ["IMAGE_TAG", "APP_IMAGE_TAG"].iter().find_map(|n| ctx.input.parameter(n)) {
        model.app_version = tag.value.clone().filter(|v| !v.is_empty());
    }
    Ok(())
}
