//! What the report needs to know about each workload, evaluated once at the chart's defaults,
//! and the small readings of commands, env values and hosts that several sections share.

use crate::model::eval::Eval;
use crate::model::{Container, EnvValue, EnvVar, Val, Workload};
use serde::Serialize;

/// A workload's web services.
#[derive(Debug, Clone, Serialize)]
pub struct Web {
    pub private: bool,
    pub public: bool,
    pub service: Option<String>,
}

/// Everything the report needs to know about a workload, evaluated once.
pub struct WorkloadFacts<'a> {
    pub w: &'a Workload,
    pub name: String,
    pub image: String,
    pub command: String,
    pub queues: Vec<String>,
    pub consumes: bool,
    pub web: Web,
}

impl<'a> WorkloadFacts<'a> {
    pub fn of(ev: &Eval, w: &'a Workload) -> WorkloadFacts<'a> {
        let main = w.main();
        let name = ev.text_or_display(&w.name);
        let image = ev.string(&main.image).unwrap_or_else(|| display_val(&main.image));
        let words = command_words(ev, main);
        let command = summarize_command(&words);
        let (queues, consumes) = worker_queues(&words, |n| env_value(ev, main, n));
        let web = match &w.service {
            Some(s) => Web {
                public: s.ports.iter().any(|p| p.name == "public"),
                private: s.ports.iter().any(|p| p.name == "private"),
                service: Some(ev.text_or_display(&s.name)),
            },
            None => Web { public: false, private: false, service: None },
        };
        WorkloadFacts { w, name, image, command, queues, consumes, web }
    }
}

/// A value's symbolic form, for when it has no default.
pub fn display_val(v: &Val) -> String {
    match v {
        Val::Str(t) => t.display(),
        Val::Typed(n) => format!("${{{{{n}}}}}"),
        Val::ValueRef(p) => format!("<{p}>"),
        Val::Int(i) => i.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Float(f) => f.clone(),
        Val::Null => String::new(),
        Val::Generated(g) => format!("<generated {}>", g.param.as_deref().unwrap_or(&g.key)),
        Val::If(..) => "<conditional>".into(),
        Val::SecretValue { secret, key } => format!("<secret {}/{}>", secret.display(), key.display()),
        Val::ConfigJson(_) | Val::ConfigHash(_) | Val::Include { .. } => "<config>".into(),
        Val::Image { image, .. } => display_val(image),
        Val::Splice(paths) => format!("<{}>", paths.join(" + ")),
        Val::Seq(items) => items.iter().map(|i| display_val(&i.val)).collect::<Vec<_>>().join(" "),
        Val::Map(_) => "<map>".into(),
    }
}

/// A value at defaults, or its symbolic form.
pub fn shown(ev: &Eval, v: &Val) -> String {
    ev.string(v).unwrap_or_else(|| display_val(v))
}

/// The env var is rendered with the chart's defaults.
pub fn rendered(ev: &Eval, e: &EnvVar) -> bool {
    e.when.as_ref().is_none_or(|c| ev.cond(c))
}

/// The last rendered literal value of env var `name` in a container.
pub fn env_value(ev: &Eval, c: &Container, name: &str) -> Option<String> {
    // The name first: the condition is the costly test.
    c.env.iter().rev().find(|e| e.name == name && rendered(ev, e)).and_then(|e| match &e.value {
        EnvValue::Value(v) => ev.string(v),
        EnvValue::From(_) => None,
    })
}

/// `secret NAME/KEY`, `configmap NAME/KEY`, `field PATH`, `resource NAME`.
pub fn from_text(ev: &Eval, v: &Val) -> String {
    let s = |v: Option<&Val>| v.map(|v| shown(ev, v)).unwrap_or_default();
    if let Some(r) = v.get("secretKeyRef") {
        format!("secret {}/{}", s(r.get("name")), s(r.get("key")))
    } else if let Some(r) = v.get("configMapKeyRef") {
        format!("configmap {}/{}", s(r.get("name")), s(r.get("key")))
    } else if let Some(r) = v.get("fieldRef") {
        format!("field {}", s(r.get("fieldPath")))
    } else if let Some(r) = v.get("resourceFieldRef") {
        format!("resource {}", s(r.get("resource")))
    } else {
        "valueFrom".into()
    }
}

/// Command and args at defaults, as words.
fn command_words(ev: &Eval, c: &Container) -> Vec<String> {
    let mut out = Vec::new();
    for v in c.command.iter().chain(&c.args) {
        match v {
            Val::Seq(items) => out.extend(items.iter().map(|i| shown(ev, &i.val))),
            other => out.push(shown(ev, other)),
        }
    }
    out
}

/// `/bin/bash -c SCRIPT` → the script; whitespace collapsed.
pub fn summarize_command(words: &[String]) -> String {
    let shell = words.len() >= 3 && (words[0].ends_with("sh") || words[0].ends_with("bash")) && words[1] == "-c";
    let text = if shell { words[2..].join(" ") } else { words.join(" ") };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Worker queues: the `-Q`/`--queues` argument (a `$VAR` resolved through the container's env),
/// else the `WORKER_QUEUES` env var. The bool says whether the command consumes them.
pub fn worker_queues(words: &[String], env: impl Fn(&str) -> Option<String>) -> (Vec<String>, bool) {
    let tokens: Vec<String> = words.iter().flat_map(|w| w.split_whitespace().map(|t| t.trim_matches(|c| c == '"' || c == '\'').to_string())).collect();
    let mut arg: Option<String> = None;
    for (i, t) in tokens.iter().enumerate() {
        if t == "-Q" || t == "--queues" {
            arg = tokens.get(i + 1).cloned();
        } else if let Some(v) = t.strip_prefix("--queues=").or_else(|| t.strip_prefix("-Q=")) {
            arg = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix("-Q").filter(|v| !v.is_empty() && !v.starts_with('=')) {
            arg = Some(v.to_string());
        }
    }
    let split = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = s.split(',').map(|q| q.trim().to_string()).filter(|q| !q.is_empty()).collect();
        v.dedup();
        v
    };
    if let Some(a) = arg {
        let var = a.strip_prefix("${").and_then(|v| v.strip_suffix('}')).or_else(|| a.strip_prefix('$'));
        let resolved = match var {
            Some(v) => env(v).unwrap_or_default(),
            None => a,
        };
        return (split(&resolved), true);
    }
    match env("WORKER_QUEUES").or_else(|| env("WORKER_QUEUE")) {
        Some(v) => (split(&v), false),
        None => (Vec::new(), false),
    }
}

/// Env names that hold credentials: their values never appear in a report.
pub fn secret_like(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "_KEY", "CREDENTIAL", "DSN", "PRIVATE", "PSK"].iter().any(|w| n.contains(w))
}

/// A value for a report: the user and password of a URL (`scheme://user:pass@host`) removed.
pub fn redact_url(value: &str) -> String {
    match (value.find("://"), value.find('@')) {
        (Some(i), Some(at)) if at > i && !value[i + 3..at].contains('/') => format!("{}://…@{}", &value[..i], &value[at + 1..]),
        _ => value.to_string(),
    }
}

/// Split a host-like value into host and port: `http://h:1/x`, `h:1`, `h`.
pub fn host_port(value: &str) -> Option<(String, Option<String>)> {
    let v = value.trim();
    if v.is_empty() || v.starts_with('/') || v.contains(char::is_whitespace) {
        return None;
    }
    let rest = match v.find("://") {
        Some(i) => &v[i + 3..],
        None => v,
    };
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p.to_string())),
        _ => (hostport, None),
    };
    let ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') && host.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    ok.then(|| (host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_from_q_and_env() {
        let words: Vec<String> = ["/bin/bash", "-c", "celery -A koku worker -E -Q $WORKER_QUEUES\n"].iter().map(|s| s.to_string()).collect();
        let (q, consumes) = worker_queues(&words, |n| (n == "WORKER_QUEUES").then(|| "a,b".to_string()));
        assert_eq!((q, consumes), (vec!["a".to_string(), "b".to_string()], true));
        let words: Vec<String> = ["celery", "worker", "-Q", "download"].iter().map(|s| s.to_string()).collect();
        assert_eq!(worker_queues(&words, |_| None), (vec!["download".to_string()], true));
        let words: Vec<String> = ["celery", "worker", "--queues=x,y"].iter().map(|s| s.to_string()).collect();
        assert_eq!(worker_queues(&words, |_| None).0, vec!["x".to_string(), "y".to_string()]);
        assert_eq!(worker_queues(&[], |n| (n == "WORKER_QUEUES").then(|| "z".to_string())), (vec!["z".to_string()], false));
    }

    #[test]
    fn host_ports() {
        assert_eq!(host_port("trino-coordinator"), Some(("trino-coordinator".into(), None)));
        assert_eq!(host_port("prometheus-pushgateway:9091"), Some(("prometheus-pushgateway".into(), Some("9091".into()))));
        assert_eq!(host_port("https://user@s3.amazonaws.com:443/x"), Some(("s3.amazonaws.com".into(), Some("443".into()))));
        assert_eq!(host_port("/api/v1"), None);
        assert_eq!(host_port(""), None);
        assert_eq!(summarize_command(&["/bin/bash".into(), "-c".into(), "a  b\n c\n".into()]), "a b c");
        assert_eq!(redact_url("redis://:pw@cache:6379/0"), "redis://…@cache:6379/0");
        assert_eq!(redact_url("https://s3.example.com/a@b"), "https://s3.example.com/a@b");
        assert!(secret_like("DATABASE_PASSWORD") && secret_like("AWS_SECRET_ACCESS_KEY") && !secret_like("MASU"));
    }
}
