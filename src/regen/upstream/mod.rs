//! `clowd2helm diff OLD NEW`: what an upstream change of the template does to the chart.
//!
//! Both inputs are mapped into models with the same options and the models are compared, so the
//! summary speaks of workloads, env vars and parameters rather than of YAML lines; the unified
//! diff of the chart files follows for the details.

pub mod show;
pub mod text;
mod workload;

use super::filediff::{self, Status};
use crate::chart::Files;
use crate::model::{InfraNeed, Model, ParamValue};
use serde::Serialize;
pub use workload::{ContainerChange, SecretRef, WorkloadChange};

/// A value that appeared, disappeared or changed (shown in its one-line form).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

impl Change {
    pub fn between(old: Option<String>, new: Option<String>) -> Option<Change> {
        let change = match (&old, &new) {
            (None, None) => return None,
            (Some(a), Some(b)) if a == b => return None,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        Some(Change { change, old, new })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Named {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NamedChange {
    pub name: String,
    pub old: String,
    pub new: String,
}

/// Differences between two lists of named things (env vars, volumes, annotations).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Keyed {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<Named>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Named>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<NamedChange>,
}

impl Keyed {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Compare `(name, value)` lists; a repeated name is told apart by its occurrence (`X (2)`).
    pub fn between(old: Vec<(String, String)>, new: Vec<(String, String)>) -> Keyed {
        let (old, new) = (disambiguate(old), disambiguate(new));
        let mut k = Keyed::default();
        for (name, value) in &new {
            match old.iter().find(|(n, _)| n == name) {
                None => k.added.push(Named { name: name.clone(), value: value.clone() }),
                Some((_, o)) if o != value => k.changed.push(NamedChange { name: name.clone(), old: o.clone(), new: value.clone() }),
                _ => {}
            }
        }
        for (name, value) in &old {
            if !new.iter().any(|(n, _)| n == name) {
                k.removed.push(Named { name: name.clone(), value: value.clone() });
            }
        }
        k
    }
}

fn disambiguate(list: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(list.len());
    for (name, value) in list {
        let seen = out.iter().filter(|(n, _)| n == &name || n.starts_with(&format!("{name} ("))).count();
        let name = if seen == 0 { name } else { format!("{name} ({})", seen + 1) };
        out.push((name, value));
    }
    out
}

/// Added and removed members of a set, in the order of the list they come from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SetChange<T: Serialize> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<T>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<T>,
}

impl<T: Serialize + PartialEq + Clone> SetChange<T> {
    pub fn between(old: &[T], new: &[T]) -> SetChange<T> {
        SetChange { added: new.iter().filter(|x| !old.contains(x)).cloned().collect(), removed: old.iter().filter(|x| !new.contains(x)).cloned().collect() }
    }
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorkloadRef {
    /// The object name (`<app>-<deployment>`), parameters written `${NAME}`.
    pub name: String,
    pub kind: &'static str,
    /// The deployment or job name inside the ClowdApp.
    pub component: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Workloads {
    pub added: Vec<WorkloadRef>,
    pub removed: Vec<WorkloadRef>,
    pub changed: Vec<WorkloadChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParamRef {
    pub name: String,
    /// The template default (`value:`), if any.
    pub default: Option<String>,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefaultChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Parameters {
    pub added: Vec<ParamRef>,
    pub removed: Vec<ParamRef>,
    pub default_changed: Vec<DefaultChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InfraRef {
    pub provider: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InfraChange {
    pub provider: String,
    pub detail: String,
    /// What is needed, when that changed (`Kafka with topics ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_change: Option<Change>,
    /// Workloads that receive its settings.
    #[serde(skip_serializing_if = "SetChange::is_empty")]
    pub used_by: SetChange<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundled_switch: Option<Change>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Infrastructure {
    pub added: Vec<InfraRef>,
    pub removed: Vec<InfraRef>,
    pub changed: Vec<InfraChange>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

/// The whole answer of `diff`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub old: String,
    pub new: String,
    /// Anything at all differs (the command's exit code).
    pub changed: bool,
    pub workloads: Workloads,
    pub parameters: Parameters,
    pub infrastructure: Infrastructure,
    pub files: FileChanges,
    /// Unified diff of the chart files, old → new.
    pub diff: String,
}

/// Compare two models mapped with the same options; `chart_version` is used for both charts.
pub fn compare(old: &Model, new: &Model, chart_version: &str) -> Summary {
    // The chart records its input's file name; a regeneration replaces the template in place, so
    // both charts are rendered under the new name and the file diff shows content changes only.
    let mut old_renamed = old.clone();
    old_renamed.input_file = new.input_file.clone();
    let (old_files, new_files): (Files, Files) = (crate::chart::build(&old_renamed, chart_version), crate::chart::build(new, chart_version));
    let mut files = FileChanges::default();
    for (path, status) in filediff::changes(&old_files, &new_files) {
        match status {
            Status::Added => files.added.push(path),
            Status::Removed => files.removed.push(path),
            Status::Changed => files.changed.push(path),
        }
    }
    let mut s = Summary {
        old: old.input_file.clone(),
        new: new.input_file.clone(),
        changed: false,
        workloads: workload::compare_all(old, new),
        parameters: parameters(&old.parameters, &new.parameters),
        infrastructure: infrastructure(&old.infrastructure, &new.infrastructure),
        diff: filediff::unified_all(&old_files, &new_files),
        files,
    };
    s.changed = !(s.workloads.added.is_empty()
        && s.workloads.removed.is_empty()
        && s.workloads.changed.is_empty()
        && s.parameters.added.is_empty()
        && s.parameters.removed.is_empty()
        && s.parameters.default_changed.is_empty()
        && s.infrastructure.added.is_empty()
        && s.infrastructure.removed.is_empty()
        && s.infrastructure.changed.is_empty()
        && s.diff.is_empty());
    s
}

fn param_ref(p: &ParamValue) -> ParamRef {
    ParamRef { name: p.param.name.clone(), default: p.param.value.clone(), required: p.param.required }
}

fn parameters(old: &[ParamValue], new: &[ParamValue]) -> Parameters {
    let find = |list: &[ParamValue], name: &str| list.iter().find(|p| p.param.name == name).cloned();
    let mut out = Parameters::default();
    for p in new {
        match find(old, &p.param.name) {
            None => out.added.push(param_ref(p)),
            Some(o) if o.param.value != p.param.value => out.default_changed.push(DefaultChange { name: p.param.name.clone(), old: o.param.value.clone(), new: p.param.value.clone() }),
            _ => {}
        }
    }
    out.removed = old.iter().filter(|p| find(new, &p.param.name).is_none()).map(param_ref).collect();
    out
}

/// Needs are matched by provider, app and the values that configure them (the detail, such as a
/// topic list, may change without the need being a new one).
fn infrastructure(old: &[InfraNeed], new: &[InfraNeed]) -> Infrastructure {
    let same = |a: &InfraNeed, b: &InfraNeed| a.provider == b.provider && a.app == b.app && a.external_values == b.external_values;
    let reference = |n: &InfraNeed| InfraRef { provider: n.provider.clone(), detail: n.detail.clone() };
    let mut out = Infrastructure::default();
    for n in new {
        match old.iter().find(|o| same(o, n)) {
            None => out.added.push(reference(n)),
            Some(o) => {
                let c = InfraChange {
                    provider: n.provider.clone(),
                    detail: n.detail.clone(),
                    detail_change: Change::between(Some(o.detail.clone()), Some(n.detail.clone())),
                    used_by: SetChange::between(&o.used_by, &n.used_by),
                    bundled_switch: Change::between(o.bundled_switch.clone(), n.bundled_switch.clone()),
                };
                if c.detail_change.is_some() || !c.used_by.is_empty() || c.bundled_switch.is_some() {
                    out.changed.push(c);
                }
            }
        }
    }
    out.removed = old.iter().filter(|o| !new.iter().any(|n| same(o, n))).map(reference).collect();
    out
}
