//! The pod template Clowder builds from a `podSpec` (clowder-semantics §2.3, §2.5–§2.7, §2.13, §2.14).

use super::{closed, get, items, text, truthy, AppConfig, Setting};
use crate::verify::exp::{as_text, Exp, Extras, Keyed};
use serde_json::Value;

/// Which Clowder rules shape the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// A Deployment, with the web services it exposes.
    Deployment { exposed: bool, private: bool },
    CronJob,
    /// A Job a ClowdJobInvocation runs (here a Helm hook Job).
    Job,
}

pub struct PodInput<'a> {
    pub app: &'a str,
    pub config: &'a AppConfig,
    /// The podSpec as written, to tell which parameters an image uses.
    pub raw_spec: &'a Value,
    /// `<app>-<deployment|job>`: container, init-container and service-account naming.
    pub name: &'a str,
    pub spec: &'a Value,
    pub flavor: Flavor,
    /// Pod-template labels.
    pub labels: &'a [(String, String)],
    pub service_account: String,
    pub s: &'a Setting,
}

/// The `spec` of the pod template.
pub fn pod_spec(p: &PodInput) -> Exp {
    let main = Main::new(p);
    let restart = match p.flavor {
        Flavor::Deployment { .. } => Exp::or_absent(Exp::str("Always")),
        _ => Exp::Text(get(p.spec, "restartPolicy").map(as_text).unwrap_or_else(|| "Never".into())),
    };
    let tgps = match p.flavor {
        Flavor::Deployment { .. } => Exp::given(get(p.spec, "terminationGracePeriodSeconds")),
        Flavor::CronJob => Exp::int(30),
        Flavor::Job => Exp::Absent,
    };
    let affinity = match p.flavor {
        Flavor::Job => Exp::Absent,
        _ => anti_affinity(p.labels),
    };
    closed(vec![
        ("serviceAccountName".into(), Exp::Text(p.service_account.clone())),
        ("restartPolicy".into(), restart),
        ("terminationGracePeriodSeconds".into(), tgps),
        ("tolerations".into(), tolerations(p.spec)),
        ("affinity".into(), affinity),
        ("volumes".into(), volumes(p)),
        ("initContainers".into(), init_containers(p, &main)),
        ("containers".into(), Exp::Keyed(Keyed { key: "name", items: vec![(p.name.to_string(), main.container(p))], extras: Extras::None })),
        ("securityContext".into(), Exp::or_absent(closed(Vec::new()))),
        ("dnsPolicy".into(), Exp::or_absent(Exp::str("ClusterFirst"))),
        ("schedulerName".into(), Exp::or_absent(Exp::str("default-scheduler"))),
    ])
}

/// The parts of the main container that init containers copy.
struct Main {
    image: Exp,
    /// The image as written.
    raw_image: String,
    resources: Exp,
    mounts: Exp,
}

impl Main {
    fn new(p: &PodInput) -> Main {
        let mut mounts: Vec<(String, Exp)> = items(get(p.spec, "volumeMounts")).iter().map(|m| (text(m.get("mountPath")), Exp::exact(m))).collect();
        if p.config.cdappconfig {
            mounts.push(("/cdapp/".into(), Exp::closed(vec![("name", Exp::str("config-secret")), ("mountPath", Exp::str("/cdapp/"))])));
        }
        Main {
            image: Exp::text_of(get(p.spec, "image").unwrap_or(&Value::Null)),
            raw_image: text(get(p.raw_spec, "image")),
            resources: resources(p.spec, p.s),
            mounts: Exp::Keyed(Keyed { key: "mountPath", items: mounts, extras: Extras::Anywhere }),
        }
    }

    /// The main container's env: the template's, then `ACG_CONFIG` in cdappconfig mode.
    fn env(&self, p: &PodInput, raw_image: &str) -> Vec<(String, Exp)> {
        let mut env = env_entries(items(get(p.spec, "env")), p.config, raw_image);
        if p.config.cdappconfig {
            env.push(acg_config());
        }
        env
    }

    fn container(&self, p: &PodInput) -> Exp {
        let (liveness, readiness, ports, lifecycle) = match p.flavor {
            Flavor::Deployment { exposed, private } => (
                deployment_probe(get(p.spec, "livenessProbe"), exposed, 10, p.s),
                deployment_probe(get(p.spec, "readinessProbe"), exposed, 45, p.s),
                deployment_ports(exposed, private, p.s, p.config.private_port.filter(|_| p.config.applies(&self.raw_image))),
                Exp::given(get(p.spec, "lifecycle")),
            ),
            Flavor::CronJob | Flavor::Job => (
                Exp::given(get(p.spec, "livenessProbe")),
                Exp::given(get(p.spec, "readinessProbe")),
                vec![port("metrics", &p.s.metrics_port)],
                Exp::Absent,
            ),
        };
        container(vec![
            ("name", Exp::Text(p.name.to_string())),
            ("image", self.image.clone()),
            ("command", Exp::given(get(p.spec, "command"))),
            ("args", Exp::given(get(p.spec, "args"))),
            ("env", env_list(self.env(p, &self.raw_image))),
            ("resources", self.resources.clone()),
            ("livenessProbe", liveness),
            ("readinessProbe", readiness),
            ("volumeMounts", self.mounts.clone()),
            ("lifecycle", lifecycle),
            ("ports", Exp::Keyed(Keyed { key: "name", items: ports, extras: Extras::None })),
        ])
    }
}

