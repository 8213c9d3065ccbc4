//! Workloads → the Kubernetes objects they consist of (still chart-neutral: no Helm syntax).

use super::value::{Cond, Entry, Item, Text, Val};
use super::workload::*;

/// The values block of the identity gateway; the chart writes the gateway's Envoy
/// configuration when the model has it.
pub const GATEWAY: &str = "gateway";

/// Name of the identity gateway's objects.
pub fn gateway_name(chart: &str) -> String {
    format!("{chart}-gateway")
}

/// Labels that select the identity gateway's pods.
pub fn gateway_selector(chart: &str) -> Vec<(String, Val)> {
    vec![("app.kubernetes.io/name".into(), Val::str(gateway_name(chart))), ("app.kubernetes.io/component".into(), Val::str("identity-gateway"))]
}

/// A label (or selector) map in the given order.
/// A key written twice keeps its first place and takes the later value, as Clowder's Go maps do
/// (`labels["service"] = "db"` on top of a ClowdApp label `service`): a rendered map never
/// holds a key twice.
pub fn label_map(pairs: &[(String, Val)]) -> Val {
    let mut entries: Vec<Entry> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match entries.iter_mut().find(|e| e.key.is_literal(k)) {
            Some(e) => e.val = v.clone(),
            None => entries.push(Entry { key: Text::lit(k), val: v.clone(), when: None }),
        }
    }
    Val::Map(entries)
}

fn text_map(pairs: &[(Text, Val)]) -> Val {
    Val::Map(pairs.iter().map(|(k, v)| Entry { key: k.clone(), val: v.clone(), when: None }).collect())
}

fn metadata(name: &Text, labels: &[(String, Val)], annotations: &[(Text, Val)]) -> Val {
    Val::map()
        .with("name", Val::Str(name.clone()))
        .non_empty("labels", label_map(labels))
        .non_empty("annotations", text_map(annotations))
        .build()
}

fn env_list(env: &[EnvVar]) -> Val {
    Val::Seq(
        env.iter()
            .map(|e| {
                let v = Val::map().with("name", Val::str(&e.name));
                let v = match &e.value {
                    EnvValue::Value(val) => v.with("value", val.clone()),
                    EnvValue::From(val) => v.with("valueFrom", val.clone()),
                };
                Item { val: v.build(), when: e.when.clone() }
            })
            .collect(),
    )
}

fn resources(r: &Resources) -> Val {
    Val::map().non_empty("limits", label_map(&r.limits)).non_empty("requests", label_map(&r.requests)).build()
}

fn with_conditional(always: &[Val], conditional: &[Item]) -> Val {
    Val::Seq(always.iter().map(|v| Item { val: v.clone(), when: None }).chain(conditional.iter().cloned()).collect())
}

pub fn container(c: &Container) -> Val {
    let ports = Val::seq(c.ports.iter().map(|p| Val::map().with("name", Val::str(&p.name)).with("containerPort", p.port.clone()).with("protocol", Val::str("TCP")).build()));
    Val::map()
        .with("name", Val::Str(c.name.clone()))
        .with("image", c.image.clone())
        .opt("command", c.command.clone())
        .opt("args", c.args.clone())
        .non_empty("env", env_list(&c.env))
        .non_empty("ports", ports)
        .with("resources", resources(&c.resources))
        .opt("livenessProbe", c.liveness_probe.clone())
        .opt("readinessProbe", c.readiness_probe.clone())
        .non_empty("volumeMounts", with_conditional(&c.volume_mounts, &c.conditional_mounts))
        .opt("lifecycle", c.lifecycle.clone())
        .with("imagePullPolicy", Val::str(c.image_pull_policy))
        .opt("restartPolicy", c.restart_policy.map(Val::str))
        .build()
}

/// Clowder's preferred anti-affinity: spread over zones, then hosts.
fn anti_affinity(labels: &[(String, Val)]) -> Val {
    let term = |weight: i64, key: &str| {
        Val::map()
            .with("weight", Val::Int(weight))
            .with(
                "podAffinityTerm",
                Val::map().with("labelSelector", Val::map().with("matchLabels", label_map(labels)).build()).with("topologyKey", Val::str(key)).build(),
            )
            .build()
    };
    Val::map()
        .with("podAntiAffinity", Val::map().with("preferredDuringSchedulingIgnoredDuringExecution", Val::seq([term(100, "failure-domain.beta.kubernetes.io/zone"), term(99, "kubernetes.io/hostname")])).build())
        .build()
}

