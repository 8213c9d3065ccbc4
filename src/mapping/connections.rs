//! What providers hand to the config writers (env mode, cdappconfig mode): each provider's
//! connection settings, and the app's dependencies, topics and buckets.

use super::profile::EnvSpec;
use super::scope::AppValues;
use crate::model::workload::EnvValue;
use crate::model::{Cond, Text, Val};
use std::collections::BTreeMap;

/// A connection setting: its value, and the condition under which it exists at all.
#[derive(Debug, Clone)]
pub struct Setting {
    pub value: EnvValue,
    pub when: Option<Cond>,
    /// A file the value points at, mounted into every container that receives the setting.
    pub mount: Option<Mount>,
    /// A values path that only this setting reads: removed from values.yaml when the app's
    /// profile does not use the setting, so that no value exists that reaches no pod.
    pub only_value: Option<String>,
}

/// A volume and where containers mount it, both present only under the setting's condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub volume: Val,
    pub mount: Val,
}

impl Setting {
    pub fn new(value: EnvValue, when: Option<Cond>) -> Setting {
        Setting { value, when, mount: None, only_value: None }
    }
    pub fn mounting(mut self, mount: Mount) -> Setting {
        self.mount = Some(mount);
        self
    }
    pub fn only(mut self, path: String) -> Setting {
        self.only_value = Some(path);
        self
    }
}

pub type Settings = BTreeMap<&'static str, Setting>;

/// A topic: the name the app requested (parameters kept) and the name it is told.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub requested: Text,
    pub actual: Val,
}

/// Kafka settings and each topic.
pub type KafkaMapping = (Settings, Vec<Topic>);
/// Object store settings and each bucket's (requested name, display).
pub type BucketMapping = (Settings, Vec<(Text, String)>);

/// Connection settings of every provider the app uses, in the order env vars are added.
pub struct Connections {
    pub providers: Vec<(&'static str, Settings)>,
    /// Whose values each provider reads: the app's own, or another app's of the template whose
    /// service it shares (`sharedDbAppName`, `sharedInMemoryDbAppName`).
    pub scopes: BTreeMap<&'static str, AppValues>,
    /// (dependency app, optional, settings, profile env specs)
    pub dependencies: Vec<(String, bool, Settings, Vec<EnvSpec>)>,
    pub topics: Vec<Topic>,
    pub buckets: Vec<(Text, String)>,
}

impl Connections {
    /// The values a provider's settings read (the app's own unless it shares another's service).
    pub fn scope(&self, provider: &str, own: &AppValues) -> AppValues {
        self.scopes.get(provider).cloned().unwrap_or_else(|| own.clone())
    }
}