/// A container: the given fields, pull policy, Kubernetes defaults, and `envFrom` left to the
/// chart (Clowder has none; the chart may deliver configuration that way).
fn container(fields: Vec<(&str, Exp)>) -> Exp {
    let mut f: Vec<(String, Exp)> = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    f.push(("imagePullPolicy".into(), Exp::str("IfNotPresent")));
    f.push(("terminationMessagePath".into(), Exp::or_absent(Exp::str("/dev/termination-log"))));
    f.push(("terminationMessagePolicy".into(), Exp::or_absent(Exp::str("File"))));
    f.push(("envFrom".into(), Exp::Any));
    closed(f)
}

fn env_list(items: Vec<(String, Exp)>) -> Exp {
    Exp::Keyed(Keyed { key: "name", items, extras: Extras::After })
}

fn acg_config() -> (String, Exp) {
    ("ACG_CONFIG".into(), Exp::closed(vec![("name", Exp::str("ACG_CONFIG")), ("value", Exp::str("/cdapp/cdappconfig.json"))]))
}

/// Template env entries; in env mode the profile's switch reads "false" in the containers the
/// profile applies to.
fn env_entries(list: &[Value], config: &AppConfig, raw_image: &str) -> Vec<(String, Exp)> {
    let forced = config.switch.as_deref().filter(|_| config.applies(raw_image));
    list.iter().map(|e| env_entry(e, forced)).collect()
}

/// One template env entry; `forced` names the env var whose value must read "false".
fn env_entry(e: &Value, forced: Option<&str>) -> (String, Exp) {
    let name = text(e.get("name"));
    let (key, body) = match get(e, "valueFrom") {
        Some(from) => {
            let mut from = from.clone();
            if let Some(Value::Object(fr)) = from.get_mut("fieldRef") {
                fr.entry("apiVersion").or_insert_with(|| Value::from("v1"));
            }
            ("valueFrom", Exp::exact(&from))
        }
        None => {
            let value = get(e, "value").map(as_text).unwrap_or_default();
            if forced == Some(name.as_str()) {
                ("value", Exp::str("false"))
            } else {
                let v = Exp::text_of(&Value::from(value.as_str()));
                ("value", if value.is_empty() { Exp::or_absent(v) } else { v })
            }
        }
    };
    (name.clone(), closed(vec![("name".into(), Exp::Text(name)), (key.into(), body)]))
}

/// Per key, the podSpec's quantity, else the environment default; `limits.cpu` only when one of
/// them has it, a zero quantity for any other key neither has. Other keys are dropped.
fn resources(spec: &Value, s: &Setting) -> Exp {
    let mut sections = Vec::new();
    for (section, defaults) in [("limits", &s.limits), ("requests", &s.requests)] {
        let mut fields = Vec::new();
        for key in ["cpu", "memory"] {
            let given = get(spec, &format!("resources.{section}.{key}")).map(as_text);
            let value = given.or_else(|| defaults.get(key).cloned()).or_else(|| (section != "limits" || key != "cpu").then(|| "0".to_string()));
            if let Some(v) = value {
                fields.push((key.to_string(), Exp::Text(v)));
            }
        }
        sections.push((section.to_string(), closed(fields)));
    }
    closed(sections)
}

/// A deployment probe: the user's with zero values defaulted, else Clowder's `/healthz` probe
/// for public (or deprecated `web`) deployments, else none.
fn deployment_probe(user: Option<&Value>, exposed: bool, delay: i64, s: &Setting) -> Exp {
    match user {
        Some(probe) => {
            let mut probe = probe.clone();
            if let Value::Object(m) = &mut probe {
                for (key, default) in [("successThreshold", 1), ("timeoutSeconds", 1), ("periodSeconds", 10), ("failureThreshold", 3)] {
                    let zero = match m.get(key) {
                        None | Some(Value::Null) => true,
                        Some(v) => v.as_f64() == Some(0.0),
                    };
                    if zero {
                        m.insert(key.into(), Value::from(default));
                    }
                }
            }
            Exp::exact(&probe)
        }
        None if exposed => Exp::closed(vec![
            ("httpGet", Exp::closed(vec![("path", Exp::str("/healthz")), ("port", Exp::Is(s.web_port.clone())), ("scheme", Exp::str("HTTP"))])),
            ("initialDelaySeconds", Exp::int(delay)),
            ("periodSeconds", Exp::int(30)),
            ("timeoutSeconds", Exp::int(1)),
            ("successThreshold", Exp::int(1)),
            ("failureThreshold", Exp::int(3)),
        ]),
        None => Exp::Absent,
    }
}

