//! Clowder's configuration providers replaced by explicit chart configuration: in env mode the
//! profile's env vars, in cdappconfig mode the JSON file Clowder would have mounted.

use super::infra::{self, Setting, Settings};
use super::profile::{self, Choice, EnvSpec, Profile};
use super::{cdappconfig, ConfigMode, Ctx};
use crate::error::InputError;
use crate::model::workload::{EnvOrigin, EnvValue, EnvVar};
use crate::model::{Cond, Container, ExtraObject, InfraNeed, Model, Outcome, Text, Val, ValuesBlock, ValuesNode, WorkloadKind};
use crate::source::clowdapp::ClowdApp;
use crate::source::yaml::Pos;

/// Connection settings of every provider the app uses, in the order env vars are added.
pub struct Connections {
    pub providers: Vec<(&'static str, Settings)>,
    /// (dependency app, optional, settings, profile env specs)
    pub dependencies: Vec<(String, bool, Settings, Vec<EnvSpec>)>,
    pub topics: Vec<(String, String)>,
    pub buckets: Vec<(Text, String)>,
}

fn need(ctx: &Ctx, app: &ClowdApp, provider: &str, detail: String, pos: Pos, bundled_switch: Option<&str>, external_values: &[&str], used_by: &[String]) -> InfraNeed {
    InfraNeed {
        provider: provider.into(),
        detail,
        app: app.name.clone(),
        source: ctx.src(pos),
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
    let mut conns = Connections { providers: Vec::new(), dependencies: Vec::new(), topics: Vec::new(), buckets: Vec::new() };

    if let Some((s, _)) = infra::database(ctx, app, labels, &mut model.values, &mut model.extra)? {
        let db = app.database.as_ref().unwrap();
        ctx.find("provider.database", Outcome::Translated, db.pos, format!("templates/database-{}.yaml", app.name), "database → bundled PostgreSQL StatefulSet, Service and generated-credential Secret (database.bundled.enabled), or an external server (database.external.*)", Some("for production set database.bundled.enabled=false and database.external.host/existingSecret"));
        model.infrastructure.push(need(ctx, app, "database", format!("PostgreSQL database for {}", app.name), db.pos, Some("database.bundled.enabled"), &["database.external.host", "database.external.port", "database.external.existingSecret"], &users));
        if let Some(n) = &db.shared_db_app_name {
            ctx.find("provider.database-shared", Outcome::NeedsInput, n.pos, "values.yaml:database.external", "sharedDbAppName: the other app's database is used as an external database", Some("set database.external.host and existingSecret to that app's database"));
        }
        conns.providers.push(("database", s));
    }
    if let Some(s) = infra::in_memory_db(ctx, app, labels, &mut model.values, &mut model.extra)? {
        let pos = app.in_memory_db.as_ref().unwrap().pos;
        ctx.find("provider.in-memory-db", Outcome::Translated, pos, format!("templates/inmemorydb-{}.yaml", app.name), "inMemoryDb → bundled Valkey Deployment and Service (inMemoryDb.bundled.enabled), or an external Redis", None);
        model.infrastructure.push(need(ctx, app, "inMemoryDb", "Redis-compatible cache".into(), pos, Some("inMemoryDb.bundled.enabled"), &["inMemoryDb.external.host", "inMemoryDb.external.port", "inMemoryDb.external.existingSecret"], &users));
        if let Some(n) = &app.shared_in_memory_db_app_name {
            ctx.find("provider.in-memory-db-shared", Outcome::NeedsInput, n.pos, "values.yaml:inMemoryDb.external", "sharedInMemoryDbAppName: the other app's Redis is used as an external one (bundled is off; host defaults to `<app>-redis`)", Some("check inMemoryDb.external.host points at that app's Redis"));
        }
        conns.providers.push(("inMemoryDb", s));
    }
    if let Some((s, topics)) = infra::kafka(ctx, app, &mut model.values, &mut model.extra)? {
        let pos = app.kafka_topics.first().map(|t| t.pos).unwrap_or(app.pos);
        ctx.find("provider.kafka", Outcome::NeedsInput, pos, "values.yaml:kafka", format!("kafkaTopics: the chart does not run Kafka; {} topics must exist on your cluster (or set kafka.topics.create with Strimzi)", topics.len()), Some("set kafka.external.host/port and, for SASL, kafka.sasl.*"));
        model.infrastructure.push(need(ctx, app, "kafka", format!("Kafka with topics {}", topics.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", ")), pos, None, &["kafka.external.host", "kafka.external.port", "kafka.sasl.mechanism", "kafka.sasl.existingSecret"], &users));
        conns.topics = topics;
        conns.providers.push(("kafka", s));
    }
    if let Some((s, buckets)) = infra::object_store(ctx, app, &mut model.values, &mut model.extra)? {
        let pos = app.object_store[0].pos;
        ctx.find("provider.object-store", Outcome::NeedsInput, pos, "values.yaml:objectStore", format!("objectStore: the chart does not run an S3 store; {} buckets must exist (or enable objectStore.createBuckets)", buckets.len()), Some(&format!("set objectStore.external.endpoint and create Secret {}-object-store with accessKey/secretKey", app.name)));
        model.infrastructure.push(need(ctx, app, "objectStore", format!("S3-compatible store with buckets {}", buckets.iter().map(|(b, _)| b.display()).collect::<Vec<_>>().join(", ")), pos, None, &["objectStore.external.endpoint", "objectStore.external.existingSecret"], &users));
        conns.buckets = buckets;
        conns.providers.push(("objectStore", s));
    }
    if let Some(s) = infra::feature_flags(ctx, app, &mut model.values)? {
        let pos = app.feature_flags.as_ref().unwrap().pos;
        ctx.find("provider.feature-flags", Outcome::NeedsInput, pos, "values.yaml:featureFlags", "featureFlags: the chart does not run Unleash; point featureFlags.host/port at yours or set featureFlags.enabled=false", None);
        model.infrastructure.push(need(ctx, app, "featureFlags", "Unleash feature-flag server".into(), pos, None, &["featureFlags.host", "featureFlags.port", "featureFlags.existingSecret"], &users));
        conns.providers.push(("featureFlags", s));
    }
    let mut dep_values: Vec<(String, ValuesNode)> = Vec::new();
    let mut opt_values: Vec<(String, ValuesNode)> = Vec::new();
    for (list, optional) in [(&app.dependencies, false), (&app.optional_dependencies, true)] {
        for n in list.iter() {
            let dep = ctx.text(n)?.display();
            let spec = profile.providers.dependencies.get(&dep);
            let deployment = spec.and_then(|d| d.deployment.clone());
            let settings = infra::dependency(&dep, deployment.as_deref(), optional, if optional { &mut opt_values } else { &mut dep_values });
            let env: Vec<EnvSpec> = match (spec, &profile.providers.dependency_default) {
                (Some(d), _) => d.env.clone(),
                (None, Some(def)) => def.env.iter().map(|e| EnvSpec { name: e.name.replace("{APP}", &dep.to_uppercase().replace('-', "_")), ..e.clone() }).collect(),
                (None, None) => Vec::new(),
            };
            let block = if optional { "optionalDependencies" } else { "dependencies" };
            let (outcome, msg) = match (&deployment, env.is_empty() && mode == ConfigMode::Env) {
                (_, true) => (Outcome::NeedsInput, format!("dependency `{dep}`: the profile names no env var for it, so the app is not told where it is")),
                (Some(d), _) => (Outcome::Translated, format!("dependency `{dep}` → {block}.{dep} (host {dep}-{d}, Clowder's Service naming, port 8000)")),
                (None, _) => (Outcome::NeedsInput, format!("dependency `{dep}`: its deployment is unknown, so the host defaults to `{dep}`")),
            };
            ctx.find("provider.dependency", outcome, n.pos, format!("values.yaml:{block}.{dep}"), msg, Some(&format!("check {block}.{dep}.host and port: Clowder required the app to exist in the same environment")));
            model.infrastructure.push(need(ctx, app, "dependency", format!("{}{dep}", if optional { "optional: " } else { "" }), n.pos, None, &[&format!("{block}.{dep}.host"), &format!("{block}.{dep}.port")], &users));
            conns.dependencies.push((dep, optional, settings, env));
        }
    }
    for (key, list, comment) in [("dependencies", dep_values, "Endpoints of the ClowdApps this app depends on (Clowder required them in the same environment)."), ("optionalDependencies", opt_values, "Endpoints of optional dependencies.")] {
        if !list.is_empty() {
            model.values.push(ValuesBlock { key: key.into(), comment: comment.into(), value: ValuesNode::Map(list.into_iter().map(|(k, v)| (k, String::new(), v)).collect()) });
        }
    }
    metrics(ctx, app, model);
    ctx.find("provider.logging", Outcome::NeedsInput, app.pos, "-", "logging: Clowder's app-interface mode gave apps CloudWatch credentials; the chart ships no logs anywhere (apps log to stdout)", Some("decide on log collection for the cluster (e.g. a cluster log forwarder)"));

    match mode {
        ConfigMode::Env => apply_env(ctx, app, &profile, &conns, model)?,
        ConfigMode::Cdappconfig => cdappconfig::apply(ctx, app, labels, &conns, model)?,
    }
    Ok(())
}

/// ServiceMonitors per deployment behind `metrics.serviceMonitor.enabled`.
fn metrics(ctx: &mut Ctx, app: &ClowdApp, model: &mut Model) {
    let mut added = 0;
    for w in model.workloads.iter().filter(|w| w.app == app.name && w.kind == WorkloadKind::Deployment) {
        let body = Val::map()
            .with("apiVersion", Val::str("monitoring.coreos.com/v1"))
            .with("kind", Val::str("ServiceMonitor"))
            .with("metadata", Val::map().with("name", Val::Str(w.name.clone())).with("labels", super::app::label_map(&w.labels)).build())
            .with(
                "spec",
                Val::map()
                    .with("endpoints", Val::seq([Val::map().with("port", Val::str("metrics")).with("path", Val::Str(Text::value("metrics.path"))).with("interval", Val::Str(Text::value("metrics.serviceMonitor.interval"))).build()]))
                    .with("selector", Val::map().with("matchLabels", Val::map().with("pod", Val::Str(w.name.clone())).build()).build())
                    .build(),
            )
            .build();
        model.extra.push(ExtraObject { file: w.file.clone(), body, when: Some(Cond::value("metrics.serviceMonitor.enabled")) });
        added += 1;
    }
    if added > 0 {
        ctx.find("provider.metrics", Outcome::Translated, app.pos, "values.yaml:metrics.serviceMonitor", format!("metrics: port {} on every container and Service; {added} ServiceMonitors behind metrics.serviceMonitor.enabled (needs the Prometheus Operator CRDs)", ctx.env.metrics_port), None);
    }
}

fn container_applies(profile: &Profile, c: &Container) -> bool {
    let wanted = &profile.containers.image_parameters;
    if wanted.is_empty() {
        return true;
    }
    let uses = |v: &Val| {
        let mut ps = Vec::new();
        v.params(&mut ps);
        ps.iter().any(|p| wanted.contains(p))
    };
    uses(&c.image)
}

fn resolve(profile: &Profile, provider: &str, spec: &EnvSpec, settings: &Settings) -> Result<Option<Setting>, InputError> {
    if let Some(l) = &spec.literal {
        return Ok(Some(Setting { value: EnvValue::Value(Val::str(l)), when: None }));
    }
    let from = spec.from.as_deref().unwrap_or_default();
    match settings.get(from) {
        Some(s) => Ok(Some(s.clone())),
        None => Err(InputError::whole(&profile.origin, format!("env `{}` of provider `{provider}` takes `from: {from}`, which that provider does not offer", spec.name))
            .hint(format!("use one of: {}", settings.keys().copied().collect::<Vec<_>>().join(", ")))),
    }
}

fn provider_specs<'p>(profile: &'p Profile, provider: &str) -> &'p [EnvSpec] {
    let p = &profile.providers;
    let block = match provider {
        "database" => &p.database,
        "inMemoryDb" => &p.in_memory_db,
        "kafka" => &p.kafka,
        "objectStore" => &p.object_store,
        "featureFlags" => &p.feature_flags,
        _ => &None,
    };
    block.as_ref().map(|b| b.env.as_slice()).unwrap_or(&[])
}

