//! Per Clowder provider: the connection settings an app needs, the values block that lets the
//! operator choose a bundled or an external service, and the bundled objects (clowder-semantics
//! §3–§4). Env var names are not decided here: the profile maps settings to names.

use super::app::label_map;
use super::Ctx;
use crate::error::InputError;
use crate::model::value::{GenRecipe, Generated};
use crate::model::workload::EnvValue;
use crate::model::{Cond, ExtraObject, Part, Text, Val, ValuesBlock, ValuesNode};
use crate::source::clowdapp::ClowdApp;
use serde_json::json;
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

fn plain(v: Val) -> Setting {
    Setting { value: EnvValue::Value(v), when: None }
}

fn text(t: Text) -> Setting {
    plain(Val::Str(t))
}

fn secret_ref(name: Val, key: Val) -> Val {
    Val::map().with("secretKeyRef", Val::map().with("name", name).with("key", key).build()).build()
}

fn vref(path: &str) -> Val {
    Val::Str(Text::value(path))
}

fn if_bundled(prefix: &str, bundled: Val, external: Val) -> Val {
    Val::If(Cond::value(&format!("{prefix}.bundled.enabled")), Box::new(bundled), Box::new(external))
}

fn req(path: &str) -> Val {
    Val::Str(Text(vec![Part::RequiredValue(path.to_string())]))
}

fn port_str(path: &str) -> Val {
    // Env values are strings; print the number.
    Val::Str(Text::value(path))
}

/// Objects rendered only when the bundled service is on.
fn bundled(model_extra: &mut Vec<ExtraObject>, file: &str, body: Val, switch: &str) {
    model_extra.push(ExtraObject { file: file.to_string(), body, when: Some(Cond::value(switch)) });
}

fn object(api: &str, kind: &str, name: &str, labels: &[(String, Val)]) -> crate::model::value::MapBuilder {
    Val::map()
        .with("apiVersion", Val::str(api))
        .with("kind", Val::str(kind))
        .with("metadata", Val::map().with("name", Val::str(name)).with("labels", label_map(labels)).build())
}

/// The Service in front of a bundled component: one TCP port, same number on both sides.
fn service(name: &str, labels: &[(String, Val)], selector: &[(String, Val)], port_name: &str, port: i64) -> Val {
    let port = Val::map().with("name", Val::str(port_name)).with("port", Val::Int(port)).with("targetPort", Val::Int(port)).with("protocol", Val::str("TCP")).build();
    object("v1", "Service", name, labels).with("spec", Val::map().with("selector", label_map(selector)).with("ports", Val::seq([port])).build()).build()
}

fn generated(secret: &str, key: &str, n: usize) -> Val {
    Val::Generated(Generated { param: None, secret: Text::lit(secret), key: key.into(), base64: false, recipe: GenRecipe::AlphaNum(n) })
}

/// Local database sizing (Clowder's t-shirt sizes): request = size, limit = next size up.
fn db_sizes(size: &str) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    const CPU: [&str; 5] = ["300m", "600m", "1200m", "1800m", "2400m"];
    const RAM: [&str; 5] = ["512Mi", "1Gi", "2Gi", "3Gi", "4Gi"];
    let i = match size {
        "small" => 1,
        "medium" => 2,
        "large" => 3,
        _ => 0,
    };
    ((CPU[i], RAM[i]), (CPU[i + 1], RAM[i + 1]))
}

fn db_image(version: &str) -> String {
    match version {
        "16" => "quay.io/redhat-services-prod/hcm-eng-prod-tenant/postgresql-rds:d44b8d1".into(),
        v @ ("12" | "13" | "14" | "15") => format!("quay.io/cloudservices/postgresql-rds:{v}-2318dee"),
        _ => "quay.io/cloudservices/postgresql-rds:12-2318dee".into(),
    }
}

