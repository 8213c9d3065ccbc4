//! Where one ClowdApp's provider values live. A chart of one ClowdApp keeps them at the top
//! (`database.bundled.enabled`), as before. When the template holds several ClowdApps, each app
//! has its own under `apps.<app>` (`apps.billing.database.bundled.enabled`): two apps' databases,
//! caches, topics and dependencies are different things (Clowder gave each app its own), and two
//! top-level `database:` blocks would overwrite each other. Providers, config writers, the
//! autoscaler, components and layers build every such path here.

use crate::model::{Cond, Part, Text, Val, ValuesBlock, ValuesNode};

/// The top-level key holding each app's values in a chart of several ClowdApps.
pub const APPS: &str = "apps";

/// The values blocks that belong to one app (the rest of values.yaml is the chart's).
pub const PER_APP: &[&str] = &["database", "inMemoryDb", "kafka", "objectStore", "featureFlags", "dependencies", "optionalDependencies"];

/// The values of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppValues {
    app: String,
    /// `""`, or `apps.<app>.` when the template holds several ClowdApps.
    prefix: String,
}

impl AppValues {
    pub fn new(app: &str, multi_app: bool) -> AppValues {
        let prefix = if multi_app { format!("{APPS}.{}.", crate::model::value::path_key(app)) } else { String::new() };
        AppValues { app: app.to_string(), prefix }
    }

    pub fn app(&self) -> &str {
        &self.app
    }

    /// Values of several apps live under `apps.<app>`.
    pub fn nested(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// The full values path of `rel` (`database.bundled.enabled`).
    pub fn path(&self, rel: &str) -> String {
        format!("{}{rel}", self.prefix)
    }

    /// The value at `rel` is truthy.
    pub fn cond(&self, rel: &str) -> Cond {
        Cond::value(&self.path(rel))
    }

    /// The value at `rel` as text.
    pub fn text(&self, rel: &str) -> Text {
        Text::value(self.path(rel))
    }

    /// The value at `rel` as a string value.
    pub fn str(&self, rel: &str) -> Val {
        Val::Str(self.text(rel))
    }

    /// The value at `rel` with its own type (numbers, maps).
    pub fn typed(&self, rel: &str) -> Val {
        Val::ValueRef(self.path(rel))
    }

    /// The value at `rel`; rendering fails when it is empty.
    pub fn required(&self, rel: &str) -> Val {
        Val::Str(Text(vec![Part::RequiredValue(self.path(rel))]))
    }

    /// Add the block `key` of this app: at the top of values.yaml, or under `apps.<app>`.
    pub fn push(&self, values: &mut Vec<ValuesBlock>, key: &str, comment: String, node: ValuesNode) {
        if !self.nested() {
            values.push(ValuesBlock { key: key.to_string(), comment, value: node });
            return;
        }
        let apps = match values.iter().position(|b| b.key == APPS) {
            Some(i) => &mut values[i],
            None => {
                values.push(ValuesBlock {
                    key: APPS.into(),
                    comment: "Infrastructure and dependencies of each ClowdApp of the template, under the app's name (Clowder gave each app its own).".into(),
                    value: ValuesNode::Map(Vec::new()),
                });
                values.last_mut().expect("just pushed")
            }
        };
        let ValuesNode::Map(apps) = &mut apps.value else { return };
        let entries = match apps.iter().position(|(k, _, _)| *k == self.app) {
            Some(i) => &mut apps[i].2,
            None => {
                apps.push((self.app.clone(), format!("ClowdApp `{}`.", self.app), ValuesNode::Map(Vec::new())));
                &mut apps.last_mut().expect("just pushed").2
            }
        };
        if let ValuesNode::Map(m) = entries {
            m.push((key.to_string(), comment, node));
        }
    }

    /// This app's block `key`, wherever it lives.
    pub fn block<'a>(&self, values: &'a [ValuesBlock], key: &str) -> Option<&'a ValuesNode> {
        if !self.nested() {
            return values.iter().find(|b| b.key == key).map(|b| &b.value);
        }
        let ValuesNode::Map(apps) = &values.iter().find(|b| b.key == APPS)?.value else { return None };
        let ValuesNode::Map(own) = &apps.iter().find(|(k, _, _)| *k == self.app)?.2 else { return None };
        own.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_app_at_the_top_several_under_their_names() {
        let one = AppValues::new("billing", false);
        assert_eq!(one.path("database.bundled.enabled"), "database.bundled.enabled");
        let several = AppValues::new("billing", true);
        assert_eq!(several.path("database.bundled.enabled"), "apps.billing.database.bundled.enabled");
        let mut values = Vec::new();
        several.push(&mut values, "database", "db".into(), ValuesNode::map(vec![("enabled", "", ValuesNode::leaf(true))]));
        AppValues::new("ledger", true).push(&mut values, "database", "db".into(), ValuesNode::map(vec![("enabled", "", ValuesNode::leaf(false))]));
        several.push(&mut values, "kafka", "k".into(), ValuesNode::map(vec![]));
        assert_eq!(values.len(), 1, "one `apps` block");
        let json = values[0].value.to_json();
        assert_eq!(json["billing"]["database"]["enabled"], serde_json::json!(true));
        assert_eq!(json["ledger"]["database"]["enabled"], serde_json::json!(false));
        assert!(several.block(&values, "kafka").is_some());
        assert!(AppValues::new("ledger", true).block(&values, "kafka").is_none());
    }
}