pub fn pod_template(p: &Pod) -> Val {
    let spec = Val::map()
        .opt("restartPolicy", p.restart_policy.clone())
        .with("serviceAccountName", Val::Str(p.service_account.clone()))
        .opt("terminationGracePeriodSeconds", p.termination_grace_period_seconds.clone())
        .non_empty("tolerations", Val::seq(p.tolerations.clone()))
        .opt("affinity", p.anti_affinity.then(|| anti_affinity(&p.labels)))
        .non_empty("initContainers", Val::Seq(p.init_containers.iter().map(|c| Item { val: container(c), when: c.when.clone() }).collect()))
        .with("containers", Val::seq(p.containers.iter().map(container)))
        .non_empty("volumes", with_conditional(&p.volumes, &p.conditional_volumes))
        .build();
    Val::map()
        .with("metadata", Val::map().non_empty("labels", label_map(&p.labels)).non_empty("annotations", text_map(&p.annotations)).build())
        .with("spec", spec)
        .build()
}

/// One object of a workload's template file, with the condition under which it renders.
#[derive(Debug, Clone, PartialEq)]
pub struct K8sObject {
    pub body: Val,
    pub when: Option<Cond>,
    /// Operational values the chart applies to the object's pod template when it writes it
    /// (after overlays, so a field an overlay set is kept until a value replaces it).
    pub ops: Option<super::operations::Scopes>,
}

fn obj(api: &str, kind: &str, metadata: Val) -> super::value::MapBuilder {
    Val::map().with("apiVersion", Val::str(api)).with("kind", Val::str(kind)).with("metadata", metadata)
}

/// Every object of a workload, each rendered only when the workload is (`components.<key>`).
pub fn workload_objects(w: &Workload) -> Vec<K8sObject> {
    let mut out = objects_of(w);
    if w.when.is_some() {
        for o in out.iter_mut() {
            o.when = Cond::and(w.when.clone(), o.when.take());
        }
    }
    out
}

