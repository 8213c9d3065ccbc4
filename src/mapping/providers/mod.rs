//! Clowder's providers (database, in-memory DB, Kafka, object store, feature flags,
//! dependencies, metrics), one module each: what the app needs, the values that choose a bundled
//! or an external service, and the settings handed to the config writer of the chosen mode.

pub mod build;
pub mod database;
pub mod dependencies;
pub mod feature_flags;
pub mod in_memory_db;
pub mod kafka;
pub mod object_store;

use super::config::{cdappconfig, env};
use super::connections::Connections;
use super::profile::{self, Choice, EnvSpec};
use super::{ConfigMode, Ctx};
use crate::error::InputError;
use crate::model::{Cond, ExtraObject, InfraNeed, Model, Outcome, SourceRef, Text, Val, ValuesNode, WorkloadKind};
use crate::source::clowdapp::ClowdApp;


fn need(app: &ClowdApp, used_by: &[String], provider: &str, detail: String, source: SourceRef, bundled_switch: Option<&str>, external_values: &[&str]) -> InfraNeed {
    InfraNeed {
        provider: provider.into(),
        detail,
        app: app.name.clone(),
        source,
        bundled_switch: bundled_switch.map(str::to_string),
        external_values: external_values.iter().map(|s| s.to_string()).collect(),
        used_by: used_by.to_vec(),
    }
}