/// `database`: bundled PostgreSQL (Clowder's local mode) or an external server.
pub fn database(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<(Settings, Val)>, InputError> {
    let Some(db) = &app.database else { return Ok(None) };
    let shared = db.shared_db_app_name.as_ref().map(|n| n.scalar_text().unwrap_or_default());
    let name_val = match (&db.name, &shared) {
        (Some(n), _) => ctx.val(n)?,
        (None, Some(_)) => vref("database.external.name"),
        (None, None) => return Ok(None),
    };
    let version = match &db.version {
        Some(v) => match ctx.val(v)? {
            Val::Typed(p) => ctx.input.parameter(&p).and_then(|p| p.value.clone()).unwrap_or_else(|| "12".into()),
            Val::Int(i) => i.to_string(),
            other => other.as_literal_str().unwrap_or_else(|| "12".into()),
        },
        None => "12".into(),
    };
    let size = db.db_resource_size.as_ref().and_then(|n| n.as_str()).unwrap_or("x-small");
    let volume = match db.db_volume_size.as_ref().and_then(|n| n.as_str()) {
        Some("small") => "2Gi",
        Some("medium") => "3Gi",
        Some("large") => "5Gi",
        _ => "1Gi",
    };
    let ((req_cpu, req_mem), (lim_cpu, lim_mem)) = db_sizes(size);
    let svc = format!("{}-db", app.name);
    let default_bundled = shared.is_none();
    let ext_host = shared.as_ref().map(|s| format!("{s}-db")).unwrap_or_default();
    // The external default has the bundled Secret's name and keys, so data moved off the bundled
    // database keeps working; the operator creates it.
    let ext_secret = shared.as_ref().map(|s| format!("{s}-db")).unwrap_or_else(|| svc.clone());
    values.push(ValuesBlock {
        key: "database".into(),
        comment: format!("PostgreSQL for ClowdApp `{}` (Clowder's database provider). Bundled: a StatefulSet `{svc}` with generated credentials kept across upgrades. External: your server.", app.name),
        value: ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Run PostgreSQL in the chart.", ValuesNode::leaf(default_bundled)),
                    ("image", &format!("Image for PostgreSQL {version} (the one Clowder uses for that version)."), ValuesNode::leaf(db_image(&version))),
                    ("storage", "", ValuesNode::map(vec![("size", "PersistentVolumeClaim size.", ValuesNode::leaf(volume)), ("storageClassName", "Storage class; empty uses the cluster default.", ValuesNode::leaf(""))])),
                    (
                        "resources",
                        "",
                        ValuesNode::leaf(json!({"limits": {"cpu": lim_cpu, "memory": lim_mem}, "requests": {"cpu": req_cpu, "memory": req_mem}})),
                    ),
                ]),
            ),
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Database host when bundled.enabled is false.", ValuesNode::leaf(ext_host.as_str())),
                    ("port", "", ValuesNode::leaf(5432)),
                    ("name", "Database name; empty uses the ClowdApp's database name.", ValuesNode::leaf("")),
                    ("existingSecret", "Secret holding the user and password (created by you).", ValuesNode::leaf(ext_secret.as_str())),
                    ("userKey", "", ValuesNode::leaf("db.user")),
                    ("passwordKey", "", ValuesNode::leaf("db.password")),
                    ("sslMode", "PostgreSQL sslmode for clients that take it (cdappconfig `sslMode`).", ValuesNode::leaf("disable")),
                ]),
            ),
        ]),
    });
    let name = Val::If(
        Cond::And(vec![Cond::value("database.bundled.enabled").negated(), Cond::value("database.external.name")]),
        Box::new(vref("database.external.name")),
        Box::new(name_val.clone()),
    );
    let secret_name = if_bundled("database", Val::str(&svc), req("database.external.existingSecret"));
    let mut s = Settings::new();
    s.insert("host", plain(if_bundled("database", Val::str(&svc), req("database.external.host"))));
    s.insert("port", plain(if_bundled("database", Val::str("5432"), port_str("database.external.port"))));
    s.insert("name", plain(name.clone()));
    s.insert("username", Setting { value: EnvValue::From(secret_ref(secret_name.clone(), if_bundled("database", Val::str("username"), vref("database.external.userKey")))), when: None });
    s.insert("password", Setting { value: EnvValue::From(secret_ref(secret_name, if_bundled("database", Val::str("password"), vref("database.external.passwordKey")))), when: None });
    s.insert("sslMode", plain(if_bundled("database", Val::str("disable"), vref("database.external.sslMode"))));

    // Bundled objects, as Clowder's local database provider makes them.
    let mut db_labels = labels.to_vec();
    db_labels.push(("service".into(), Val::str("db")));
    db_labels.push(("sub".into(), Val::str("local_db")));
    let selector = vec![("app".to_string(), Val::str(&app.name)), ("service".into(), Val::str("db")), ("sub".into(), Val::str("local_db"))];
    let secret = object("v1", "Secret", &svc, labels)
        .with("type", Val::str("Opaque"))
        .with(
            "stringData",
            Val::map()
                .with("hostname", Val::str(&svc))
                .with("db.host", Val::str(&svc))
                .with("port", Val::str("5432"))
                .with("db.port", Val::str("5432"))
                .with("username", generated(&svc, "username", 16))
                .with("db.user", generated(&svc, "username", 16))
                .with("password", generated(&svc, "password", 16))
                .with("db.password", generated(&svc, "password", 16))
                .with("pgPass", generated(&svc, "pgPass", 16))
                .with("name", name_val.clone())
                .with("db.name", name_val.clone())
                .build(),
        )
        .build();
    let env_from_secret = |var: &str, key: &str| Val::map().with("name", Val::str(var)).with("valueFrom", secret_ref(Val::str(&svc), Val::str(key))).build();
    let psql_probe = |delay: i64| {
        Val::map()
            .with("exec", Val::map().with("command", Val::seq([Val::str("psql"), Val::str("-U"), Val::str("$(POSTGRESQL_USER)"), Val::str("-d"), Val::str("$(POSTGRESQL_DATABASE)"), Val::str("-c"), Val::str("SELECT 1")])).build())
            .with("initialDelaySeconds", Val::Int(delay))
            .with("timeoutSeconds", Val::Int(2))
            .with("periodSeconds", Val::Int(10))
            .build()
    };
    let container = Val::map()
        .with("name", Val::str(&svc))
        .with("image", vref("database.bundled.image"))
        .with(
            "env",
            Val::seq([
                env_from_secret("POSTGRESQL_USER", "username"),
                env_from_secret("POSTGRESQL_PASSWORD", "password"),
                env_from_secret("POSTGRESQL_ADMIN_PASSWORD", "pgPass"),
                Val::map().with("name", Val::str("POSTGRESQL_DATABASE")).with("value", name_val).build(),
            ]),
        )
        .with("ports", Val::seq([Val::map().with("name", Val::str("database")).with("containerPort", Val::Int(5432)).with("protocol", Val::str("TCP")).build()]))
        .with("livenessProbe", psql_probe(15))
        .with("readinessProbe", psql_probe(45))
        .with("resources", Val::ValueRef("database.bundled.resources".into()))
        .with("volumeMounts", Val::seq([Val::map().with("name", Val::str("data")).with("mountPath", Val::str("/var/lib/pgsql/data")).build()]))
        .build();
    let claim_spec = Val::map()
        .with("accessModes", Val::seq([Val::str("ReadWriteOnce")]))
        .with("resources", Val::map().with("requests", Val::map().with("storage", vref("database.bundled.storage.size")).build()).build())
        .when(Cond::value("database.bundled.storage.storageClassName"), "storageClassName", vref("database.bundled.storage.storageClassName"))
        .build();
    let statefulset = object("apps/v1", "StatefulSet", &svc, &db_labels)
        .with(
            "spec",
            Val::map()
                .with("serviceName", Val::str(&svc))
                .with("replicas", Val::Int(1))
                .with("selector", Val::map().with("matchLabels", label_map(&selector)).build())
                .with(
                    "template",
                    Val::map()
                        .with("metadata", Val::map().with("labels", label_map(&db_labels)).build())
                        .with("spec", Val::map().with("containers", Val::seq([container])).build())
                        .build(),
                )
                .with("volumeClaimTemplates", Val::seq([Val::map().with("metadata", Val::map().with("name", Val::str("data")).build()).with("spec", claim_spec).build()]))
                .build(),
        )
        .build();
    let service = service(&svc, &db_labels, &selector, "database", 5432);
    let file = format!("database-{}.yaml", app.name);
    for body in [secret, statefulset, service] {
        bundled(extra, &file, body, "database.bundled.enabled");
    }
    Ok(Some((s, vref("database.bundled.enabled"))))
}

