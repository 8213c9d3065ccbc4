//! The pod template Clowder builds from a `podSpec` (shared by deployments, CronJobs and jobs).

use super::Ctx;
use crate::error::InputError;
use crate::model::{Container, EnvOrigin, EnvValue, EnvVar, Outcome, Port, Resources, Text, Val};
use crate::source::clowdapp::PodSpec;
use crate::source::template::err;
use crate::source::yaml::{Kind, Node};

/// Which Clowder rules apply to the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFlavor {
    Deployment,
    CronJob,
    Job,
}

/// A DNS-1035 label, as Clowder needs for `<app>-<name>` (Service name, container name, label).
pub fn check_dns_label(ctx: &Ctx, name: &str, node_pos: crate::source::yaml::Pos, what: &str, max: usize) -> Result<(), InputError> {
    let file = &ctx.input.file;
    if name.contains('/') || name.contains("..") {
        return Err(err(file, node_pos, format!("{what} `{name}` contains `/` or `..`, which no Kubernetes name may contain")).hint("use lowercase letters, digits and `-`"));
    }
    if name.len() > max {
        return Err(err(file, node_pos, format!("{what} `{name}` is {} characters long; Kubernetes allows at most {max}", name.len())).hint("shorten the ClowdApp or deployment name"));
    }
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-';
    if !ok {
        // A name from a parameter's default is fixed with --param, not by editing the template.
        let hint = match ctx.pins.iter().find(|p| p.pos == node_pos) {
            Some(pin) => format!("the name comes from parameter `{}` (default `{}`): pass --param {}=VALUE with a valid name, or change its default", pin.param, pin.value, pin.param),
            None => "rename the ClowdApp or deployment".to_string(),
        };
        return Err(err(file, node_pos, format!("{what} `{name}` is not a valid DNS-1035 label (lowercase letters, digits and `-`, starting with a letter, ending with a letter or digit)")).hint(hint));
    }
    Ok(())
}

pub fn env_var(ctx: &Ctx, node: &Node, origin: EnvOrigin) -> Result<EnvVar, InputError> {
    let name = node.get("name").and_then(Node::as_str).unwrap_or_default().to_string();
    let value = if let Some(from) = node.get("valueFrom") {
        let mut v = ctx.val(from)?;
        // Clowder (through the API server) defaults fieldRef.apiVersion to v1.
        if let Some(fr) = v.get_mut("fieldRef")
            && fr.get("apiVersion").is_none()
                && let Val::Map(m) = fr {
                    m.insert(0, crate::model::Entry { key: Text::lit("apiVersion"), val: Val::str("v1"), when: None });
                }
        EnvValue::From(v)
    } else {
        match node.get("value") {
            Some(v) if !v.is_null() => EnvValue::Value(match ctx.val(v)? {
                // Env values are strings in Kubernetes; keep what the template wrote as text.
                Val::Int(i) => Val::str(i.to_string()),
                Val::Bool(b) => Val::str(b.to_string()),
                Val::Float(f) => Val::str(f),
                // `${{X}}` as an env value: Kubernetes wants a string, so use X's text.
                Val::Typed(n) => Val::Str(Text::param(n)),
                other => other,
            }),
            _ => EnvValue::Value(Val::str("")),
        }
    };
    Ok(EnvVar { name, value, origin, when: None, source: Some(ctx.src(node.pos)) })
}

fn quantity(ctx: &Ctx, n: &Node) -> Result<Val, InputError> {
    ctx.val(n)
}

/// Per key: the podSpec value, else the environment default. `limits.cpu` only when one of them
/// sets it; keys other than cpu/memory are dropped (Clowder does the same).
pub fn resources(ctx: &mut Ctx, spec: &PodSpec, target: &str) -> Result<Resources, InputError> {
    let mut out = Resources::default();
    let res = spec.resources.as_ref();
    for (section, pos_list) in [("limits", &mut out.limits), ("requests", &mut out.requests)] {
        let given = res.and_then(|r| r.get(section));
        for key in ["cpu", "memory"] {
            let v = given.and_then(|g| g.get(key)).filter(|n| !n.is_null());
            let default = if section == "limits" { ctx.env.default_limit(key) } else { ctx.env.default_request(key) };
            let val = match (v, default) {
                (Some(n), _) => Some(quantity(ctx, n)?),
                (None, Some(_)) => Some(Val::ValueRef(format!("resourceDefaults.{section}.{key}"))),
                (None, None) if !(section == "limits" && key == "cpu") => Some(Val::str("0")),
                _ => None,
            };
            if let Some(v) = val {
                pos_list.push((key.to_string(), v));
            }
        }
        if let Some(g) = given {
            for (k, _) in g.entries() {
                if k.text != "cpu" && k.text != "memory" {
                    ctx.find("resources.dropped-key", Outcome::Unsupported, k.pos, format!("{target}:resources.{section}"), format!("resources.{section}.{} is dropped: Clowder keeps only cpu and memory", k.text), Some("add it with an overlay if the workload needs it"));
                }
            }
        }
    }
    if let Some(r) = res {
        for (k, _) in r.entries() {
            if k.text != "limits" && k.text != "requests" {
                ctx.find("resources.dropped-key", Outcome::Unsupported, k.pos, target.to_string(), format!("resources.{} is dropped: Clowder keeps only limits and requests", k.text), None);
            }
        }
    }
    Ok(out)
}