pub fn map_providers(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], model: &mut Model) -> Result<(), InputError> {
    let (profile, choice) = profile::select(ctx.options.profile.as_deref(), &app.name)?;
    let mode = ctx.options.config_mode.unwrap_or(if profile.default_config_mode == "cdappconfig" { ConfigMode::Cdappconfig } else { ConfigMode::Env });
    let why = match choice {
        Choice::Explicit => "chosen with --profile",
        Choice::ByAppName => "selected automatically by the ClowdApp name",
        Choice::Fallback => "no profile lists this ClowdApp, so the generic one applies",
    };
    ctx.find(
        "profile.selected",
        if choice == Choice::Fallback { Outcome::Approximated } else { Outcome::Translated },
        app.pos,
        "-",
        format!("profile `{}` ({}) {why}; config mode {}", profile.name, profile.origin, if mode == ConfigMode::Env { "env" } else { "cdappconfig" }),
        Some("pass --profile NAME|FILE or --config-mode to choose"),
    );
    let users: Vec<String> = model.workloads.iter().filter(|w| w.app == app.name).map(|w| w.name.display()).collect();
    let sc = ctx.values_of(&app.name);
    let mut conns = Connections { providers: Vec::new(), scopes: Default::default(), dependencies: Vec::new(), topics: Vec::new(), buckets: Vec::new() };

    if let Some((s, _, db_sc)) = database::database(ctx, app, labels, &sc, &mut model.values, &mut model.extra)? {
        let db = app.database.as_ref().unwrap();
        let own = db_sc == sc;
        if own {
            ctx.find("provider.database", Outcome::Translated, db.pos, format!("templates/database-{}.yaml", app.name), format!("database → bundled PostgreSQL StatefulSet, Service and generated-credential Secret ({}), or an external server ({})", db_sc.path("database.bundled.enabled"), db_sc.path("database.external.*")), Some(&format!("for production set {}=false and {}/existingSecret", db_sc.path("database.bundled.enabled"), db_sc.path("database.external.host"))));
        }
        model.infrastructure.push(need(app, &users, "database", format!("PostgreSQL database for {}", app.name), ctx.src(db.pos), Some(&db_sc.path("database.bundled.enabled")), &[&db_sc.path("database.external.host"), &db_sc.path("database.external.port"), &db_sc.path("database.external.existingSecret")]));
        if let Some(n) = &db.shared_db_app_name {
            if own {
                ctx.find("provider.database-shared", Outcome::NeedsInput, n.pos, format!("values.yaml:{}", sc.path("database.external")), "sharedDbAppName: the other app is not in this template, so its database is used as an external database", Some(&format!("set {} and existingSecret to that app's database", sc.path("database.external.host"))));
            } else {
                ctx.find("provider.database-shared", Outcome::Translated, n.pos, format!("values.yaml:{}", db_sc.path("database")), format!("sharedDbAppName: ClowdApp `{}` uses the database of ClowdApp `{}` of this chart (its host, credentials Secret and database name, whether bundled or external: {}), as Clowder hands it", app.name, db_sc.app(), db_sc.path("database.*")), None);
            }
        }
        // In an ordered install invoked jobs run right after the database is created.
        if let Some(wait) = database::wait_container(&s, &db_sc) {
            for w in model.workloads.iter_mut().filter(|w| w.app == app.name && w.kind == WorkloadKind::HookJob) {
                w.pod.init_containers.insert(0, wait.clone());
            }
        }
        conns.scopes.insert("database", db_sc);
        conns.providers.push(("database", s));
    }
    if let Some((s, mem_sc)) = in_memory_db::in_memory_db(ctx, app, labels, &sc, &mut model.values, &mut model.extra)? {
        let pos = app.in_memory_db.as_ref().unwrap().pos;
        let own = mem_sc == sc;
        if own {
            ctx.find("provider.in-memory-db", Outcome::Translated, pos, format!("templates/inmemorydb-{}.yaml", app.name), format!("inMemoryDb → bundled Valkey Deployment and Service ({}), or an external Redis", sc.path("inMemoryDb.bundled.enabled")), None);
        }
        model.infrastructure.push(need(app, &users, "inMemoryDb", "Redis-compatible cache".into(), ctx.src(pos), Some(&mem_sc.path("inMemoryDb.bundled.enabled")), &[&mem_sc.path("inMemoryDb.external.host"), &mem_sc.path("inMemoryDb.external.port"), &mem_sc.path("inMemoryDb.external.existingSecret")]));
        if let Some(n) = &app.shared_in_memory_db_app_name {
            if own {
                ctx.find("provider.in-memory-db-shared", Outcome::NeedsInput, n.pos, format!("values.yaml:{}", sc.path("inMemoryDb.external")), "sharedInMemoryDbAppName: the other app's Redis is used as an external one (bundled is off; host defaults to `<app>-redis`)", Some(&format!("check {} points at that app's Redis", sc.path("inMemoryDb.external.host"))));
            } else {
                ctx.find("provider.in-memory-db-shared", Outcome::Translated, n.pos, format!("values.yaml:{}", mem_sc.path("inMemoryDb")), format!("sharedInMemoryDbAppName: ClowdApp `{}` uses the cache of ClowdApp `{}` of this chart ({}), as Clowder hands it", app.name, mem_sc.app(), mem_sc.path("inMemoryDb.*")), None);
            }
        }
        conns.scopes.insert("inMemoryDb", mem_sc);
        conns.providers.push(("inMemoryDb", s));
    }
    // Topic names can be changed only where the app is told them (cdappconfig.json): in env mode
    // the app reads the names it asked for.
    let renames = mode == ConfigMode::Cdappconfig;
    if let Some((s, topics)) = kafka::kafka(ctx, app, labels, renames, &sc, &mut model.values, &mut model.extra)? {
        let pos = app.kafka_topics.first().map(|t| t.pos).unwrap_or(app.pos);
        ctx.find(
            "provider.kafka",
            Outcome::NeedsInput,
            pos,
            format!("values.yaml:{}", sc.path("kafka")),
            format!(
                "kafkaTopics: {} topics on a bundled single-node Kafka ({}, not persistent) or on yours ({}; topics must exist, or set {} with Strimzi){}",
                topics.len(),
                sc.path("kafka.bundled.enabled"),
                sc.path("kafka.external.*"),
                sc.path("kafka.topics.create"),
                if renames { "" } else { "; topic names are the ones the app asked for: in env mode the app cannot be told others" }
            ),
            Some(&format!("set {}/port and, for SASL, {}; or {}=true; with neither, the components that need Kafka are not rendered", sc.path("kafka.external.host"), sc.path("kafka.sasl.*"), sc.path("kafka.bundled.enabled"))),
        );
        model.infrastructure.push(need(app, &users, "kafka", format!("Kafka with topics {}", topics.iter().map(|t| t.requested.display()).collect::<Vec<_>>().join(", ")), ctx.src(pos), Some(&sc.path("kafka.bundled.enabled")), &[&sc.path("kafka.external.host"), &sc.path("kafka.external.port"), &sc.path("kafka.sasl.mechanism"), &sc.path("kafka.sasl.existingSecret")]));
        conns.topics = topics;
        conns.providers.push(("kafka", s));
        if let Some(names) = profile.requires.get("kafka") {
            crate::mapping::components::require(ctx, model, &app.name, "Kafka", names, &kafka::available(&sc));
        }
    }
    if let Some((s, buckets)) = object_store::object_store(ctx, app, labels, &sc, &mut model.values, &mut model.extra)? {
        let pos = app.object_store[0].pos;
        ctx.find("provider.object-store", Outcome::NeedsInput, pos, format!("values.yaml:{}", sc.path("objectStore")), format!("objectStore: {} buckets on a bundled MinIO ({}; buckets created by a hook Job) or on your S3-compatible store ({}; buckets must exist, or enable {})", buckets.len(), sc.path("objectStore.bundled.enabled"), sc.path("objectStore.external.*"), sc.path("objectStore.createBuckets")), Some(&format!("set {}/port and create Secret {}-object-store with accessKey/secretKey, or set {}=true", sc.path("objectStore.external.host"), app.name, sc.path("objectStore.bundled.enabled"))));
        model.infrastructure.push(need(app, &users, "objectStore", format!("S3-compatible store with buckets {}", buckets.iter().map(|(b, _)| b.display()).collect::<Vec<_>>().join(", ")), ctx.src(pos), Some(&sc.path("objectStore.bundled.enabled")), &[&sc.path("objectStore.external.host"), &sc.path("objectStore.external.port"), &sc.path("objectStore.external.existingSecret")]));
        conns.buckets = buckets;
        conns.providers.push(("objectStore", s));
    }
    if let Some(s) = feature_flags::feature_flags(ctx, app, &sc, &mut model.values)? {
        let pos = app.feature_flags.as_ref().unwrap().pos;
        ctx.find("provider.feature-flags", Outcome::NeedsInput, pos, format!("values.yaml:{}", sc.path("featureFlags")), format!("featureFlags: the chart does not run Unleash; point {}/port at yours or set {}=false", sc.path("featureFlags.host"), sc.path("featureFlags.enabled")), None);
        model.infrastructure.push(need(app, &users, "featureFlags", "Unleash feature-flag server".into(), ctx.src(pos), None, &[&sc.path("featureFlags.host"), &sc.path("featureFlags.port"), &sc.path("featureFlags.existingSecret")]));
        conns.providers.push(("featureFlags", s));
    }
    let mut dep_values: Vec<(String, ValuesNode)> = Vec::new();
    let mut opt_values: Vec<(String, ValuesNode)> = Vec::new();
    for (list, optional) in [(&app.dependencies, false), (&app.optional_dependencies, true)] {
        for n in list.iter() {
            // The name keys the values and Services: a parameter in it is fixed at its default.
            let dep = ctx.fixed(n, if optional { "optionalDependencies entry" } else { "dependencies entry" })?;
            let spec = profile.providers.dependencies.get(&dep);
            // An app of this template: its Service is known (its first public deployment).
            let in_chart = ctx.app(&dep).and_then(|a| a.deployments.iter().find(|d| d.public.enabled.as_ref().is_some_and(|e| e.kind == crate::source::yaml::Kind::Bool(true)) || d.web.as_ref().is_some_and(|e| e.kind == crate::source::yaml::Kind::Bool(true))).or(a.deployments.first())).map(|d| d.name.clone());
            let deployment = spec.and_then(|d| d.deployment.clone()).or(in_chart.clone());
            let settings = dependencies::dependency(&sc, &dep, deployment.as_deref(), optional, if optional { &mut opt_values } else { &mut dep_values });
            let env: Vec<EnvSpec> = match (spec, &profile.providers.dependency_default) {
                (Some(d), _) => d.env.clone(),
                (None, Some(def)) => def.env.iter().map(|e| EnvSpec { name: e.name.replace("{APP}", &dep.to_uppercase().replace('-', "_")), ..e.clone() }).collect(),
                (None, None) => Vec::new(),
            };
            let block = sc.path(&format!("{}.{}", if optional { "optionalDependencies" } else { "dependencies" }, crate::model::value::path_key(&dep)));
            let (outcome, msg) = match (&deployment, env.is_empty() && mode == ConfigMode::Env) {
                (_, true) => (Outcome::NeedsInput, format!("dependency `{dep}`: the profile names no env var for it, so the app is not told where it is")),
                (Some(d), _) if in_chart.is_some() && spec.and_then(|s| s.deployment.as_ref()).is_none() => (Outcome::Translated, format!("dependency `{dep}` → {block} (ClowdApp `{dep}` of this chart: host {dep}-{d}, its Service, port 8000)")),
                (Some(d), _) => (Outcome::Translated, format!("dependency `{dep}` → {block} (host {dep}-{d}, Clowder's Service naming, port 8000)")),
                (None, _) => (Outcome::NeedsInput, format!("dependency `{dep}`: its deployment is unknown, so the host defaults to `{dep}`")),
            };
            ctx.find("provider.dependency", outcome, n.pos, format!("values.yaml:{block}"), msg, Some(&format!("check {block}.host and port: Clowder required the app to exist in the same environment")));
            model.infrastructure.push(need(app, &users, "dependency", format!("{}{dep}", if optional { "optional: " } else { "" }), ctx.src(n.pos), None, &[&format!("{block}.host"), &format!("{block}.port")]));
            conns.dependencies.push((dep, optional, settings, env));
        }
    }
    for (key, list, comment) in [("dependencies", dep_values, "Endpoints of the ClowdApps this app depends on (Clowder required them in the same environment)."), ("optionalDependencies", opt_values, "Endpoints of optional dependencies.")] {
        if !list.is_empty() {
            sc.push(&mut model.values, key, comment.into(), ValuesNode::Map(list.into_iter().map(|(k, v)| (k, String::new(), v)).collect()));
        }
    }
    metrics(ctx, app, model);
    ctx.find("provider.logging", Outcome::NeedsInput, app.pos, "-", "logging: Clowder's app-interface mode gave apps CloudWatch credentials; the chart ships no logs anywhere (apps log to stdout)", Some("decide on log collection for the cluster (e.g. a cluster log forwarder)"));

    match mode {
        ConfigMode::Env => env::apply_env(ctx, app, &profile, &conns, model)?,
        ConfigMode::Cdappconfig => cdappconfig::apply(ctx, app, labels, &sc, &conns, model)?,
    }
    crate::mapping::app_env::apply(ctx, app, &profile, model);
    Ok(())
}