/// `inMemoryDb`: bundled Valkey (Clowder's redis mode) or an external Redis.
pub fn in_memory_db(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<Settings>, InputError> {
    if !ctx.static_bool(app.in_memory_db.as_ref(), "inMemoryDb")? {
        return Ok(None);
    }
    let svc = format!("{}-redis", app.name);
    let shared = app.shared_in_memory_db_app_name.as_ref().and_then(|n| n.scalar_text());
    values.push(ValuesBlock {
        key: "inMemoryDb".into(),
        comment: format!("Redis-protocol cache for ClowdApp `{}` (Clowder's inMemoryDb provider). Bundled: Valkey `{svc}`.", app.name),
        value: ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Run Valkey in the chart.", ValuesNode::leaf(shared.is_none())),
                    ("image", "Clowder's Valkey image (needs registry.redhat.io credentials; any Valkey/Redis image works).", ValuesNode::leaf("registry.redhat.io/rhel10/valkey-8:10.0")),
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
    });
    let mut s = Settings::new();
    s.insert("host", plain(if_bundled("inMemoryDb", Val::str(&svc), req("inMemoryDb.external.host"))));
    s.insert("port", plain(if_bundled("inMemoryDb", Val::str("6379"), port_str("inMemoryDb.external.port"))));
    s.insert(
        "password",
        Setting {
            value: EnvValue::From(secret_ref(vref("inMemoryDb.external.existingSecret"), vref("inMemoryDb.external.passwordKey"))),
            when: Some(Cond::And(vec![Cond::value("inMemoryDb.bundled.enabled").negated(), Cond::value("inMemoryDb.external.existingSecret")])),
        },
    );
    let mut redis_labels = labels.to_vec();
    redis_labels.push(("env-app".into(), Val::str(&svc)));
    redis_labels.push(("service".into(), Val::str("redis")));
    let selector = vec![("env-app".to_string(), Val::str(&svc)), ("service".into(), Val::str("redis"))];
    let config = object("v1", "ConfigMap", &svc, labels).with("data", Val::map().with("redis.conf", Val::str("stop-writes-on-bgsave-error no\nprotected-mode no\n")).build()).build();
    let probe = Val::map().with("exec", Val::map().with("command", Val::seq([Val::str("valkey-cli"), Val::str("ping")])).build()).with("initialDelaySeconds", Val::Int(5)).with("periodSeconds", Val::Int(10)).build();
    let container = Val::map()
        .with("name", Val::str(&svc))
        .with("image", vref("inMemoryDb.bundled.image"))
        .with("command", Val::seq([Val::str("valkey-server"), Val::str("/etc/redis/redis.conf")]))
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
        bundled(extra, &file, body, "inMemoryDb.bundled.enabled");
    }
    Ok(Some(s))
}