fn objects_of(w: &Workload) -> Vec<K8sObject> {
    let mut out = Vec::new();
    match w.kind {
        WorkloadKind::Deployment => {
            out.push(K8sObject {
                body: obj("v1", "ServiceAccount", metadata(&w.name, &w.labels, &[])).with("imagePullSecrets", Val::ValueRef("imagePullSecrets".into())).build(),
                when: None,
                ops: None,
            });
            if let Some(role) = &w.cluster_role {
                out.push(K8sObject {
                    body: obj("rbac.authorization.k8s.io/v1", "RoleBinding", metadata(&w.name, &w.labels, &[]))
                        .with("roleRef", Val::map().with("apiGroup", Val::str("rbac.authorization.k8s.io")).with("kind", Val::str("ClusterRole")).with("name", Val::str(role)).build())
                        .with("subjects", Val::seq([Val::map().with("kind", Val::str("ServiceAccount")).with("name", Val::Str(w.name.clone())).with("namespace", Val::Str(Text(vec![super::value::Part::Namespace]))).build()]))
                        .build(),
                    when: None,
                    ops: None,
                });
            }
            let mut spec = Val::map();
            let mut replicas_entry = None;
            match &w.replicas {
                Some(Replicas::Fixed(v)) => spec = spec.with("replicas", v.clone()),
                Some(Replicas::Autoscaled { fallback, when: Some(c) }) => replicas_entry = Some((fallback.clone(), c.clone())),
                _ => {}
            }
            if let Some((v, c)) = replicas_entry {
                spec = spec.when(c, "replicas", v);
            }
            let strategy = match w.strategy {
                Some(Strategy::RollingUpdate25) => Val::map()
                    .with("type", Val::str("RollingUpdate"))
                    .with("rollingUpdate", Val::map().with("maxSurge", Val::str("25%")).with("maxUnavailable", Val::str("25%")).build())
                    .build(),
                Some(Strategy::Recreate) => Val::map().with("type", Val::str("Recreate")).build(),
                _ => Val::map().with("type", Val::str("RollingUpdate")).build(),
            };
            spec = spec
                .with("progressDeadlineSeconds", Val::Int(600))
                .with("selector", Val::map().with("matchLabels", label_map(&w.labels)).build())
                .with("strategy", strategy)
                .with("template", pod_template(&w.pod));
            out.push(K8sObject { body: obj("apps/v1", "Deployment", metadata(&w.name, &w.labels, &w.annotations)).with("spec", spec.build()).build(), when: None, ops: w.pod.ops.clone() });
            if let Some(s) = &w.service {
                let ports = Val::seq(s.ports.iter().map(|p| {
                    Val::map()
                        .with("name", Val::str(&p.name))
                        .with("port", p.port.clone())
                        .with("targetPort", p.target_port.clone())
                        .with("protocol", Val::str("TCP"))
                        .with("appProtocol", Val::str(p.app_protocol))
                        .build()
                }));
                let spec = Val::map()
                    .with("type", Val::str("ClusterIP"))
                    .with("selector", label_map(&s.selector))
                    .with("ports", ports)
                    .opt("sessionAffinity", s.session_affinity.then(|| Val::str("ClientIP")));
                out.push(K8sObject { body: obj("v1", "Service", metadata(&s.name, &s.labels, &[])).with("spec", spec.build()).build(), when: None, ops: None });
            }
            match &w.autoscaler {
                Some(Autoscaler::Keda { spec, .. }) => out.push(K8sObject {
                    body: obj("keda.sh/v1alpha1", "ScaledObject", metadata(&w.name, &w.labels, &[])).with("spec", spec.clone()).build(),
                    when: Some(Cond::value("autoscaling.keda.enabled")),
                    ops: None,
                }),
                Some(Autoscaler::Hpa { min, max, metrics }) => {
                    let name = w.name.clone().then_lit("-hpa");
                    let spec = Val::map()
                        .with("scaleTargetRef", Val::map().with("apiVersion", Val::str("apps/v1")).with("kind", Val::str("Deployment")).with("name", Val::Str(w.name.clone())).build())
                        .with("minReplicas", min.clone())
                        .with("maxReplicas", max.clone())
                        .non_empty("metrics", Val::seq(metrics.clone()));
                    out.push(K8sObject { body: obj("autoscaling/v2", "HorizontalPodAutoscaler", metadata(&name, &[], &[])).with("spec", spec.build()).build(), when: None, ops: None });
                }
                None => {}
            }
        }
        WorkloadKind::CronJob => {
            let c = w.cron.as_ref().expect("cron spec");
            let j = w.job.as_ref().expect("job spec");
            let job_spec = Val::map()
                .opt("parallelism", j.parallelism.clone())
                .opt("completions", j.completions.clone())
                .opt("activeDeadlineSeconds", j.active_deadline_seconds.clone())
                .with("template", pod_template(&w.pod))
                .build();
            let spec = Val::map()
                .with("schedule", c.schedule.clone())
                .with("concurrencyPolicy", c.concurrency_policy.clone())
                .opt("suspend", c.suspend.clone())
                .opt("successfulJobsHistoryLimit", c.successful_jobs_history_limit.clone())
                .opt("failedJobsHistoryLimit", c.failed_jobs_history_limit.clone())
                .opt("startingDeadlineSeconds", c.starting_deadline_seconds.clone())
                .with("jobTemplate", Val::map().with("metadata", Val::map().with("labels", label_map(&w.labels)).build()).with("spec", job_spec).build())
                .build();
            out.push(K8sObject { body: obj("batch/v1", "CronJob", metadata(&w.name, &w.labels, &w.annotations)).with("spec", spec).build(), when: None, ops: w.pod.ops.clone() });
        }
        WorkloadKind::HookJob => {
            let j = w.job.as_ref().expect("job spec");
            let mut annotations = w.annotations.clone();
            if let Some(events) = &j.hook {
                // In an ordered install the job runs before the release's pods (docs/standalone.md).
                let ordered = Val::If(Cond::value(super::ORDERED), Box::new(Val::str(super::ORDERED_EVENTS)), Box::new(Val::str(events)));
                annotations.push((Text::lit("helm.sh/hook"), ordered));
                annotations.push((Text::lit("helm.sh/hook-weight"), Val::str("0")));
                annotations.push((Text::lit("helm.sh/hook-delete-policy"), Val::str("before-hook-creation")));
            }
            let spec = Val::map()
                .opt("parallelism", j.parallelism.clone())
                .opt("completions", j.completions.clone())
                .opt("activeDeadlineSeconds", j.active_deadline_seconds.clone())
                .with("template", pod_template(&w.pod))
                .build();
            out.push(K8sObject { body: obj("batch/v1", "Job", metadata(&w.name, &w.labels, &annotations)).with("spec", spec).build(), when: None, ops: w.pod.ops.clone() });
        }
    }
    out
}