/// ServiceMonitors per deployment behind `metrics.serviceMonitor.enabled`.
fn metrics(ctx: &mut Ctx, app: &ClowdApp, model: &mut Model) {
    let mut added = 0;
    for w in model.workloads.iter().filter(|w| w.app == app.name && w.kind == WorkloadKind::Deployment) {
        let body = Val::map()
            .with("apiVersion", Val::str("monitoring.coreos.com/v1"))
            .with("kind", Val::str("ServiceMonitor"))
            .with("metadata", Val::map().with("name", Val::Str(w.name.clone())).with("labels", crate::model::k8s::label_map(&w.labels)).build())
            .with(
                "spec",
                Val::map()
                    .with("endpoints", Val::seq([Val::map().with("port", Val::str("metrics")).with("path", Val::Str(Text::value("metrics.path"))).with("interval", Val::Str(Text::value("metrics.serviceMonitor.interval"))).build()]))
                    .with("selector", Val::map().with("matchLabels", Val::map().with("pod", Val::Str(w.name.clone())).build()).build())
                    .build(),
            )
            .build();
        model.extra.push(ExtraObject { file: w.file.clone(), body, when: Some(Cond::value("metrics.serviceMonitor.enabled")), infra: false });
        added += 1;
    }
    if added > 0 {
        ctx.find("provider.metrics", Outcome::Translated, app.pos, "values.yaml:metrics.serviceMonitor", format!("metrics: port {} on every container and Service; {added} ServiceMonitors behind metrics.serviceMonitor.enabled (needs the Prometheus Operator CRDs)", ctx.env.metrics_port), None);
    }
}

