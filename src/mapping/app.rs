//! One ClowdApp: labels, workloads, service accounts, and the values blocks the chart needs.

use super::deployment::{map_deployment, AppMeta};
use super::job::map_job;
use super::{pod, Ctx};
use crate::error::InputError;
use crate::model::k8s::label_map;
use crate::model::{ExtraObject, Model, Outcome, Text, Val, ValuesBlock, ValuesNode};
use crate::source::clowdapp::{ClowdApp, JobInvocation};
use crate::source::template::err;

/// ClowdApp labels + template labels (which `oc process` merges in) + `app: <app>` unless set.
fn app_labels(ctx: &Ctx, app: &ClowdApp) -> Result<Vec<(String, Val)>, InputError> {
    let mut labels: Vec<(String, Val)> = Vec::new();
    for (k, v) in app.labels.iter().chain(ctx.input.labels.iter()) {
        let val = ctx.val(v)?;
        if let Some(e) = labels.iter_mut().find(|(n, _)| *n == k.text) {
            e.1 = val;
        } else {
            labels.push((k.text.clone(), val));
        }
    }
    if !labels.iter().any(|(k, _)| k == "app") {
        labels.insert(0, ("app".into(), Val::str(&app.name)));
    }
    Ok(labels)
}

pub fn map_app(ctx: &mut Ctx, app: &ClowdApp, cjis: &[JobInvocation], model: &mut Model) -> Result<(), InputError> {
    pod::check_dns_label(ctx, &app.name, app.pos, "ClowdApp name", 63)?;
    if ctx.static_bool(app.disabled.as_ref(), &app.name)? {
        ctx.find("app.disabled", Outcome::Unsupported, app.pos, "-", format!("ClowdApp `{}` is disabled: Clowder stops reconciling it; nothing is rendered for it", app.name), Some("remove `disabled: true` to convert it"));
        return Ok(());
    }
    let meta = AppMeta { labels: app_labels(ctx, app)?, annotations: pod::annotations(ctx, &app.annotations)? };
    if !app.labels.is_empty() || !ctx.input.labels.is_empty() {
        ctx.find("app.labels", Outcome::Translated, app.pos, "Deployment selectors", "ClowdApp and template labels are part of every Deployment selector, as Clowder makes them; changing them later needs the Deployments deleted (selectors are immutable)", None);
    }
    for dep in &app.deployments {
        let w = map_deployment(ctx, app, dep, &meta)?;
        model.workloads.push(w);
    }
    let mut has_jobs = false;
    for job in &app.jobs {
        for w in map_job(ctx, app, job, cjis, &meta)? {
            has_jobs = true;
            model.workloads.push(w);
        }
    }
    for cji in cjis.iter().filter(|c| c.app_name == app.name) {
        for j in &cji.jobs {
            let wanted = j.scalar_text().unwrap_or_default();
            if !app.jobs.iter().any(|job| job.name.scalar_text().unwrap_or_default() == wanted) {
                return Err(err(&ctx.input.file, j.pos, format!("ClowdJobInvocation asks for job `{wanted}`, which ClowdApp `{}` does not define", app.name)).hint("fix the job name in the invocation"));
            }
        }
    }
    if has_jobs {
        model.extra.push(ExtraObject {
            file: format!("serviceaccount-{}-app.yaml", app.name),
            body: service_account(&Text::lit(format!("{}-app", app.name)), &meta.labels),
            when: None,
            infra: false,
        });
    }
    if let Some(n) = &app.env_name {
        ctx.find("app.env-name", Outcome::Translated, n.pos, "-", "envName only names Clowder's environment objects; the chart does not need it", None);
    }
    if let Some(t) = &app.testing {
        ctx.find("app.testing", Outcome::Unsupported, t.pos, "-", "testing.iqePlugin configures Red Hat's IQE test runs in ephemeral environments; not rendered", None);
    }
    if let Some(c) = &app.cyndi {
        ctx.find("app.cyndi", Outcome::Unsupported, c.pos, "-", "cyndi (host inventory replication through a CyndiPipeline) needs the Cyndi operator; not rendered", Some("set up host replication separately if the app needs it"));
    }
    super::providers::map_providers(ctx, app, &meta.labels, model)?;
    Ok(())
}

