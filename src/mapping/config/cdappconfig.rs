//! cdappconfig mode: the `cdappconfig.json` Clowder would have written (clowder-semantics §3),
//! rendered at install time from the same values as env mode, in Secret `<app>` mounted at
//! `/cdapp/`, with `ACG_CONFIG` pointing at it and a `configHash` pod annotation.

use crate::mapping::connections::{Connections, Settings};
use crate::mapping::scope::AppValues;
use crate::mapping::Ctx;
use crate::error::InputError;
use crate::model::value::{GenRecipe, Generated};
use crate::model::workload::{EnvOrigin, EnvValue, EnvVar};
use crate::model::{Cond, Model, Outcome, Part, Text, Val, WorkloadKind};
use crate::source::clowdapp::ClowdApp;

pub const MOUNT: &str = "/cdapp/";
pub const FILE: &str = "/cdapp/cdappconfig.json";

fn v(path: &str) -> Val {
    Val::ValueRef(path.into())
}

fn s(path: &str) -> Val {
    Val::Str(Text::value(path))
}

fn setting_val(settings: &Settings, key: &str) -> Val {
    match settings.get(key).map(|s| &s.value) {
        Some(EnvValue::Value(v)) => v.clone(),
        _ => Val::str(""),
    }
}

/// The credential behind a `secretKeyRef` setting, read at install time.
fn secret_val(settings: &Settings, key: &str) -> Val {
    let Some(EnvValue::From(from)) = settings.get(key).map(|s| &s.value) else { return Val::str("") };
    let Some(r) = from.get("secretKeyRef") else { return Val::str("") };
    let to_text = |v: Option<&Val>| match v {
        Some(Val::Str(t)) => t.clone(),
        _ => Text::lit(""),
    };
    match (r.get("name"), r.get("key")) {
        (Some(Val::If(c, b_name, e_name)), Some(Val::If(_, b_key, e_key))) => {
            // Bundled: the chart's own generated credential; external: the operator's Secret.
            let bundled = Val::Generated(Generated { param: None, secret: to_text(Some(b_name)), key: b_key.as_literal_str().unwrap_or_default(), base64: false, recipe: GenRecipe::AlphaNum(16) });
            let external = Val::SecretValue { secret: to_text(Some(e_name)), key: to_text(Some(e_key)) };
            Val::If(c.clone(), Box::new(bundled), Box::new(external))
        }
        (n, k) => Val::SecretValue { secret: to_text(n), key: to_text(k) },
    }
}

fn endpoint(app: &str, name: &str, host: Val, port: Val, api_paths: Vec<Val>) -> Val {
    let api_path = api_paths.first().cloned().unwrap_or(Val::str(""));
    Val::map()
        .with("app", Val::str(app))
        .with("name", Val::str(name))
        .with("hostname", host)
        .with("port", port)
        .with("tlsPort", Val::Int(0))
        .with("h2cPort", Val::Int(0))
        .with("h2cTLSPort", Val::Int(0))
        .with("apiPath", api_path)
        .with("apiPaths", Val::seq(api_paths))
        .build()
}

fn svc_host(app: &str, dep: &str) -> Val {
    Val::Str(Text(vec![Part::Lit(format!("{app}-{dep}.")), Part::Namespace, Part::Lit(".svc".into())]))
}

