//! `spec.deployments[]` → Deployment, Service and ServiceAccount (`P/deployment`, `P/web`,
//! `P/metrics`, `P/serviceaccount`).

use super::pod::{self, PodFlavor};
use super::{autoscaler, Ctx};
use crate::error::InputError;
use crate::model::{Outcome, Pod, Replicas, Service, ServicePort, Strategy, Text, Val, Workload, WorkloadKind};
use crate::source::clowdapp::{ClowdApp, Deployment};

pub struct AppMeta {
    pub labels: Vec<(String, Val)>,
    pub annotations: Vec<(Text, Val)>,
}

pub fn map_deployment(ctx: &mut Ctx, app: &ClowdApp, dep: &Deployment, meta: &AppMeta) -> Result<Workload, InputError> {
    let full = format!("{}-{}", app.name, dep.name);
    pod::check_dns_label(ctx, &full, dep.pos, "Deployment name (`<app>-<deployment>`)", 63)?;
    let _ = PodFlavor::Deployment;
    let name = Text::lit(&full);
    let target = format!("Deployment/{full}");

    let public = ctx.static_bool(dep.public.enabled.as_ref(), &target)?;
    let web = ctx.static_bool(dep.web.as_ref(), &target)?;
    if let Some(w) = &dep.web {
        ctx.find("web.deprecated-web", Outcome::Translated, w.pos, &target, "deprecated `web` is treated as public for ports, probes and endpoints (not for the rollout strategy), as Clowder does", None);
    }
    let private = ctx.static_bool(dep.private.enabled.as_ref(), &target)?;
    let exposed = public || web;

    let mut main = pod::main_container(ctx, &dep.pod_spec, name.clone(), &target)?;
    main.ports = pod::ports(exposed, private);
    main.liveness_probe = match &dep.pod_spec.liveness_probe {
        Some(p) => Some(pod::probe_with_defaults(ctx, p)?),
        None if exposed => Some(pod::default_probe(10)),
        None => None,
    };
    main.readiness_probe = match &dep.pod_spec.readiness_probe {
        Some(p) => Some(pod::probe_with_defaults(ctx, p)?),
        None if exposed => Some(pod::default_probe(45)),
        None => None,
    };
    if exposed && (dep.pod_spec.liveness_probe.is_none() || dep.pod_spec.readiness_probe.is_none()) {
        ctx.find("deployment.default-probes", Outcome::Translated, dep.pos, format!("{target}:probes"), "Clowder's default /healthz probes on the web port are rendered for the missing probe(s) of this public deployment", Some("the app must answer GET /healthz on its web port, as under Clowder"));
    }
    main.lifecycle = dep.pod_spec.lifecycle.as_ref().map(|n| ctx.val(n)).transpose()?;
    let init_containers = pod::init_containers(ctx, &dep.pod_spec, &main, &name)?;
    pod::sidecars(ctx, &dep.pod_spec, &target)?;

    let mut labels = meta.labels.clone();
    labels.push(("pod".into(), Val::str(&full)));

    let has_pvc = pod::has_pvc(&dep.pod_spec);
    let strategy = if has_pvc {
        ctx.find("deployment.strategy", Outcome::Translated, dep.pos, format!("{target}:spec.strategy"), "a PersistentVolumeClaim is mounted, so the strategy is Recreate (Clowder's rule)", None);
        Strategy::Recreate
    } else if public {
        if let Some(ps) = &dep.private_strategy {
            ctx.find("deployment.strategy", Outcome::Translated, ps.pos, format!("{target}:spec.strategy"), "privateStrategy is ignored for public deployments (Clowder's rule); RollingUpdate 25%/25% is used", None);
        }
        Strategy::RollingUpdate25
    } else {
        match dep.private_strategy.as_ref().and_then(|n| n.as_str()) {
            Some("Recreate") => Strategy::Recreate,
            Some("RollingUpdate") | None => Strategy::RollingUpdatePlain,
            Some(other) => {
                return Err(crate::source::template::err(&ctx.input.file, dep.private_strategy.as_ref().unwrap().pos, format!("privateStrategy `{other}` is not Recreate or RollingUpdate")));
            }
        }
    };

    let fixed = match (&dep.replicas, &dep.min_replicas) {
        (Some(r), _) => ctx.val(r)?,
        (None, Some(m)) => {
            ctx.find("deployment.min-replicas", Outcome::Translated, m.pos, format!("{target}:spec.replicas"), "deprecated minReplicas used as the replica count (no `replicas` set)", None);
            ctx.val(m)?
        }
        (None, None) => Val::Int(1),
    };
    let autoscaler = autoscaler::map_autoscaler(ctx, app, dep, &full, &labels)?;
    let replicas = match &autoscaler {
        Some(crate::model::Autoscaler::Keda { min, .. }) => Some(Replicas::Autoscaled { fallback: min.clone(), when: Some(super::cond_keda().negated()) }),
        Some(crate::model::Autoscaler::Hpa { .. }) => Some(Replicas::Autoscaled { fallback: Val::Null, when: None }),
        None => Some(Replicas::Fixed(fixed)),
    };
    if autoscaler.is_some()
        && let Some(r) = &dep.replicas {
            ctx.find("deployment.replicas-autoscaled", Outcome::Approximated, r.pos, format!("{target}:spec.replicas"), "`replicas` is not rendered while an autoscaler owns the count", None);
        }

    let mut ports = Vec::new();
    if exposed {
        ports.push(ServicePort { name: "public".into(), port: Val::ValueRef("web.port".into()), target_port: Val::ValueRef("web.port".into()), app_protocol: "http" });
    }
    if private {
        ports.push(ServicePort { name: "private".into(), port: Val::ValueRef("web.privatePort".into()), target_port: Val::ValueRef("web.privatePort".into()), app_protocol: "http" });
    }
    ports.push(ServicePort { name: "metrics".into(), port: Val::ValueRef("metrics.port".into()), target_port: Val::ValueRef("metrics.port".into()), app_protocol: "http" });
    for (ws, which) in [(&dep.public, "public"), (&dep.private, "private")] {
        if ctx.static_bool(ws.h2c_enabled.as_ref(), &target)? {
            ctx.find("web.h2c", Outcome::Translated, ws.pos.unwrap_or(dep.pos), format!("Service/{full}"), format!("{which}.h2cEnabled: the reference environment defines no h2c port, so Clowder adds no h2c port either"), Some("pass --environment with an h2c port if your environment had one"));
        }
        if let Some(t) = &ws.tls {
            ctx.find("web.tls", Outcome::Unsupported, t.pos, format!("Service/{full}"), format!("{which}.tls relies on OpenShift's service CA and Clowder's caddy sidecar; no TLS proxy is rendered"), Some("terminate TLS at an Ingress/Route or add a proxy with an overlay"));
        }
        if ws.api_path.is_some() || !ws.api_paths.is_empty() {
            let pos = ws.api_path.as_ref().or(ws.api_paths.first()).map(|n| n.pos).unwrap_or(dep.pos);
            ctx.find("web.api-paths", Outcome::Approximated, pos, format!("Service/{full}"), format!("{which} apiPath(s) only feed cdappconfig endpoints and Clowder's local gateway; no Ingress is rendered"), Some("expose the API with your own Ingress or Route"));
        }
        if !ws.whitelist_paths.is_empty() {
            ctx.find("web.whitelist-paths", Outcome::Unsupported, ws.whitelist_paths[0].pos, format!("Service/{full}"), "whitelistPaths only apply to Clowder's local-mode auth gateway", None);
        }
    }
    if let Some(m) = &dep.metrics_service {
        ctx.find("web.metrics", Outcome::Translated, m.pos, format!("Service/{full}"), "the metrics port is always exposed (webServices.metrics has no fields)", None);
    }
    let session_affinity = ctx.static_bool(dep.public.session_affinity.as_ref(), &target)?;
    let service = Service {
        name: name.clone(),
        labels: labels.clone(),
        selector: vec![("pod".into(), Val::str(&full))],
        ports,
        session_affinity,
    };

    let cluster_role = match dep.k8s_access_level.as_ref().and_then(|n| n.as_str()) {
        Some("view") => Some("view".to_string()),
        Some("edit") => Some("edit".to_string()),
        Some("") | Some("default") | None => None,
        Some(other) => return Err(crate::source::template::err(&ctx.input.file, dep.k8s_access_level.as_ref().unwrap().pos, format!("k8sAccessLevel `{other}` is not one of default, view, edit"))),
    };

    let mut annotations = meta.annotations.clone();
    annotations.extend(pod::annotations(ctx, &dep.annotations)?);
    let pod_annotations = pod::annotations(ctx, &dep.pod_spec.annotations)?;
    let tolerations = pod::machine_pool_tolerations(ctx, &dep.pod_spec)?;
    let volumes = pod::volumes(ctx, &dep.pod_spec, true)?;
    let tgps = dep.pod_spec.termination_grace_period_seconds.as_ref().map(|n| ctx.val(n)).transpose()?;

    ctx.find("deployment", Outcome::Translated, dep.pos, &target, format!("deployment `{}` → Deployment, Service and ServiceAccount `{full}`", dep.name), None);
    Ok(Workload {
        app: app.name.clone(),
        component: Text::lit(&dep.name),
        name: name.clone(),
        kind: WorkloadKind::Deployment,
        source: ctx.src(dep.pos),
        labels: labels.clone(),
        annotations,
        pod: Pod {
            labels,
            annotations: pod_annotations,
            service_account: name,
            containers: vec![main],
            init_containers,
            volumes,
            conditional_volumes: Vec::new(),
            volume_sources: pod::volume_sources(ctx, &dep.pod_spec),
            termination_grace_period_seconds: tgps,
            tolerations,
            anti_affinity: true,
            restart_policy: None,
        },
        replicas,
        strategy: Some(strategy),
        service: Some(service),
        autoscaler,
        cluster_role,
        cron: None,
        job: None,
        file: super::workload_file(ctx, "deployment", &app.name, &dep.name),
        when: None,
    })
}
