//! App profiles: which env var an app reads for each Clowder-provided value. Data, not code:
//! `mappings/profiles/*.yaml`, read at run time, with the built-in copies embedded as defaults.

use crate::error::InputError;
use crate::source::yaml;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const BUILTIN: &[(&str, &str)] = &[
    ("koku", include_str!("../../mappings/profiles/koku.yaml")),
    ("generic", include_str!("../../mappings/profiles/generic.yaml")),
];

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub apps: Vec<String>,
    #[serde(default = "default_mode")]
    pub default_config_mode: String,
    /// Env var forced to "false" in env mode (Koku: CLOWDER_ENABLED).
    #[serde(default)]
    pub clowder_switch: String,
    #[serde(default)]
    pub containers: ContainerFilter,
    /// Ports the app listens on in env mode when they differ from Clowder's (Koku binds its
    /// private API to 8000 without cdappconfig). Keys: `private`.
    #[serde(default)]
    pub app_ports: BTreeMap<String, i64>,
    #[serde(default)]
    pub providers: Providers,
    /// Env vars that are settings of the whole app (values `appEnv.<NAME>`), with a description.
    #[serde(default)]
    pub app_env: BTreeMap<String, String>,
    /// Named values layers (`standalone`), each written to its own values file.
    #[serde(default)]
    pub layers: BTreeMap<String, Layer>,
    /// Components that cannot run without a provider (`kafka: [listener]`): rendered only when
    /// the provider is bundled or external.
    #[serde(default)]
    pub requires: BTreeMap<String, Vec<String>>,
    /// What the identity gateway puts in `x-rh-identity` for this app (docs/operating.md).
    #[serde(default)]
    pub identity: Identity,
    /// Where it was read from (file path or `built-in`).
    #[serde(skip)]
    pub origin: String,
}

fn default_mode() -> String {
    "env".into()
}

/// A set of values for one way of installing the chart (docs/profiles.md, "Layers").
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layer {
    /// File name beside values.yaml; default `values-<layer>.yaml`.
    pub file: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Values, as in a values file.
    pub values: serde_json::Value,
}

