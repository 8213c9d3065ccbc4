//! What providers hand to the config writers (env mode, cdappconfig mode): each provider's
//! connection settings, and the app's dependencies, topics and buckets.

use super::profile::EnvSpec;
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
    pub only_value: Option<&'static str>,
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
    pub fn only(mut self, path: &'static str) -> Setting {
        self.only_value = Some(path);
        self
    }
}

pub type Settings = BTreeMap<&'static str, Setting>;

/// Kafka settings and each topic's (requested name, values path of its actual name).
pub type KafkaMapping = (Settings, Vec<(String, String)>);
/// Object store settings and each bucket's (requested name, display).
pub type BucketMapping = (Settings, Vec<(Text, String)>);

/// Connection settings of every provider the app uses, in the order env vars are added.
pub struct Connections {
    pub providers: Vec<(&'static str, Settings)>,
    /// (dependency app, optional, settings, profile env specs)
    pub dependencies: Vec<(String, bool, Settings, Vec<EnvSpec>)>,
    pub topics: Vec<(String, String)>,
    pub buckets: Vec<(Text, String)>,
}