/// `kafkaTopics`: an external (or shared) Kafka; topic names mapped in values; optional Strimzi
/// KafkaTopic objects.
pub fn kafka(ctx: &mut Ctx, app: &ClowdApp, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<KafkaMapping>, InputError> {
    // KEDA kafka triggers need the brokers even when the app requests no topic.
    let kafka_trigger = app.deployments.iter().filter_map(|d| d.auto_scaler.as_ref()).flat_map(|a| a.get("triggers").map(|t| t.items().to_vec()).unwrap_or_default()).any(|t| t.get("type").and_then(|n| n.as_str()) == Some("kafka"));
    if app.kafka_topics.is_empty() && !kafka_trigger {
        return Ok(None);
    }
    let mut topics = Vec::new();
    for t in &app.kafka_topics {
        let name = ctx.text(&t.topic_name)?;
        let requested = name.as_literal().unwrap_or_else(|| name.display());
        topics.push((requested, t));
    }
    values.push(ValuesBlock {
        key: "kafka".into(),
        comment: format!("Kafka for ClowdApp `{}` (Clowder's kafka provider). The chart does not run Kafka: point it at yours.", app.name),
        value: ValuesNode::map(vec![
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Bootstrap host (one address; Koku reads a single host:port).", ValuesNode::leaf("kafka")),
                    ("port", "", ValuesNode::leaf(9092)),
                    ("securityProtocol", "Applied when SASL is on (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).", ValuesNode::leaf("SASL_SSL")),
                ]),
            ),
            (
                "sasl",
                "",
                ValuesNode::map(vec![
                    ("mechanism", "SASL mechanism (e.g. SCRAM-SHA-512, PLAIN); empty disables SASL.", ValuesNode::leaf("")),
                    ("existingSecret", "Secret with the SASL username and password.", ValuesNode::leaf("")),
                    ("usernameKey", "", ValuesNode::leaf("username")),
                    ("passwordKey", "", ValuesNode::leaf("password")),
                ]),
            ),
            ("caSecret", "Secret holding the broker CA (key ca.crt), for clients that verify TLS; empty: none.", ValuesNode::leaf("")),
            (
                "topics",
                "",
                ValuesNode::map(vec![
                    ("create", "Render Strimzi KafkaTopic objects (needs the Strimzi CRDs).", ValuesNode::leaf(false)),
                    ("cluster", "Strimzi cluster name (label strimzi.io/cluster).", ValuesNode::leaf("kafka")),
                    ("names", "Requested topic name → actual topic name.", ValuesNode::Map(topics.iter().map(|(r, _)| (r.clone(), String::new(), ValuesNode::leaf(r.as_str()))).collect())),
                ]),
            ),
        ]),
    });
    let sasl_on = Cond::value("kafka.sasl.mechanism");
    let mut s = Settings::new();
    s.insert("host", plain(req("kafka.external.host")));
    s.insert("port", plain(port_str("kafka.external.port")));
    s.insert("bootstrapServers", text(Text(vec![Part::RequiredValue("kafka.external.host".into()), Part::Lit(":".into()), Part::Value("kafka.external.port".into())])));
    s.insert("saslMechanism", Setting { value: EnvValue::Value(vref("kafka.sasl.mechanism")), when: Some(sasl_on.clone()) });
    s.insert("securityProtocol", Setting { value: EnvValue::Value(vref("kafka.external.securityProtocol")), when: Some(sasl_on.clone()) });
    s.insert("saslUsername", Setting { value: EnvValue::From(secret_ref(req("kafka.sasl.existingSecret"), vref("kafka.sasl.usernameKey"))), when: Some(sasl_on.clone()) });
    s.insert("saslPassword", Setting { value: EnvValue::From(secret_ref(req("kafka.sasl.existingSecret"), vref("kafka.sasl.passwordKey"))), when: Some(sasl_on) });
    let mut mapped = Vec::new();
    for (requested, t) in &topics {
        let name_path = format!("kafka.topics.names.{}", crate::model::value::path_key(requested));
        let mut spec = Val::map()
            .with("partitions", t.partitions.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)))
            .with("replicas", t.replicas.as_ref().map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(3)));
        if !t.config.is_empty() {
            let cfg = Val::Map(t.config.iter().map(|(k, v)| Ok(crate::model::Entry { key: Text::lit(&k.text), val: ctx.val(v)?, when: None })).collect::<Result<_, InputError>>()?);
            spec = spec.with("config", cfg);
        }
        let body = Val::map()
            .with("apiVersion", Val::str("kafka.strimzi.io/v1beta2"))
            .with("kind", Val::str("KafkaTopic"))
            .with("metadata", Val::map().with("name", vref(&name_path)).with("labels", Val::map().with("strimzi.io/cluster", vref("kafka.topics.cluster")).build()).build())
            .with("spec", Val::map().with("topicName", vref(&name_path)).build())
            .build();
        let mut body = body;
        if let Some(Val::Map(m)) = body.get_mut("spec")
            && let Val::Map(extra_spec) = spec.build() {
                m.extend(extra_spec);
            }
        extra.push(ExtraObject { file: format!("kafkatopics-{}.yaml", app.name), body, when: Some(Cond::value("kafka.topics.create")) });
        mapped.push((requested.clone(), name_path));
    }
    Ok(Some((s, mapped)))
}

