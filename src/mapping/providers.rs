//! Clowder's configuration providers (database, kafka, object store, in-memory DB, feature flags,
//! dependencies) replaced by explicit chart configuration.

use super::Ctx;
use crate::error::InputError;
use crate::model::{Model, Outcome};
use crate::source::clowdapp::ClowdApp;

pub fn map_providers(ctx: &mut Ctx, app: &ClowdApp, _model: &mut Model) -> Result<(), InputError> {
    let mut needs = Vec::new();
    if let Some(d) = &app.database {
        needs.push(("provider.database", d.pos, "database"));
    }
    if let Some(n) = app.kafka_topics.first() {
        needs.push(("provider.kafka", n.pos, "kafkaTopics"));
    }
    if let Some(n) = app.object_store.first() {
        needs.push(("provider.object-store", n.pos, "objectStore"));
    }
    if let Some(n) = &app.in_memory_db {
        needs.push(("provider.in-memory-db", n.pos, "inMemoryDb"));
    }
    if let Some(n) = &app.feature_flags {
        needs.push(("provider.feature-flags", n.pos, "featureFlags"));
    }
    for n in app.dependencies.iter().chain(&app.optional_dependencies) {
        needs.push(("provider.dependency", n.pos, "dependencies"));
    }
    for (rule, pos, what) in needs {
        ctx.find(rule, Outcome::NeedsInput, pos, "-", format!("`{what}` was provided by Clowder at run time; the chart does not provide it yet"), Some("supply the service and its connection settings yourself"));
    }
    Ok(())
}
