//! The chart-neutral model between mapping and chart emission.

pub mod eval;
pub mod finding;
pub mod input;
pub mod k8s;
pub mod operations;
pub mod value;
pub mod workload;

pub use finding::{Finding, Findings, Outcome, SourceRef};
pub use input::{Parameter, Pin, Pos};
pub use value::{Cond, Entry, Item, Part, Text, Val};

pub use workload::*;

/// The value that turns on an ordered install: invoked jobs and what they need become
/// pre-install hooks, so migrations finish before any app pod starts (docs/standalone.md).
pub const ORDERED: &str = "install.ordered";
/// Hook events of an ordered install.
pub const ORDERED_EVENTS: &str = "pre-install,pre-upgrade";

/// How a parameter's value is typed in values.yaml and values.schema.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    /// A `${{X}}` default that is a JSON array / object.
    Array,
    Object,
    /// A `${{X}}` default of JSON `null`: any value is accepted.
    Any,
    /// A `${{X}}` used where Kubernetes takes a number or a string (a quantity such as `cpu`,
    /// `maxUnavailable`): `2` and `"500m"` are both values.
    NumberOrString,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Array => "array",
            ParamType::Object => "object",
            ParamType::Any => "any",
            ParamType::NumberOrString => "number-or-string",
        }
    }
}

/// A template parameter as a chart value (`parameters.<NAME>`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValue {
    pub param: Parameter,
    pub ty: ParamType,
    /// Referenced as `${{NAME}}` somewhere.
    pub typed: bool,
    /// Generated into this Secret (name, key) when not set.
    pub generated_into: Option<(Text, String)>,
    /// How the chart generates it (`generate: expression` parameters only).
    pub generator: Option<value::GenRecipe>,
    /// Value written to values.yaml (None = empty / required).
    pub default: Option<serde_json::Value>,
    /// Fixed at conversion (what it decides): the schema accepts only its default.
    pub pinned: Vec<String>,
}

/// A top-level block of values.yaml that is not a parameter (ports, autoscaling, infrastructure).
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesBlock {
    pub key: String,
    pub comment: String,
    pub value: ValuesNode,
}

/// A node of values.yaml with optional helm-docs comments.
///
/// values.schema.json is strict: a `Map`, and an object inside a `Leaf`, accept only the keys
/// they hold, so a misspelt key fails the render. A map the user fills with keys of their own
/// (env vars, Secret data, labels) must be declared `Open`.
#[derive(Debug, Clone, PartialEq)]
pub enum ValuesNode {
    Leaf(serde_json::Value),
    Map(Vec<(String, String, ValuesNode)>),
    /// A free-form map: any key is accepted; the value is its default (usually `{}`).
    Open(serde_json::Value),
    /// A default with its own JSON schema (a Kubernetes field passed through: a map of text, a
    /// list of objects, an integer or a percentage).
    Typed(serde_json::Value, serde_json::Value),
}

impl ValuesNode {
    pub fn map(entries: Vec<(&str, &str, ValuesNode)>) -> ValuesNode {
        ValuesNode::Map(entries.into_iter().map(|(k, c, v)| (k.to_string(), c.to_string(), v)).collect())
    }
    pub fn leaf(v: impl Into<serde_json::Value>) -> ValuesNode {
        ValuesNode::Leaf(v.into())
    }
    /// A free-form map with this default (`json!({})` for an empty one).
    pub fn open(v: serde_json::Value) -> ValuesNode {
        ValuesNode::Open(v)
    }
    /// A default described by `schema` instead of by its own shape.
    pub fn typed(v: serde_json::Value, schema: serde_json::Value) -> ValuesNode {
        ValuesNode::Typed(v, schema)
    }
    /// The plain JSON view (for evaluation and the schema).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ValuesNode::Leaf(v) | ValuesNode::Open(v) | ValuesNode::Typed(v, _) => v.clone(),
            ValuesNode::Map(m) => serde_json::Value::Object(m.iter().map(|(k, _, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// An extra object the chart renders (infrastructure, service accounts), with its template file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraObject {
    pub file: String,
    pub body: Val,
    pub when: Option<Cond>,
    /// Part of a bundled service (database, cache, Kafka, object store, their set-up jobs): in an
    /// ordered install it becomes a pre-install hook.
    pub infra: bool,
}

/// Everything the chart stage needs, and everything the report describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub chart_name: String,
    pub app_version: Option<String>,
    pub input_file: String,
    pub input_sha256: String,
    pub apps: Vec<String>,
    pub parameters: Vec<ParamValue>,
    pub workloads: Vec<Workload>,
    pub objects: Vec<PassObject>,
    pub extra: Vec<ExtraObject>,
    pub values: Vec<ValuesBlock>,
    /// Config files rendered as JSON at install time (cdappconfig.json per app), by name.
    pub config_files: Vec<(String, Val)>,
    /// What Clowder's providers supplied and the chart (or the operator) must now supply.
    pub infrastructure: Vec<InfraNeed>,
    /// Objects pods read that the release does not create (install closure).
    pub externals: Vec<External>,
    /// Values files written beside values.yaml (profile layers, e.g. `values-standalone.yaml`).
    pub layers: Vec<ValuesLayer>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl Model {
    /// The input's file name, as the chart's own files name it: a chart is published and
    /// installed elsewhere, where the folder it was converted in means nothing (and an absolute
    /// path would spell out the converting machine's layout).
    pub fn input_name(&self) -> &str {
        std::path::Path::new(&self.input_file).file_name().and_then(|n| n.to_str()).unwrap_or(&self.input_file)
    }
}

/// A service Clowder provided at run time (database, Kafka, ...), now the chart's or the operator's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InfraNeed {
    /// Clowder provider: `database`, `kafka`, `objectStore`, `inMemoryDb`, `featureFlags`,
    /// `dependency`, `metrics`, `logging`.
    pub provider: String,
    /// What exactly (database name, topic list, bucket list, dependency app name).
    pub detail: String,
    pub app: String,
    pub source: SourceRef,
    /// The chart can run it itself (values key that switches it on), if any.
    pub bundled_switch: Option<String>,
    /// Values the operator sets to use an external service.
    pub external_values: Vec<String>,
    /// Workloads whose containers receive its settings.
    pub used_by: Vec<String>,
}

/// A values file beside values.yaml: a profile layer fitted to this chart's values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuesLayer {
    pub name: String,
    pub file: String,
    pub description: String,
    pub blocks: Vec<ValuesBlock>,
}

/// A Secret, ConfigMap or PersistentVolumeClaim a pod needs that the release does not create:
/// the user resolves it through `values_key` (the chart creates it from values, or it points at
/// an object that already exists). See docs/standalone.md, "Install closure".
#[derive(Debug, Clone, PartialEq)]
pub struct External {
    pub kind: String,
    /// The name as the pods reference it (parameters and values kept symbolic).
    pub name: Text,
    /// The value that resolves it (`secrets.[koku-aws]`, `database.external.existingSecret`).
    pub values_key: String,
    /// Keys the pods read from it.
    pub keys: Vec<Text>,
    /// Every reference is optional: pods start without it.
    pub optional: bool,
    /// Workloads whose pods reference it, and how (`env AWS_ACCESS_KEY_ID`, `volume gcp`).
    pub used_by: Vec<String>,
    pub fields: Vec<String>,
    pub source: SourceRef,
    /// The reference exists only when this holds (a provider's external mode); None: always.
    pub when: Option<Cond>,
    /// It still needs the user while this holds (NOTES.txt lists it then).
    pub pending: Option<Cond>,
    /// What to do, in one sentence.
    pub resolve: String,
}
