//! The environment profile: ports, resource defaults and switches that a ClowdEnvironment gives
//! Clowder. The built-in profile is `mappings/environment.yaml`; `--environment` reads a real
//! ClowdEnvironment instead.

use crate::error::InputError;
use crate::source::yaml::{self, Node};

pub const DEFAULT_PROFILE: &str = include_str!("../../mappings/environment.yaml");

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// Where it came from (file name, or "built-in").
    pub origin: String,
    pub web_port: i64,
    pub private_port: i64,
    pub metrics_port: i64,
    pub metrics_path: String,
    /// (key, quantity) for `limits.cpu`, `limits.memory`, `requests.cpu`, `requests.memory`.
    pub limits: Vec<(String, String)>,
    pub requests: Vec<(String, String)>,
    pub pull_secrets: Vec<String>,
    pub autoscaler_enabled: bool,
    pub token_refresher: bool,
    pub otel_collector: bool,
}

fn int_at(n: Option<&Node>, default: i64) -> i64 {
    match n.map(|n| &n.kind) {
        Some(yaml::Kind::Int(i)) if *i != 0 => *i,
        _ => default,
    }
}

fn quantities(n: Option<&Node>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for key in ["cpu", "memory"] {
        if let Some(v) = n.and_then(|n| n.get(key)).and_then(Node::scalar_text) {
            out.push((key.to_string(), v));
        }
    }
    out
}

impl Environment {
    pub fn builtin() -> Environment {
        Self::from_profile("built-in", DEFAULT_PROFILE).expect("the built-in environment profile is valid")
    }

    /// Our own profile format (mappings/environment.yaml).
    pub fn from_profile(origin: &str, text: &str) -> Result<Environment, InputError> {
        let docs = yaml::load_documents(origin, text)?;
        let root = docs.first().ok_or_else(|| InputError::whole(origin, "environment profile is empty"))?;
        let rd = root.get("resourceDefaults");
        Ok(Environment {
            origin: origin.to_string(),
            web_port: int_at(root.get("web").and_then(|w| w.get("port")), 8000),
            private_port: int_at(root.get("web").and_then(|w| w.get("privatePort")), 10000),
            metrics_port: int_at(root.get("metrics").and_then(|w| w.get("port")), 9000),
            metrics_path: root.get("metrics").and_then(|m| m.get("path")).and_then(Node::scalar_text).unwrap_or_else(|| "/metrics".into()),
            limits: quantities(rd.and_then(|r| r.get("limits"))),
            requests: quantities(rd.and_then(|r| r.get("requests"))),
            pull_secrets: root.get("pullSecrets").map(|p| p.items().iter().filter_map(Node::scalar_text).collect()).unwrap_or_default(),
            autoscaler_enabled: root.get("autoScaler").and_then(Node::as_str).map(|m| m == "enabled" || m == "keda").unwrap_or(true),
            token_refresher: root.get("sidecars").and_then(|s| s.get("tokenRefresher")).map(|n| n.kind == yaml::Kind::Bool(true)).unwrap_or(false),
            otel_collector: root.get("sidecars").and_then(|s| s.get("otelCollector")).map(|n| n.kind == yaml::Kind::Bool(true)).unwrap_or(false),
        })
    }

    /// A real `ClowdEnvironment` object (cloud.redhat.com/v1alpha1).
    pub fn from_clowd_environment(origin: &str, text: &str) -> Result<Environment, InputError> {
        let docs = yaml::load_documents(origin, text)?;
        let env = docs
            .iter()
            .find(|d| d.get("kind").and_then(Node::as_str) == Some("ClowdEnvironment"))
            .ok_or_else(|| InputError::whole(origin, "no ClowdEnvironment object found").hint("pass a file holding a kind: ClowdEnvironment object"))?;
        let providers = env.get("spec").and_then(|s| s.get("providers"));
        let web = providers.and_then(|p| p.get("web"));
        let metrics = providers.and_then(|p| p.get("metrics"));
        let rd = env.get("spec").and_then(|s| s.get("resourceDefaults"));
        let sidecars = providers.and_then(|p| p.get("sidecars"));
        let enabled = |n: Option<&Node>| n.and_then(|n| n.get("enabled")).map(|e| e.kind == yaml::Kind::Bool(true)).unwrap_or(false);
        Ok(Environment {
            origin: origin.to_string(),
            web_port: int_at(web.and_then(|w| w.get("port")), 8000),
            private_port: int_at(web.and_then(|w| w.get("privatePort")), 10000),
            metrics_port: int_at(metrics.and_then(|m| m.get("port")), 9000),
            metrics_path: metrics.and_then(|m| m.get("path")).and_then(Node::scalar_text).unwrap_or_default(),
            limits: quantities(rd.and_then(|r| r.get("limits"))),
            requests: quantities(rd.and_then(|r| r.get("requests"))),
            pull_secrets: providers
                .and_then(|p| p.get("pullSecrets"))
                .map(|l| l.items().iter().filter_map(|s| s.get("name").and_then(Node::scalar_text)).collect())
                .unwrap_or_default(),
            autoscaler_enabled: providers
                .and_then(|p| p.get("autoScaler"))
                .and_then(|a| a.get("mode"))
                .and_then(Node::as_str)
                .map(|m| m == "enabled" || m == "keda")
                .unwrap_or(false),
            token_refresher: enabled(sidecars.and_then(|s| s.get("tokenRefresher"))),
            otel_collector: enabled(sidecars.and_then(|s| s.get("otelCollector"))),
        })
    }

    pub fn default_limit(&self, key: &str) -> Option<&str> {
        self.limits.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    pub fn default_request(&self, key: &str) -> Option<&str> {
        self.requests.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_clowd_environment() {
        let text = "apiVersion: cloud.redhat.com/v1alpha1\nkind: ClowdEnvironment\nmetadata: {name: e}\nspec:\n  providers:\n    web: {port: 8080, privatePort: 0}\n    metrics: {port: 9001, path: /m}\n    autoScaler: {mode: none}\n  resourceDefaults:\n    limits: {cpu: 1, memory: 1Gi}\n    requests: {cpu: 100m, memory: 512Mi}\n";
        let e = Environment::from_clowd_environment("e.yaml", text).unwrap();
        assert_eq!((e.web_port, e.private_port, e.metrics_port), (8080, 10000, 9001));
        assert_eq!(e.default_limit("cpu"), Some("1"));
        assert!(!e.autoscaler_enabled);
        let b = Environment::builtin();
        assert_eq!((b.web_port, b.private_port, b.metrics_port), (8000, 10000, 9000));
        assert_eq!(b.default_request("memory"), Some("128Mi"));
    }
}