pub fn apply(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], own: &AppValues, conns: &Connections, model: &mut Model) -> Result<(), InputError> {
    if model.objects.iter().any(|o| o.kind == "Secret" && o.name.is_literal(app.name.as_str())) {
        return Err(InputError::at(&ctx.input.file, app.pos.line, app.pos.col, format!("the template defines a Secret named `{}`, which is the name of the cdappconfig Secret", app.name)).hint("rename that Secret or use --config-mode env"));
    }
    let mut public = Vec::new();
    let mut private = Vec::new();
    let mut deployments = Vec::new();
    let images: std::collections::HashMap<String, &Val> = model.workloads.iter().filter(|w| w.app == app.name && w.kind == WorkloadKind::Deployment).filter_map(|w| Some((w.component.as_literal()?, &w.main().image))).collect();
    for dep in &app.deployments {
        let image = images.get(&dep.name).map(|v| (*v).clone()).unwrap_or(Val::str(""));
        deployments.push(Val::map().with("name", Val::str(&dep.name)).with("image", image).build());
        let is_public = ctx.static_bool(dep.public.enabled.as_ref(), &dep.name)? || ctx.static_bool(dep.web.as_ref(), &dep.name)?;
        if is_public {
            let paths: Vec<Val> = if !dep.public.api_paths.is_empty() {
                dep.public.api_paths.iter().map(|n| ctx.val(n)).collect::<Result<_, _>>()?
            } else if let Some(p) = &dep.public.api_path {
                vec![Val::Str(Text::lit("/api/").then(&ctx.text(p)?).then_lit("/"))]
            } else {
                vec![Val::str(format!("/api/{}-{}/", app.name, dep.name))]
            };
            public.push(endpoint(&app.name, &dep.name, svc_host(&app.name, &dep.name), v("web.port"), paths));
        }
        if ctx.static_bool(dep.private.enabled.as_ref(), &dep.name)? {
            private.push(
                Val::map()
                    .with("app", Val::str(&app.name))
                    .with("name", Val::str(&dep.name))
                    .with("hostname", svc_host(&app.name, &dep.name))
                    .with("port", v("web.privatePort"))
                    .with("tlsPort", Val::Int(0))
                    .with("h2cPort", Val::Int(0))
                    .with("h2cTLSPort", Val::Int(0))
                    .build(),
            );
        }
    }
    for (dep, optional, _, _) in &conns.dependencies {
        let block = if *optional { "optionalDependencies" } else { "dependencies" };
        let p = |k: &str| format!("{block}.{}.{k}", crate::model::value::path_key(dep));
        public.push(endpoint(dep, dep, own.str(&p("host")), own.typed(&p("port")), vec![]));
    }
    let mut config = Val::map()
        .with("metricsPort", v("metrics.port"))
        .with("metricsPath", s("metrics.path"))
        .with("publicPort", v("web.port"))
        .with("webPort", v("web.port"))
        .with("privatePort", v("web.privatePort"))
        .with("logging", Val::map().with("type", Val::str("null")).with("cloudwatch", Val::map().with("accessKeyId", Val::str("")).with("logGroup", Val::str("")).with("region", Val::str("")).with("secretAccessKey", Val::str("")).build()).build())
        .with(
            "metadata",
            Val::map()
                .with("name", Val::str(&app.name))
                .with("envName", app.env_name.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::str("")))
                .non_empty("deployments", Val::seq(deployments))
                .build(),
        )
        .non_empty("endpoints", Val::seq(public))
        .non_empty("privateEndpoints", Val::seq(private));
    for (provider, st) in &conns.providers {
        // The values the provider's settings read: the app's own, or a shared app's.
        let sc = conns.scope(provider, own);
        let section = match *provider {
            "database" => Val::map()
                .with("hostname", setting_val(st, "host"))
                .with("port", Val::If(sc.cond("database.bundled.enabled"), Box::new(Val::Int(5432)), Box::new(sc.typed("database.external.port"))))
                .with("name", setting_val(st, "name"))
                .with("username", secret_val(st, "username"))
                .with("password", secret_val(st, "password"))
                .with("adminUsername", Val::str("postgres"))
                .with("adminPassword", Val::If(sc.cond("database.bundled.enabled"), Box::new(Val::Generated(Generated { param: None, secret: Text::lit(format!("{}-db", sc.app())), key: "pgPass".into(), base64: false, recipe: GenRecipe::AlphaNum(16) })), Box::new(secret_val(st, "password"))))
                .with("sslMode", setting_val(st, "sslMode"))
                .when(
                    Cond::And(vec![sc.cond("database.bundled.enabled").negated(), sc.cond("database.external.caSecret")]),
                    "rdsCa",
                    Val::SecretValue { secret: sc.text("database.external.caSecret"), key: Text::lit("ca.crt") },
                )
                .build(),
            "inMemoryDb" => Val::map()
                .with("hostname", setting_val(st, "host"))
                .with("port", Val::If(sc.cond("inMemoryDb.bundled.enabled"), Box::new(Val::Int(6379)), Box::new(sc.typed("inMemoryDb.external.port"))))
                .build(),
            "kafka" => {
                let sasl = sc.cond("kafka.sasl.mechanism");
                let broker = Val::map()
                    .with("hostname", setting_val(st, "host"))
                    .with("port", Val::If(sc.cond("kafka.bundled.enabled"), Box::new(Val::Int(9092)), Box::new(sc.typed("kafka.external.port"))))
                    .when(sasl.clone(), "authtype", Val::str("sasl"))
                    .when(
                        sasl.clone(),
                        "sasl",
                        Val::map()
                            .with("saslMechanism", sc.str("kafka.sasl.mechanism"))
                            .with("securityProtocol", sc.str("kafka.external.securityProtocol"))
                            .with("username", secret_val(st, "saslUsername"))
                            .with("password", secret_val(st, "saslPassword"))
                            .build(),
                    )
                    .when(sasl, "securityProtocol", sc.str("kafka.external.securityProtocol"))
                    .build();
                let topics = conns.topics.iter().map(|t| Val::map().with("requestedName", Val::Str(t.requested.clone())).with("name", t.actual.clone()).build());
                Val::map().with("brokers", Val::seq([broker])).with("topics", Val::seq(topics)).build()
            }
            "objectStore" => {
                let buckets = conns.buckets.iter().map(|(b, _)| {
                    Val::map()
                        .with("name", Val::Str(b.clone()))
                        .with("requestedName", Val::Str(b.clone()))
                        .with("accessKey", secret_val(st, "accessKey"))
                        .with("secretKey", secret_val(st, "secretKey"))
                        .with("region", sc.str("objectStore.external.region"))
                        .with("endpoint", setting_val(st, "host"))
                        .build()
                });
                let bundled = sc.cond("objectStore.bundled.enabled");
                Val::map()
                    .with("hostname", setting_val(st, "host"))
                    .with("port", Val::If(bundled.clone(), Box::new(Val::Int(9000)), Box::new(sc.typed("objectStore.external.port"))))
                    .with("tls", Val::If(bundled, Box::new(Val::Bool(false)), Box::new(sc.typed("objectStore.external.tls"))))
                    .with("accessKey", secret_val(st, "accessKey"))
                    .with("secretKey", secret_val(st, "secretKey"))
                    .with("buckets", Val::seq(buckets))
                    .build()
            }
            "featureFlags" => Val::map()
                .with("hostname", sc.str("featureFlags.host"))
                .with("port", sc.typed("featureFlags.port"))
                .with("scheme", sc.str("featureFlags.scheme"))
                .when(sc.cond("featureFlags.existingSecret"), "clientAccessToken", secret_val(st, "clientAccessToken"))
                .build(),
            _ => continue,
        };
        config = match *provider {
            "featureFlags" => config.when(sc.cond("featureFlags.enabled"), provider, section),
            _ => config.with(provider, section),
        };
    }
    model.config_files.push((app.name.clone(), config.build()));
    let secret = Val::map()
        .with("apiVersion", Val::str("v1"))
        .with("kind", Val::str("Secret"))
        .with("metadata", Val::map().with("name", Val::str(&app.name)).with("labels", crate::model::k8s::label_map(labels)).build())
        .with("type", Val::str("Opaque"))
        .with("stringData", Val::map().with("cdappconfig.json", Val::ConfigJson(app.name.clone())).build())
        .build();
    model.extra.push(crate::model::ExtraObject { file: format!("cdappconfig-{}.yaml", app.name), body: secret, when: None, infra: false });

    let acg = EnvVar { name: "ACG_CONFIG".into(), value: EnvValue::Value(Val::str(FILE)), origin: EnvOrigin::Clowder, when: None, source: None };
    let mount = Val::map().with("name", Val::str("config-secret")).with("mountPath", Val::str(MOUNT)).build();
    for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
        let mut volume = Val::map().with("name", Val::str("config-secret")).with("secret", Val::map().with("secretName", Val::str(&app.name)).build()).build();
        if w.kind != WorkloadKind::HookJob {
            volume.get_mut("secret").unwrap().set("defaultMode", Val::Int(420));
            w.pod.annotations.push((Text::lit("configHash"), Val::ConfigHash(app.name.clone())));
        }
        w.pod.volumes.push(volume);
        for c in w.pod.containers.iter_mut() {
            c.env.push(acg.clone());
            c.volume_mounts.push(mount.clone());
        }
        for c in w.pod.init_containers.iter_mut() {
            // Clowder: first for plain init containers, last (after the inherited env) otherwise.
            if c.inherits_env {
                c.env.push(acg.clone());
            } else {
                c.env.insert(0, acg.clone());
            }
            c.volume_mounts.push(mount.clone());
        }
    }
    ctx.find("config.cdappconfig", Outcome::Translated, app.pos, format!("Secret/{}", app.name), format!("cdappconfig mode: Secret `{}` holds the cdappconfig.json Clowder would have written, rendered from the chart values, mounted at {MOUNT} with ACG_CONFIG={FILE} and a configHash annotation", app.name), Some("credentials of external services are read from their Secrets at install time (helm lookup)"));
    Ok(())
}
