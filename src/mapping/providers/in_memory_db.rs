//! `inMemoryDb`: bundled Valkey (Clowder's redis mode) or an external Redis.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::model::k8s::label_map;
use crate::mapping::scope::AppValues;

/// The cache settings every consumer reads, from the values of the app that runs it.
fn settings(sc: &AppValues, svc: &str) -> Settings {
    let bundled = sc.path("inMemoryDb.bundled.enabled");
    let mut s = Settings::new();
    s.insert("host", plain(if_bundled(&bundled, Val::str(svc), sc.required("inMemoryDb.external.host"))));
    s.insert("port", plain(if_bundled(&bundled, Val::str("6379"), sc.str("inMemoryDb.external.port"))));
    s.insert(
        "password",
        Setting::new(
            EnvValue::From(secret_ref(sc.str("inMemoryDb.external.existingSecret"), sc.str("inMemoryDb.external.passwordKey"))),
            Some(Cond::And(vec![sc.cond("inMemoryDb.bundled.enabled").negated(), sc.cond("inMemoryDb.external.existingSecret")])),
        ),
    );
    s
}

/// `inMemoryDb`: bundled Valkey (Clowder's redis mode) or an external Redis. With
/// `sharedInMemoryDbAppName` naming an app of this template that has a cache, the app uses that
/// app's cache, as Clowder hands it the other app's Redis. Returns the settings and the values
/// they read.
pub fn in_memory_db(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], sc: &AppValues, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<(Settings, AppValues)>, InputError> {
    if !ctx.static_bool(app.in_memory_db.as_ref(), "inMemoryDb")? {
        return Ok(None);
    }
    let shared = match &app.shared_in_memory_db_app_name {
        Some(n) => Some(ctx.fixed(n, "sharedInMemoryDbAppName")?),
        None => None,
    };
    if let Some(other) = shared.as_deref().and_then(|o| ctx.app(o)).filter(|o| o.name != app.name)
        && ctx.static_bool(other.in_memory_db.as_ref(), "inMemoryDb")?
        && other.shared_in_memory_db_app_name.is_none()
    {
        let osc = ctx.values_of(&other.name);
        return Ok(Some((settings(&osc, &format!("{}-redis", other.name)), osc)));
    }
    let svc = format!("{}-redis", app.name);
    sc.push(
        values,
        "inMemoryDb",
        format!("Redis-protocol cache for ClowdApp `{}` (Clowder's inMemoryDb provider). Bundled: Valkey `{svc}`.", app.name),
        ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Run Valkey in the chart.", ValuesNode::leaf(shared.is_none())),
                    ("image", "Clowder's Valkey image (registry.redhat.io needs pull credentials; a public one is docker.io/valkey/valkey). A Redis image works with `server: redis-server` and `cli: redis-cli`.", ValuesNode::leaf("registry.redhat.io/rhel10/valkey-8:10.0")),
                    ("server", "Server command of the image.", ValuesNode::leaf("valkey-server")),
                    ("cli", "Client command of the image (liveness and readiness probes run `<cli> ping`).", ValuesNode::leaf("valkey-cli")),
                ]),
            ),
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Redis host when bundled.enabled is false.", ValuesNode::leaf(shared.as_ref().map(|s| format!("{s}-redis")).unwrap_or_default())),
                    ("port", "", ValuesNode::leaf(6379)),
                    ("existingSecret", "Secret with the Redis password (optional).", ValuesNode::leaf("")),
                    ("passwordKey", "", ValuesNode::leaf("password")),
                ]),
            ),
        ]),
    );
    let s = settings(sc, &svc);
    let redis_labels = labels_with(labels, &[("env-app", Val::str(&svc)), ("service", Val::str("redis"))]);
    let selector = vec![("env-app".to_string(), Val::str(&svc)), ("service".into(), Val::str("redis"))];
    let config = object("v1", "ConfigMap", &svc, labels).with("data", Val::map().with("redis.conf", Val::str("stop-writes-on-bgsave-error no\nprotected-mode no\n")).build()).build();
    let probe = Val::map().with("exec", Val::map().with("command", Val::seq([sc.str("inMemoryDb.bundled.cli"), Val::str("ping")])).build()).with("initialDelaySeconds", Val::Int(5)).with("periodSeconds", Val::Int(10)).build();
    let container = Val::map()
        .with("name", Val::str(&svc))
        .with("image", sc.str("inMemoryDb.bundled.image"))
        .with("command", Val::seq([sc.str("inMemoryDb.bundled.server"), Val::str("/etc/redis/redis.conf")]))
        .with("ports", Val::seq([Val::map().with("name", Val::str("redis")).with("containerPort", Val::Int(6379)).with("protocol", Val::str("TCP")).build()]))
        .with("livenessProbe", probe.clone())
        .with("readinessProbe", probe)
        .with("volumeMounts", Val::seq([Val::map().with("name", Val::str("config")).with("mountPath", Val::str("/etc/redis")).build()]))
        .build();
    let deployment = object("apps/v1", "Deployment", &svc, &redis_labels)
        .with(
            "spec",
            Val::map()
                .with("replicas", Val::Int(1))
                .with("selector", Val::map().with("matchLabels", label_map(&selector)).build())
                .with(
                    "template",
                    Val::map()
                        .with("metadata", Val::map().with("labels", label_map(&redis_labels)).build())
                        .with(
                            "spec",
                            Val::map()
                                .when(Cond::value("imagePullSecrets"), "imagePullSecrets", Val::ValueRef("imagePullSecrets".into()))
                                .with("containers", Val::seq([container]))
                                .with("volumes", Val::seq([Val::map().with("name", Val::str("config")).with("configMap", Val::map().with("name", Val::str(&svc)).with("defaultMode", Val::Int(420)).build()).build()]))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build();
    let service = service(&svc, &redis_labels, &selector, "redis", 6379);
    let file = format!("inmemorydb-{}.yaml", app.name);
    for body in [config, deployment, service] {
        bundled(extra, &file, body, &sc.path("inMemoryDb.bundled.enabled"));
    }
    Ok(Some((s, sc.clone())))
}