/// `objectStore`: an external S3-compatible store; bucket names mapped in values; an optional
/// hook Job that creates the buckets (Clowder's minio provider created them).
pub fn object_store(ctx: &mut Ctx, app: &ClowdApp, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<BucketMapping>, InputError> {
    if app.object_store.is_empty() {
        return Ok(None);
    }
    let mut buckets = Vec::new();
    for b in &app.object_store {
        buckets.push(ctx.text(b)?);
    }
    let secret = format!("{}-object-store", app.name);
    values.push(ValuesBlock {
        key: "objectStore".into(),
        comment: format!("S3-compatible object storage for ClowdApp `{}` (Clowder's objectStore provider). The chart does not run a store: point it at yours.", app.name),
        value: ValuesNode::map(vec![
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("endpoint", "Endpoint URL (scheme, host and port).", ValuesNode::leaf("http://minio:9000")),
                    ("region", "", ValuesNode::leaf("us-east-1")),
                    ("existingSecret", "Secret with the access and secret keys (you create it).", ValuesNode::leaf(secret.as_str())),
                    ("accessKeyKey", "", ValuesNode::leaf("accessKey")),
                    ("secretKeyKey", "", ValuesNode::leaf("secretKey")),
                ]),
            ),
            (
                "createBuckets",
                "",
                ValuesNode::map(vec![
                    ("enabled", "Run a hook Job that creates the buckets (Clowder's minio mode created them).", ValuesNode::leaf(false)),
                    ("image", "Image with the MinIO client `mc`.", ValuesNode::leaf("quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z")),
                ]),
            ),
        ]),
    });
    let keys = |key: &str| secret_ref(req("objectStore.external.existingSecret"), vref(&format!("objectStore.external.{key}")));
    let mut s = Settings::new();
    s.insert("endpoint", plain(req("objectStore.external.endpoint")));
    s.insert("region", plain(vref("objectStore.external.region")));
    s.insert("accessKey", Setting { value: EnvValue::From(keys("accessKeyKey")), when: None });
    s.insert("secretKey", Setting { value: EnvValue::From(keys("secretKeyKey")), when: None });
    let mut script = String::from("set -e\nmc alias set store \"$S3_ENDPOINT\" \"$S3_ACCESS_KEY\" \"$S3_SECRET\"\n");
    let mut mapped = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        script.push_str(&format!("mc mb --ignore-existing \"store/$BUCKET_{i}\"\n"));
        mapped.push((b.clone(), format!("BUCKET_{i}")));
    }
    let mut env = vec![
        Val::map().with("name", Val::str("S3_ENDPOINT")).with("value", req("objectStore.external.endpoint")).build(),
        Val::map().with("name", Val::str("S3_ACCESS_KEY")).with("valueFrom", keys("accessKeyKey")).build(),
        Val::map().with("name", Val::str("S3_SECRET")).with("valueFrom", keys("secretKeyKey")).build(),
    ];
    for (b, var) in &mapped {
        env.push(Val::map().with("name", Val::str(var)).with("value", Val::Str(b.clone())).build());
    }
    let job = Val::map()
        .with("apiVersion", Val::str("batch/v1"))
        .with("kind", Val::str("Job"))
        .with(
            "metadata",
            Val::map()
                .with("name", Val::str(format!("{}-create-buckets", app.name)))
                .with(
                    "annotations",
                    Val::map().with("helm.sh/hook", Val::str("pre-install,pre-upgrade")).with("helm.sh/hook-delete-policy", Val::str("before-hook-creation")).build(),
                )
                .build(),
        )
        .with(
            "spec",
            Val::map()
                .with(
                    "template",
                    Val::map()
                        .with(
                            "spec",
                            Val::map()
                                .with("restartPolicy", Val::str("Never"))
                                .with(
                                    "containers",
                                    Val::seq([Val::map()
                                        .with("name", Val::str("create-buckets"))
                                        .with("image", vref("objectStore.createBuckets.image"))
                                        .with("command", Val::seq([Val::str("/bin/sh"), Val::str("-c"), Val::str(&script)]))
                                        .with("env", Val::seq(env))
                                        .build()]),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build();
    extra.push(ExtraObject { file: format!("objectstore-{}.yaml", app.name), body: job, when: Some(Cond::value("objectStore.createBuckets.enabled")) });
    Ok(Some((s, buckets.into_iter().map(|b| (b.clone(), b.display())).collect())))
}

/// `featureFlags`: an Unleash server, or none.
pub fn feature_flags(ctx: &mut Ctx, app: &ClowdApp, values: &mut Vec<ValuesBlock>) -> Result<Option<Settings>, InputError> {
    if !ctx.static_bool(app.feature_flags.as_ref(), "featureFlags")? {
        return Ok(None);
    }
    values.push(ValuesBlock {
        key: "featureFlags".into(),
        comment: format!("Unleash feature flags for ClowdApp `{}` (Clowder's featureFlags provider). The chart does not run Unleash.", app.name),
        value: ValuesNode::map(vec![
            ("enabled", "Give the app an Unleash endpoint.", ValuesNode::leaf(true)),
            ("host", "", ValuesNode::leaf("unleash")),
            ("port", "", ValuesNode::leaf(4242)),
            ("scheme", "", ValuesNode::leaf("http")),
            ("existingSecret", "Secret with the client access token (optional).", ValuesNode::leaf("")),
            ("tokenKey", "", ValuesNode::leaf("clientAccessToken")),
        ]),
    });
    let on = Cond::value("featureFlags.enabled");
    let mut s = Settings::new();
    s.insert("host", Setting { value: EnvValue::Value(vref("featureFlags.host")), when: Some(on.clone()) });
    s.insert("port", Setting { value: EnvValue::Value(port_str("featureFlags.port")), when: Some(on.clone()) });
    s.insert("scheme", Setting { value: EnvValue::Value(vref("featureFlags.scheme")), when: Some(on.clone()) });
    s.insert(
        "clientAccessToken",
        Setting { value: EnvValue::From(secret_ref(vref("featureFlags.existingSecret"), vref("featureFlags.tokenKey"))), when: Some(Cond::And(vec![on, Cond::value("featureFlags.existingSecret")])) },
    );
    Ok(Some(s))
}

/// One dependency's endpoint: host defaults to Clowder's `<app>-<deployment>` Service name.
pub fn dependency(app_name: &str, deployment: Option<&str>, optional: bool, values: &mut Vec<(String, ValuesNode)>) -> Settings {
    let host = match deployment {
        Some(d) => format!("{app_name}-{d}"),
        None => app_name.to_string(),
    };
    values.push((
        app_name.to_string(),
        ValuesNode::map(vec![
            ("host", "", ValuesNode::leaf(host.as_str())),
            ("port", "", ValuesNode::leaf(8000)),
            ("scheme", "", ValuesNode::leaf("http")),
            ("path", "", ValuesNode::leaf("")),
        ]),
    ));
    let block = if optional { "optionalDependencies" } else { "dependencies" };
    let p = |k: &str| format!("{block}.{app_name}.{k}");
    let mut s = Settings::new();
    s.insert("host", plain(vref(&p("host"))));
    s.insert("port", plain(port_str(&p("port"))));
    s.insert("scheme", plain(vref(&p("scheme"))));
    s.insert("path", plain(vref(&p("path"))));
    s
}