/// Env mode: force the Clowder switch off and append the profile's env vars.
fn apply_env(ctx: &mut Ctx, app: &ClowdApp, profile: &Profile, conns: &Connections, model: &mut Model) -> Result<(), InputError> {
    // Each provider env var points at the ClowdApp field that asked for the provider.
    let source_of = |provider: &str, detail: Option<&str>| {
        model.infrastructure.iter().find(|n| n.app == app.name && n.provider == provider && detail.is_none_or(|d| n.detail.ends_with(d))).map(|n| n.source.clone())
    };
    let mut additions: Vec<EnvVar> = Vec::new();
    for (provider, settings) in &conns.providers {
        for spec in provider_specs(profile, provider) {
            if let Some(s) = resolve(profile, provider, spec, settings)? {
                additions.push(EnvVar { name: spec.name.clone(), value: s.value, origin: EnvOrigin::Provider(provider.to_string()), when: s.when, source: source_of(provider, None) });
            }
        }
    }
    for (dep, _, settings, specs) in &conns.dependencies {
        for spec in specs {
            if let Some(s) = resolve(profile, &format!("dependency {dep}"), spec, settings)? {
                additions.push(EnvVar { name: spec.name.clone(), value: s.value, origin: EnvOrigin::Provider(format!("dependency:{dep}")), when: s.when, source: source_of("dependency", Some(dep)) });
            }
        }
    }
    let mut forced = 0;
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut skipped_containers = Vec::new();
    for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
        let wname = w.name.display();
        let all: Vec<&mut Container> = w.pod.containers.iter_mut().chain(w.pod.init_containers.iter_mut()).collect();
        for c in all {
            if !container_applies(profile, c) {
                skipped_containers.push(c.name.display());
                continue;
            }
            if !profile.clowder_switch.is_empty() {
                match c.env.iter_mut().find(|e| e.name == profile.clowder_switch) {
                    Some(e) => e.value = EnvValue::Value(Val::str("false")),
                    None => c.env.push(EnvVar { name: profile.clowder_switch.clone(), value: EnvValue::Value(Val::str("false")), origin: EnvOrigin::Provider("clowder".into()), when: None, source: None }),
                }
                forced += 1;
            }
            for a in &additions {
                if c.env.iter().any(|e| e.name == a.name) {
                    if !kept.iter().any(|(n, _)| *n == a.name) {
                        kept.push((a.name.clone(), wname.clone()));
                    }
                    continue;
                }
                c.env.push(a.clone());
            }
        }
    }
    if let Some(port) = profile.app_ports.get("private") {
        let mut moved = Vec::new();
        for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
            let Some(main) = w.pod.containers.first_mut() else { continue };
            if !container_applies(profile, main) {
                continue;
            }
            let Some(p) = main.ports.iter_mut().find(|p| p.name == "private") else { continue };
            p.port = Val::Int(*port);
            if let Some(sp) = w.service.as_mut().and_then(|s| s.ports.iter_mut().find(|p| p.name == "private")) {
                sp.target_port = Val::Int(*port);
            }
            moved.push(w.name.display());
        }
        if !moved.is_empty() {
            ctx.find("config.app-port", Outcome::Approximated, app.pos, "Service private targetPort", format!("profile `{}`: without cdappconfig.json the app listens on {port} for its private API; container port `private` and the Service targetPort use {port} (the Service port stays Clowder's) in {}", profile.name, moved.join(", ")), None);
        }
    }
    if forced > 0 {
        ctx.find("config.clowder-disabled", Outcome::Translated, app.pos, format!("env {}", profile.clowder_switch), format!("{} forced to \"false\" in {forced} containers so the app reads env vars instead of cdappconfig.json (no ACG_CONFIG is set)", profile.clowder_switch), None);
    }
    for (name, w) in kept {
        ctx.find("config.template-env-kept", Outcome::Approximated, app.pos, format!("{w}:env.{name}"), format!("the template already sets {name}; its value is kept instead of the provider's"), Some("remove it from the template if the chart's value should win"));
    }
    if !skipped_containers.is_empty() {
        skipped_containers.sort();
        skipped_containers.dedup();
        ctx.find("config.containers-skipped", Outcome::Translated, app.pos, "-", format!("containers not running the app's image get no provider env: {}", skipped_containers.join(", ")), None);
    }
    if !additions.is_empty() {
        let names: Vec<&str> = additions.iter().map(|a| a.name.as_str()).collect();
        ctx.find("config.env", Outcome::Translated, app.pos, "-", format!("Clowder's injected configuration replaced by env vars from profile `{}`: {}", profile.name, names.join(", ")), None);
    }
    Ok(())
}