pub fn service_account(name: &Text, labels: &[(String, Val)]) -> Val {
    Val::map()
        .with("apiVersion", Val::str("v1"))
        .with("kind", Val::str("ServiceAccount"))
        .with("metadata", Val::map().with("name", Val::Str(name.clone())).with("labels", label_map(labels)).build())
        .with("imagePullSecrets", Val::ValueRef("imagePullSecrets".into()))
        .build()
}


/// The values blocks every chart has: ports and resource defaults from the environment profile,
/// autoscaling switches and pull secrets.
pub fn values_blocks(ctx: &Ctx, model: &mut Model) {
    let env = ctx.env;
    let q = |v: &[(String, String)]| ValuesNode::Map(v.iter().map(|(k, q)| (k.clone(), String::new(), ValuesNode::leaf(q.clone()))).collect());
    let mut blocks = vec![
        ValuesBlock {
            key: "web".into(),
            comment: format!("Ports Clowder's web provider gave every deployment (environment: {}). Services, container ports and probes use them.", env.origin),
            value: ValuesNode::map(vec![("port", "Public port (Service port `public`, container port `web`).", ValuesNode::leaf(env.web_port)), ("privatePort", "Private port (Service and container port `private`).", ValuesNode::leaf(env.private_port))]),
        },
        ValuesBlock {
            key: "metrics".into(),
            comment: "Metrics port on every container and Service, as Clowder's metrics provider sets it.".into(),
            value: ValuesNode::map(vec![("port", "Metrics port.", ValuesNode::leaf(env.metrics_port)), ("path", "Metrics path.", ValuesNode::leaf(env.metrics_path.clone())),
                (
                    "serviceMonitor",
                    "Render a Prometheus Operator ServiceMonitor per deployment, as Clowder did (needs the monitoring.coreos.com CRDs).",
                    ValuesNode::map(vec![("enabled", "", ValuesNode::leaf(false)), ("interval", "", ValuesNode::leaf("15s"))]),
                ),
            ]),
        },
        ValuesBlock {
            key: "resourceDefaults".into(),
            comment: "Resource values Clowder filled in, key by key, where a podSpec left one out (ClowdEnvironment resourceDefaults).".into(),
            value: ValuesNode::map(vec![("limits", "", q(&env.limits)), ("requests", "", q(&env.requests))]),
        },
        ValuesBlock {
            key: "imagePullSecrets".into(),
            comment: "Image pull secrets listed on every ServiceAccount (Clowder's pullSecrets provider).".into(),
            value: ValuesNode::Leaf(serde_json::Value::Array(env.pull_secrets.iter().map(|s| serde_json::json!({"name": s})).collect())),
        },
    ];
    let keda_objects = model.objects.iter().any(|o| o.when.is_some());
    if keda_objects || model.workloads.iter().any(|w| matches!(w.autoscaler, Some(crate::model::Autoscaler::Keda { .. }))) {
        blocks.push(ValuesBlock {
            key: "autoscaling".into(),
            comment: "Autoscaling. KEDA ScaledObjects need the KEDA CRDs; while disabled, each autoscaled Deployment runs its minReplicaCount.".into(),
            value: ValuesNode::map(vec![(
                "keda",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Render KEDA ScaledObjects (requires KEDA installed in the cluster).", ValuesNode::leaf(false)),
                    ("prometheusServerAddress", "Prometheus URL for `prometheus` triggers (Clowder took it from the environment).", ValuesNode::leaf("")),
                ]),
            )]),
        });
    }
    model.values.extend(blocks);
}