/// User probe with Clowder's zero-value defaults filled in (deployments only).
pub fn probe_with_defaults(ctx: &Ctx, node: &Node) -> Result<Val, InputError> {
    let mut v = ctx.val(node)?;
    for (key, default) in [("successThreshold", 1), ("timeoutSeconds", 1), ("periodSeconds", 10), ("failureThreshold", 3)] {
        let zero = matches!(v.get(key), None | Some(Val::Int(0)) | Some(Val::Null));
        if zero {
            v.set(key, Val::Int(default));
        }
    }
    Ok(v)
}

/// Clowder's default probe for public deployments: GET /healthz on the web port.
pub fn default_probe(initial_delay: i64) -> Val {
    Val::map()
        .with("httpGet", Val::map().with("path", Val::str("/healthz")).with("port", Val::ValueRef("web.port".into())).with("scheme", Val::str("HTTP")).build())
        .with("initialDelaySeconds", Val::Int(initial_delay))
        .with("periodSeconds", Val::Int(30))
        .with("timeoutSeconds", Val::Int(1))
        .with("successThreshold", Val::Int(1))
        .with("failureThreshold", Val::Int(3))
        .build()
}

/// Volumes as given; configMap/secret volumes without defaultMode get 420 (0644) as Clowder sets.
pub fn volumes(ctx: &Ctx, spec: &PodSpec, default_mode: bool) -> Result<Vec<Val>, InputError> {
    spec.volumes
        .iter()
        .map(|n| {
            let mut v = ctx.val(n)?;
            if default_mode {
                for kind in ["configMap", "secret"] {
                    if let Some(src) = v.get_mut(kind)
                        && src.get("defaultMode").is_none() {
                            src.set("defaultMode", Val::Int(420));
                        }
                }
            }
            Ok(v)
        })
        .collect()
}

/// The line of each named template volume.
pub fn volume_sources(ctx: &Ctx, spec: &PodSpec) -> Vec<(String, crate::model::SourceRef)> {
    spec.volumes.iter().filter_map(|v| Some((v.get("name")?.scalar_text()?, ctx.src(v.pos)))).collect()
}

pub fn has_pvc(spec: &PodSpec) -> bool {
    spec.volumes.iter().any(|v| v.get("persistentVolumeClaim").is_some())
}

/// The main container, before ports and probes (which depend on the flavor).
pub fn main_container(ctx: &mut Ctx, spec: &PodSpec, name: Text, target: &str) -> Result<Container, InputError> {
    let image = spec
        .image
        .as_ref()
        .ok_or_else(|| err(&ctx.input.file, spec.pos, format!("{target}: podSpec has no image")).hint("set podSpec.image"))?;
    let image = ctx.val(image)?;
    let mut env = Vec::new();
    for e in &spec.env {
        env.push(env_var(ctx, e, EnvOrigin::Template)?);
    }
    // Sized up front: growing it rehashed every name (Koku's containers have ~40 each).
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::with_capacity(env.len());
    for (e, node) in env.iter().zip(&spec.env) {
        if !seen.insert(e.name.as_str()) {
            ctx.find("env.duplicate", Outcome::Approximated, node.pos, format!("{target}:env.{}", e.name), format!("env var `{}` is set twice; Kubernetes uses the last one", e.name), Some("remove the duplicate upstream"));
        }
    }
    Ok(Container {
        name,
        image,
        command: spec.command.as_ref().map(|n| ctx.val(n)).transpose()?,
        args: spec.args.as_ref().map(|n| ctx.val(n)).transpose()?,
        env,
        ports: Vec::new(),
        resources: resources(ctx, spec, target)?,
        liveness_probe: None,
        readiness_probe: None,
        volume_mounts: spec.volume_mounts.iter().map(|n| ctx.val(n)).collect::<Result<_, _>>()?,
        conditional_mounts: Vec::new(),
        lifecycle: None,
        image_pull_policy: "IfNotPresent",
        restart_policy: None,
        inherits_env: false,
        when: None,
    })
}

