//! The two ways Clowder's injected configuration is replaced: env vars named by the app's
//! profile (`env`), or the cdappconfig.json Clowder would have mounted (`cdappconfig`).

pub mod cdappconfig;
pub mod env;

use super::connections::Connections;
use crate::model::{Model, ValuesNode};

/// Remove the values that only settings the chosen mode does not use would read: a value that
/// exists reaches a pod (`Setting::only_value`).
pub fn prune_unused(model: &mut Model, conns: &Connections, used: impl Fn(&str, &str) -> bool) {
    for (provider, settings) in &conns.providers {
        for (key, s) in settings {
            if let Some(path) = s.only_value.clone()
                && !used(provider, key)
            {
                remove_value(model, &path);
            }
        }
    }
}

fn remove_value(model: &mut Model, path: &str) {
    let segs = crate::model::value::path_segments(path);
    let Some((first, rest)) = segs.split_first() else { return };
    let Some(block) = model.values.iter_mut().find(|b| b.key == *first) else { return };
    let mut node = &mut block.value;
    for (i, seg) in rest.iter().enumerate() {
        let ValuesNode::Map(entries) = node else { return };
        if i == rest.len() - 1 {
            entries.retain(|(k, _, _)| k != seg);
            return;
        }
        let Some((_, _, next)) = entries.iter_mut().find(|(k, _, _)| k == seg) else { return };
        node = next;
    }
}