/// Defaults of the gateway's identity for an app: the entitlements the app checks, and whether
/// a user without an org-admin claim or role counts as org admin.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identity {
    #[serde(default)]
    pub entitlements: Vec<String>,
    #[serde(default)]
    pub org_admin_by_default: bool,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerFilter {
    /// Only containers whose image uses one of these parameters; empty = every container.
    #[serde(default)]
    pub image_parameters: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Providers {
    pub database: Option<EnvBlock>,
    pub in_memory_db: Option<EnvBlock>,
    pub kafka: Option<EnvBlock>,
    pub object_store: Option<EnvBlock>,
    pub feature_flags: Option<EnvBlock>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
    /// For dependencies the profile does not list; `{APP}` in names is replaced.
    pub dependency_default: Option<EnvBlock>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvBlock {
    #[serde(default)]
    pub env: Vec<EnvSpec>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// The dependency's deployment whose Service this app calls (`<app>-<deployment>`).
    pub deployment: Option<String>,
    #[serde(default)]
    pub env: Vec<EnvSpec>,
}

/// One env var: a literal, or a connection setting (`from`) the provider computes.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    pub name: String,
    pub from: Option<String>,
    pub literal: Option<String>,
}

impl Profile {
    pub fn parse(origin: &str, text: &str) -> Result<Profile, InputError> {
        let docs = yaml::load_documents(origin, text)?;
        let doc = docs.first().ok_or_else(|| InputError::whole(origin, "the profile is empty"))?;
        let mut p: Profile = serde_json::from_value(doc.to_json()).map_err(|e| InputError::whole(origin, format!("not a valid profile: {e}")).hint("see docs/profiles.md for the profile format"))?;
        for spec in p.all_specs() {
            if spec.from.is_some() == spec.literal.is_some() {
                return Err(InputError::whole(origin, format!("env `{}` needs exactly one of `from` or `literal`", spec.name)));
            }
        }
        p.origin = origin.to_string();
        Ok(p)
    }

    fn all_specs(&self) -> Vec<&EnvSpec> {
        let pr = &self.providers;
        let blocks = [&pr.database, &pr.in_memory_db, &pr.kafka, &pr.object_store, &pr.feature_flags, &pr.dependency_default];
        let mut v: Vec<&EnvSpec> = blocks.iter().filter_map(|b| b.as_ref()).flat_map(|b| b.env.iter()).collect();
        v.extend(pr.dependencies.values().flat_map(|d| d.env.iter()));
        v
    }
}

/// Folder with profile files that override the built-in ones: `$CLOWD2HELM_MAPPINGS/profiles`.
/// Only when asked for: a `mappings/` folder that happens to be in the working directory must
/// not change the chart (the same input and options give the same output anywhere).
fn profile_dir() -> Option<PathBuf> {
    std::env::var_os("CLOWD2HELM_MAPPINGS").filter(|d| !d.is_empty()).map(|d| PathBuf::from(d).join("profiles"))
}

fn load_named(name: &str) -> Result<Option<Profile>, InputError> {
    if let Some(dir) = profile_dir() {
        let file = dir.join(format!("{name}.yaml"));
        if file.is_file() {
            let text = std::fs::read_to_string(&file).map_err(|e| InputError::whole(&file.display().to_string(), format!("cannot read: {e}")))?;
            return Profile::parse(&file.display().to_string(), &text).map(Some);
        }
    }
    match BUILTIN.iter().position(|(n, _)| *n == name) {
        Some(i) => builtin(i).map(Some),
        None => Ok(None),
    }
}

/// A built-in profile, parsed once per process: selection runs for every ClowdApp and reads
/// every profile, and the built-in texts never change.
fn builtin(i: usize) -> Result<Profile, InputError> {
    static PARSED: OnceLock<Vec<Result<Profile, InputError>>> = OnceLock::new();
    PARSED.get_or_init(|| BUILTIN.iter().map(|(n, text)| Profile::parse(&format!("built-in profile {n}"), text)).collect())[i].clone()
}

/// All profiles that can be auto-selected: files in the profile folder, then built-ins not
/// shadowed by a file.
fn all_profiles() -> Result<Vec<Profile>, InputError> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(dir) = profile_dir()
        && let Ok(rd) = std::fs::read_dir(&dir) {
            let mut extra: Vec<String> = rd.filter_map(|e| e.ok()).filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".yaml")).map(str::to_string)).collect();
            extra.sort();
            for n in extra {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    let mut out = Vec::new();
    for n in names {
        if let Some(p) = load_named(&n)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// How the profile was chosen (reported as a finding).
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Explicit,
    ByAppName,
    Fallback,
}

/// `--profile NAME|FILE`, or the profile whose `apps` lists this ClowdApp, or `generic`.
pub fn select(requested: Option<&str>, app: &str) -> Result<(Profile, Choice), InputError> {
    if let Some(r) = requested {
        let looks_like_file = r.contains('/') || r.ends_with(".yaml") || r.ends_with(".yml");
        if looks_like_file || Path::new(r).is_file() {
            let text = std::fs::read_to_string(r).map_err(|e| InputError::whole(r, format!("cannot read profile: {e}")))?;
            return Ok((Profile::parse(r, &text)?, Choice::Explicit));
        }
        return match load_named(r)? {
            Some(p) => Ok((p, Choice::Explicit)),
            None => Err(InputError::whole(r, format!("no profile named `{r}`")).hint("use koku, generic, or a path to a profile file")),
        };
    }
    let all = all_profiles()?;
    if let Some(p) = all.iter().find(|p| p.apps.iter().any(|a| a == app)) {
        return Ok((p.clone(), Choice::ByAppName));
    }
    let generic = load_named("generic")?.expect("the generic profile is built in");
    Ok((generic, Choice::Fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_parse() {
        for (n, text) in BUILTIN {
            let p = Profile::parse(n, text).unwrap();
            assert_eq!(&p.name, n);
        }
    }

    #[test]
    fn rejects_unknown_fields_and_ambiguous_env() {
        assert!(Profile::parse("p", "name: x\nprovidrs: {}\n").is_err());
        let e = Profile::parse("p", "name: x\nproviders:\n  database:\n    env:\n    - {name: A, from: host, literal: x}\n").unwrap_err();
        assert!(e.message.contains("exactly one"));
    }
}