/// Init containers: Clowder copies resources, mounts and pull policy from the main container and
/// merges env according to `inheritEnv`.
pub fn init_containers(ctx: &mut Ctx, spec: &PodSpec, main: &Container, pod_name: &Text) -> Result<Vec<Container>, InputError> {
    let mut out = Vec::new();
    for ic in &spec.init_containers {
        let name = match ic.name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) => Text::lit(format!("{n}-init")),
            None => pod_name.clone().then_lit("-init"),
        };
        let image = match &ic.image {
            Some(i) => ctx.val(i)?,
            None => main.image.clone(),
        };
        let mut env = Vec::new();
        for e in &ic.env {
            env.push(env_var(ctx, e, EnvOrigin::Template)?);
        }
        if ic.inherit_env {
            let own: Vec<String> = env.iter().map(|e| e.name.clone()).collect();
            env.extend(main.env.iter().filter(|e| !own.contains(&e.name)).cloned());
        }
        out.push(Container {
            name,
            image,
            command: ic.command.as_ref().map(|n| ctx.val(n)).transpose()?,
            args: ic.args.as_ref().map(|n| ctx.val(n)).transpose()?,
            env,
            ports: Vec::new(),
            resources: main.resources.clone(),
            liveness_probe: None,
            readiness_probe: None,
            volume_mounts: main.volume_mounts.clone(),
            conditional_mounts: main.conditional_mounts.clone(),
            lifecycle: None,
            image_pull_policy: main.image_pull_policy,
            restart_policy: None,
            inherits_env: ic.inherit_env,
            when: None,
        });
        ctx.find("pod.init-container", Outcome::Translated, ic.pos, format!("{}:initContainers", pod_name.display()), format!("init container rendered with the main container's resources and volume mounts{}", if ic.inherit_env { " and its env (inheritEnv)" } else { "" }), None);
    }
    Ok(out)
}

/// Ports the web and metrics providers put on a container.
pub fn ports(public: bool, private: bool) -> Vec<Port> {
    let mut p = Vec::new();
    if public {
        p.push(Port { name: "web".into(), port: Val::ValueRef("web.port".into()) });
    }
    if private {
        p.push(Port { name: "private".into(), port: Val::ValueRef("web.privatePort".into()) });
    }
    p.push(Port { name: "metrics".into(), port: Val::ValueRef("metrics.port".into()) });
    p
}

/// Sidecars only run when the environment enables that sidecar type.
pub fn sidecars(ctx: &mut Ctx, spec: &PodSpec, target: &str) -> Result<(), InputError> {
    for s in &spec.sidecars {
        let enabled = ctx.static_bool(s.enabled.as_ref(), target)?;
        let env_on = if s.name == "token-refresher" { ctx.env.token_refresher } else { ctx.env.otel_collector };
        let (outcome, msg) = match (enabled, env_on) {
            (false, _) => (Outcome::Translated, format!("sidecar `{}` is disabled in the ClowdApp; nothing rendered", s.name)),
            (true, false) => (Outcome::Translated, format!("sidecar `{}` is enabled but the environment does not enable that sidecar type, so Clowder would not add it; nothing rendered", s.name)),
            (true, true) => (Outcome::Unsupported, format!("sidecar `{}` would be injected by Clowder with operator-owned images and secrets; it is not rendered", s.name)),
        };
        ctx.find("pod.sidecar", outcome, s.pos, target.to_string(), msg, Some("add the sidecar container with an overlay if you need it"));
    }
    Ok(())
}

pub fn machine_pool_tolerations(ctx: &Ctx, spec: &PodSpec) -> Result<Vec<Val>, InputError> {
    Ok(match &spec.machine_pool {
        Some(mp) => vec![Val::map()
            .with("key", Val::Str(ctx.text(mp)?))
            .with("operator", Val::str("Equal"))
            .with("value", Val::str("true"))
            .with("effect", Val::str("NoSchedule"))
            .build()],
        None => Vec::new(),
    })
}

pub fn annotations(ctx: &Ctx, list: &[(crate::source::yaml::Key, Node)]) -> Result<Vec<(Text, Val)>, InputError> {
    list.iter()
        .map(|(k, v)| {
            let val = match ctx.val(v)? {
                Val::Int(i) => Val::str(i.to_string()),
                Val::Bool(b) => Val::str(b.to_string()),
                other => other,
            };
            Ok((Text::from(crate::source::sym::parse_str(&k.text, &ctx.input.declared)), val))
        })
        .collect()
}

pub fn is_true(n: Option<&Node>) -> bool {
    matches!(n.map(|n| &n.kind), Some(Kind::Bool(true)))
}