fn port(name: &str, number: &Value) -> (String, Exp) {
    (name.to_string(), Exp::closed(vec![("name", Exp::str(name)), ("containerPort", Exp::Is(number.clone())), ("protocol", Exp::or_absent(Exp::str("TCP")))]))
}

/// Container ports from the web and metrics providers: `web`, `private`, `metrics`; the
/// profile may say the app listens for its private API elsewhere (`app_private`).
fn deployment_ports(exposed: bool, private: bool, s: &Setting, app_private: Option<i64>) -> Vec<(String, Exp)> {
    let mut p = Vec::new();
    if exposed {
        p.push(port("web", &s.web_port));
    }
    if private {
        p.push(port("private", &app_private.map(Value::from).unwrap_or_else(|| s.private_port.clone())));
    }
    p.push(port("metrics", &s.metrics_port));
    p
}

/// User volumes (configMap/secret get defaultMode 420, except on CJI Jobs, which keep them as
/// given), then the config Secret in cdappconfig mode.
fn volumes(p: &PodInput) -> Exp {
    let default_mode = p.flavor != Flavor::Job;
    let mut list = Vec::new();
    for v in items(get(p.spec, "volumes")) {
        let mut v = v.clone();
        if default_mode {
            for kind in ["configMap", "secret"] {
                if let Some(Value::Object(src)) = v.get_mut(kind) {
                    src.entry("defaultMode").or_insert_with(|| Value::from(420));
                }
            }
        }
        list.push((text(v.get("name")), Exp::exact(&v)));
    }
    if p.config.cdappconfig {
        let mut secret = vec![("secretName", Exp::Text(p.app.to_string()))];
        if default_mode {
            secret.push(("defaultMode", Exp::int(420)));
        }
        list.push(("config-secret".into(), Exp::closed(vec![("name", Exp::str("config-secret")), ("secret", Exp::closed(secret))])));
    }
    Exp::Keyed(Keyed { key: "name", items: list, extras: Extras::Anywhere })
}

/// Init containers: `<name>-init` (or `<pod>-init`), main image unless given, the main
/// container's resources, mounts and pull policy; env by `inheritEnv`.
fn init_containers(p: &PodInput, main: &Main) -> Exp {
    let mut list = Vec::new();
    let raw_inits = items(get(p.raw_spec, "initContainers"));
    for (i, ic) in items(get(p.spec, "initContainers")).iter().enumerate() {
        let given = text(ic.get("name"));
        let name = if given.is_empty() { format!("{}-init", p.name) } else { format!("{given}-init") };
        let raw_image = raw_inits.get(i).and_then(|r| get(r, "image")).map(|v| text(Some(v))).unwrap_or_else(|| main.raw_image.clone());
        let own = env_entries(items(get(ic, "env")), p.config, &raw_image);
        let env = if truthy(get(ic, "inheritEnv")) {
            let mut e = own.clone();
            e.extend(main.env(p, &raw_image).into_iter().filter(|(n, _)| !own.iter().any(|(o, _)| o == n)));
            e
        } else {
            let mut e = if p.config.cdappconfig { vec![acg_config()] } else { Vec::new() };
            e.extend(own);
            e
        };
        let image = match get(ic, "image") {
            Some(i) => Exp::text_of(i),
            None => main.image.clone(),
        };
        list.push((
            name.clone(),
            container(vec![
                ("name", Exp::Text(name)),
                ("image", image),
                ("command", Exp::given(get(ic, "command"))),
                ("args", Exp::given(get(ic, "args"))),
                ("env", env_list(env)),
                ("resources", main.resources.clone()),
                ("volumeMounts", main.mounts.clone()),
                ("livenessProbe", Exp::Absent),
                ("readinessProbe", Exp::Absent),
                ("lifecycle", Exp::Absent),
                ("ports", Exp::Absent),
            ]),
        ));
    }
    Exp::Keyed(Keyed { key: "name", items: list, extras: Extras::None })
}

/// `machinePool` → one NoSchedule toleration; otherwise none.
fn tolerations(spec: &Value) -> Exp {
    match get(spec, "machinePool") {
        Some(mp) => Exp::List(vec![Exp::closed(vec![
            ("key", Exp::text_of(mp)),
            ("operator", Exp::str("Equal")),
            ("value", Exp::str("true")),
            ("effect", Exp::str("NoSchedule")),
        ])]),
        None => Exp::Absent,
    }
}

/// Preferred anti-affinity across zones (weight 100) and hosts (weight 99).
fn anti_affinity(labels: &[(String, String)]) -> Exp {
    let term = |weight: i64, key: &str| {
        Exp::closed(vec![
            ("weight", Exp::int(weight)),
            ("podAffinityTerm", Exp::closed(vec![("labelSelector", Exp::closed(vec![("matchLabels", Exp::closed_texts(labels))])), ("topologyKey", Exp::str(key))])),
        ])
    };
    Exp::closed(vec![(
        "podAntiAffinity",
        Exp::closed(vec![("preferredDuringSchedulingIgnoredDuringExecution", Exp::List(vec![term(100, "failure-domain.beta.kubernetes.io/zone"), term(99, "kubernetes.io/hostname")]))]),
    )])
}
