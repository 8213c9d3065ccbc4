//! The report's data file, `mappings/env-categories.yaml`: env var categories, host-like env
//! names, what a referenced service is, and how workloads are sorted into categories.

use crate::error::InputError;
use serde::Deserialize;

/// The copy built into the binary.
pub const BUILTIN: &str = include_str!("../../mappings/env-categories.yaml");
pub const BUILTIN_NAME: &str = "mappings/env-categories.yaml";

#[derive(Debug, Clone, Deserialize)]
pub struct Categories {
    pub env: Vec<EnvCategory>,
    pub host_env: HostEnv,
    #[serde(default)]
    pub services: Vec<ServiceRule>,
    pub components: Vec<ComponentRule>,
    #[serde(default)]
    pub component_titles: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnvCategory {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub prefixes: Vec<String>,
    #[serde(default)]
    pub suffixes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HostEnv {
    pub suffixes: Vec<String>,
    #[serde(default)]
    pub ignore_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceRule {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub prefixes: Vec<String>,
    pub what: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ComponentRule {
    pub category: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub queues: Option<bool>,
    #[serde(default)]
    pub web: Option<bool>,
}

/// What the component rules look at.
#[derive(Debug, Clone, Default)]
pub struct Traits<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub image: &'a str,
    pub command: &'a str,
    pub has_queues: bool,
    pub web: bool,
}

impl Categories {
    pub fn builtin() -> Categories {
        Categories::parse(BUILTIN_NAME, BUILTIN).expect("the built-in mappings/env-categories.yaml is valid")
    }

    pub fn parse(file: &str, text: &str) -> Result<Categories, InputError> {
        let docs = crate::source::yaml::load_documents(file, text)?;
        let doc = docs.into_iter().next().ok_or_else(|| InputError::whole(file, "empty categories file"))?;
        let c: Categories = serde_json::from_value(doc.to_json()).map_err(|e| InputError::whole(file, format!("not a categories file: {e}")).hint(format!("start from a copy of {BUILTIN_NAME}")))?;
        if !c.env.iter().any(|e| e.id == "other") {
            return Err(InputError::whole(file, "the env categories need an `other` category for names no rule matches"));
        }
        Ok(c)
    }

    /// The category id of an env var name.
    pub fn env_category(&self, name: &str) -> &EnvCategory {
        if let Some(c) = self.env.iter().find(|c| c.names.iter().any(|n| n == name)) {
            return c;
        }
        let best = |pick: &dyn Fn(&EnvCategory) -> Option<usize>| self.env.iter().filter_map(|c| pick(c).map(|l| (l, c))).max_by_key(|(l, _)| *l).map(|(_, c)| c);
        if let Some(c) = best(&|c| c.prefixes.iter().filter(|p| name.starts_with(p.as_str())).map(|p| p.len()).max()) {
            return c;
        }
        if let Some(c) = best(&|c| c.suffixes.iter().filter(|s| name.ends_with(s.as_str())).map(|s| s.len()).max()) {
            return c;
        }
        self.env.iter().find(|c| c.id == "other").expect("checked at load")
    }

    pub fn env_title(&self, id: &str) -> String {
        self.env.iter().find(|c| c.id == id).map(|c| c.title.clone()).unwrap_or_else(|| id.to_string())
    }

    /// Does this env var name hold a host, URL or endpoint?
    pub fn is_host_env(&self, name: &str) -> bool {
        self.host_env.suffixes.iter().any(|s| name.ends_with(s.as_str()))
    }

    pub fn ignored_host(&self, host: &str) -> bool {
        self.host_env.ignore_hosts.iter().any(|h| h == host)
    }

    /// What a host-like env var points at, when the data knows.
    pub fn service_kind(&self, env: &str) -> Option<&str> {
        self.services
            .iter()
            .filter_map(|r| {
                let exact = r.names.iter().any(|n| n == env).then_some(usize::MAX);
                let pre = r.prefixes.iter().filter(|p| env.starts_with(p.as_str())).map(|p| p.len()).max();
                exact.or(pre).map(|l| (l, r.what.as_str()))
            })
            .max_by_key(|(l, _)| *l)
            .map(|(_, w)| w)
    }

    /// The component category of a workload.
    pub fn component_category(&self, t: &Traits) -> String {
        let tokens: Vec<String> = t.name.to_ascii_lowercase().split(['-', '_', '.']).map(str::to_string).collect();
        let image = image_repo(&t.image.to_ascii_lowercase());
        let command = t.command.to_ascii_lowercase();
        for r in &self.components {
            let ok = (r.kinds.is_empty() || r.kinds.iter().any(|k| k.eq_ignore_ascii_case(t.kind)))
                && (r.images.is_empty() || r.images.iter().any(|i| image.contains(i.as_str())))
                && (r.commands.is_empty() || r.commands.iter().any(|c| command.contains(c.as_str())))
                && (r.names.is_empty() || r.names.iter().any(|n| tokens.iter().any(|t| t == n)))
                && r.queues.is_none_or(|q| q == t.has_queues)
                && r.web.is_none_or(|w| w == t.web);
            if ok {
                return r.category.clone();
            }
        }
        "other".into()
    }

    pub fn component_title(&self, id: &str) -> String {
        self.component_titles.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// Category ids in the order the data lists them (tables follow it).
    pub fn component_order(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.components {
            if !out.contains(&r.category) {
                out.push(r.category.clone());
            }
        }
        // Application components first, infrastructure after.
        let app = ["api", "proxy", "worker", "scheduler", "listener", "job", "other"];
        let mut sorted: Vec<String> = app.iter().filter(|a| out.iter().any(|o| o == *a)).map(|s| s.to_string()).collect();
        sorted.extend(out.into_iter().filter(|o| !app.contains(&o.as_str())));
        sorted
    }
}

/// The repository part of an image reference (no registry host, no tag or digest), lowercase:
/// `quay.io/org/koku:latest` → `org/koku`.
pub fn image_repo(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = no_digest.split('/').collect();
    if let Some(last) = parts.last_mut()
        && let Some((name, _tag)) = last.rsplit_once(':')
    {
        *last = name;
    }
    if parts.len() > 1 && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost") {
        parts.remove(0);
    }
    parts.join("/").to_ascii_lowercase()
}

/// The last path segment of the repository (`koku`).
pub fn image_name(image: &str) -> String {
    image_repo(image).rsplit('/').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_and_categorises() {
        let c = Categories::builtin();
        assert_eq!(c.env_category("DJANGO_LOG_LEVEL").id, "django");
        assert_eq!(c.env_category("CELERY_LOG_LEVEL").id, "celery");
        assert_eq!(c.env_category("KOKU_LOG_LEVEL").id, "logging");
        assert_eq!(c.env_category("TRINO_HOST").id, "trino");
        assert_eq!(c.env_category("SOMETHING_ELSE").id, "other");
        assert!(c.is_host_env("TRINO_HOST"));
        assert_eq!(c.service_kind("TRINO_HOST"), Some("Trino query engine (coordinator)"));
        assert_eq!(c.service_kind("PROMETHEUS_PUSHGATEWAY"), Some("Prometheus Pushgateway"));
        assert_eq!(image_repo("quay.io/org/koku:latest"), "org/koku");
        assert_eq!(image_repo("postgres:16"), "postgres");
        assert_eq!(image_name("registry:5000/a/b/valkey@sha256:00"), "valkey");
        let t = Traits { kind: "StatefulSet", name: "db-ros", image: "quay.io/sclorg/postgresql-16-c9s:latest", ..Default::default() };
        assert_eq!(c.component_category(&t), "database");
        let t = Traits { kind: "Deployment", name: "clowder-worker-ocp", has_queues: true, ..Default::default() };
        assert_eq!(c.component_category(&t), "worker");
    }
}
