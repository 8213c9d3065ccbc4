//! What providers hand to the config writers (env mode, cdappconfig mode): each provider's
//! connection settings, and the app's dependencies, topics and buckets.

use super::profile::EnvSpec;
use crate::model::workload::EnvValue;
use crate::model::{Cond, Text};
use std::collections::BTreeMap;

/// A connection setting: its value, and the condition under which it exists at all.
#[derive(Debug, Clone)]
pub struct Setting {
    pub value: EnvValue,
    pub when: Option<Cond>,
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
