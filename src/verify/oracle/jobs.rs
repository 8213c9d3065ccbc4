//! `jobs[]`: scheduled → CronJob `<app>-<job>` (§2.13); run by a ClowdJobInvocation → a Job,
//! which the chart names `<app>-<job>` (Clowder appends a random suffix) (§2.14).

use super::pod::{pod_spec, Flavor, PodInput};
use super::{get, items, kind, pairs, text, truthy, App, Expected, Setting};
use crate::verify::exp::Exp;
use serde_json::Value;

const PROBES_NOT_REQUIRED: &str = "probes not required on Job pods";

fn kube_linter() -> Vec<(String, String)> {
    ["ignore-check.kube-linter.io/no-liveness-probe", "ignore-check.kube-linter.io/no-readiness-probe"].iter().map(|k| (k.to_string(), PROBES_NOT_REQUIRED.to_string())).collect()
}

pub fn jobs(app: &App, cjis: &[&Value], s: &Setting) -> Vec<Expected> {
    let mut out = Vec::new();
    let raw_jobs = items(get(app.raw_spec, "jobs"));
    let all = items(get(app.spec, "jobs"));
    for (i, job) in all.iter().enumerate() {
        let raw = raw_jobs.get(i).and_then(|j| j.get("podSpec")).unwrap_or(&Value::Null);
        let job_name = text(job.get("name"));
        // An invocation runs the first job of its name (the CJI controller's lookup).
        let first_of_name = all.iter().position(|j| text(j.get("name")) == job_name) == Some(i);
        if truthy(get(job, "disabled")) {
            continue;
        }
        let full = format!("{}-{job_name}", app.name);
        if get(job, "schedule").is_some_and(|v| !text(Some(v)).is_empty()) {
            out.push(cron_job(app, job, raw, &full, s));
        }
        let invoker = cjis.iter().find(|c| {
            first_of_name
                && kind(c) == "ClowdJobInvocation"
                && text(get(c, "spec.appName")) == app.name
                && !truthy(get(c, "spec.disabled"))
                && items(get(c, "spec.jobs")).iter().any(|j| text(Some(j)) == job_name)
        });
        if let Some(cji) = invoker {
            out.push(invoked_job(app, job, raw, &full, cji, s));
        }
    }
    out
}

fn passthrough(job: &Value, key: &str) -> Exp {
    Exp::given(get(job, key))
}

fn cron_job(app: &App, job: &Value, raw_spec: &Value, full: &str, s: &Setting) -> Expected {
    let labels = app.pod_labels(full);
    let mut annotations = kube_linter();
    annotations.extend(app.annotations.iter().cloned());
    let spec = job.get("podSpec").unwrap_or(&Value::Null);
    let spec = with_restart(spec, job);
    let pod = pod_spec(&PodInput { app: &app.name, config: &app.config, raw_spec, name: full, spec: &spec, flavor: Flavor::CronJob, labels: &labels, service_account: format!("{}-app", app.name), s });
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(full.to_string())), ("labels", Exp::open_texts(&labels)), ("annotations", Exp::open_texts(&annotations))])),
        (
            "spec",
            Exp::closed(vec![
                ("schedule", Exp::exact(get(job, "schedule").unwrap_or(&Value::Null))),
                ("concurrencyPolicy", Exp::exact(get(job, "concurrencyPolicy").unwrap_or(&Value::from("Allow")))),
                ("suspend", default_or(job, "suspend", Value::Bool(false))),
                ("successfulJobsHistoryLimit", default_or(job, "successfulJobsHistoryLimit", Value::from(3))),
                ("failedJobsHistoryLimit", default_or(job, "failedJobsHistoryLimit", Value::from(1))),
                ("startingDeadlineSeconds", passthrough(job, "startingDeadlineSeconds")),
                (
                    "jobTemplate",
                    Exp::closed(vec![
                        ("metadata", Exp::open(vec![("labels", Exp::open_texts(&labels))])),
                        ("spec", job_spec(job, Exp::open_texts(&labels), Exp::open_texts(&kube_linter()), pod)),
                    ]),
                ),
            ]),
        ),
    ]);
    Expected { kind: "CronJob".into(), name: full.to_string(), body }
}

fn invoked_job(app: &App, job: &Value, raw_spec: &Value, full: &str, cji: &Value, s: &Setting) -> Expected {
    let mut labels = pairs(get(cji, "metadata.labels"));
    labels.retain(|(k, _)| k != "clowdjob" && k != "job");
    labels.push(("clowdjob".into(), text(get(cji, "metadata.name"))));
    labels.push(("job".into(), full.to_string()));
    let mut annotations = kube_linter();
    annotations.extend(app.annotations.iter().cloned());
    let mut pod_annotations = kube_linter();
    pod_annotations.extend(pairs(get(cji, "metadata.annotations")));
    let spec = job.get("podSpec").unwrap_or(&Value::Null);
    let spec = with_restart(spec, job);
    let mut pod = pod_spec(&PodInput { app: &app.name, config: &app.config, raw_spec, name: full, spec: &spec, flavor: Flavor::Job, labels: &labels, service_account: format!("{}-app", app.name), s });
    if s.ordered_install && get(app.spec, "database").is_some() {
        waits_for_database(&mut pod);
    }
    let body = Exp::open(vec![
        ("metadata", Exp::open(vec![("name", Exp::Text(full.to_string())), ("labels", Exp::open_texts(&labels)), ("annotations", Exp::open_texts(&annotations))])),
        ("spec", job_spec(job, Exp::open_texts(&labels), Exp::open_texts(&pod_annotations), pod)),
    ]);
    Expected { kind: "Job".into(), name: full.to_string(), body }
}

/// `batch/v1` JobSpec: passthrough counts and deadline, Kubernetes' backoffLimit.
fn job_spec(job: &Value, labels: Exp, annotations: Exp, pod: Exp) -> Exp {
    Exp::closed(vec![
        ("parallelism", passthrough(job, "parallelism")),
        ("completions", passthrough(job, "completions")),
        ("activeDeadlineSeconds", passthrough(job, "activeDeadlineSeconds")),
        ("backoffLimit", Exp::or_absent(Exp::int(6))),
        ("template", Exp::closed(vec![("metadata", Exp::open(vec![("labels", labels), ("annotations", annotations)])), ("spec", pod)])),
    ])
}

/// The job's value, or absent / Kubernetes' default when the template has none.
fn default_or(job: &Value, key: &str, default: Value) -> Exp {
    match get(job, key) {
        Some(v) => Exp::exact(v),
        None => Exp::or_absent(Exp::Is(default)),
    }
}

/// The job-level restartPolicy travels with the pod spec (default `Never`).
fn with_restart(spec: &Value, job: &Value) -> Value {
    let mut spec = spec.clone();
    if let Value::Object(m) = &mut spec {
        m.remove("restartPolicy");
        if let Some(r) = get(job, "restartPolicy") {
            m.insert("restartPolicy".into(), r.clone());
        }
    }
    spec
}

/// In an ordered install the chart puts an init container `wait-for-database` first in invoked
/// jobs: its own addition, present but not compared.
fn waits_for_database(pod: &mut Exp) {
    let Exp::Map { fields, .. } = pod else { return };
    match fields.iter_mut().find(|(k, _)| k == "initContainers") {
        Some((_, Exp::Keyed(k))) => k.items.insert(0, ("wait-for-database".into(), Exp::Any)),
        Some((_, other)) => *other = Exp::Keyed(crate::verify::exp::Keyed { key: "name", items: vec![("wait-for-database".into(), Exp::Any)], extras: crate::verify::exp::Extras::None }),
        None => {}
    }
}
