//! `objectStore`: an S3-compatible store and the app's buckets.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Part, Text, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::mapping::connections::BucketMapping;
use crate::mapping::scope::AppValues;

/// `objectStore`: a bundled MinIO (Clowder's minio mode) or an external S3-compatible store; a
/// hook Job creates the buckets (Clowder's minio provider created them itself).
pub fn object_store(ctx: &mut Ctx, app: &ClowdApp, labels: &[(String, Val)], sc: &AppValues, values: &mut Vec<ValuesBlock>, extra: &mut Vec<ExtraObject>) -> Result<Option<BucketMapping>, InputError> {
    if app.object_store.is_empty() {
        return Ok(None);
    }
    let mut buckets = Vec::new();
    for b in &app.object_store {
        buckets.push(ctx.text(b)?);
    }
    let secret = format!("{}-object-store", app.name);
    let svc = format!("{}-minio", app.name);
    sc.push(
        values,
        "objectStore",
        format!("S3-compatible object storage for ClowdApp `{}` (Clowder's objectStore provider): a bundled MinIO, or yours.", app.name),
        ValuesNode::map(vec![
            (
                "bundled",
                "",
                ValuesNode::map(vec![
                    ("enabled", &format!("Run MinIO `{svc}` in the chart, with generated credentials in Secret `{secret}` (keys accessKey, secretKey) and the app's buckets."), ValuesNode::leaf(false)),
                    ("image", "MinIO's image.", ValuesNode::leaf("quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z")),
                    ("storage", "", ValuesNode::map(vec![("size", "PersistentVolumeClaim size.", ValuesNode::leaf("10Gi")), ("storageClassName", "Storage class; empty uses the cluster default.", ValuesNode::leaf(""))])),
                    ("resources", "", ValuesNode::leaf(serde_json::json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "50m", "memory": "256Mi"}}))),
                ]),
            ),
            (
                "external",
                "",
                ValuesNode::map(vec![
                    ("host", "Host of your store when bundled.enabled is false.", ValuesNode::leaf("minio")),
                    ("port", "", ValuesNode::leaf(9000)),
                    ("tls", "Connect with https.", ValuesNode::leaf(false)),
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
                    ("enabled", "Run a hook Job that creates the buckets in your store (always done with the bundled one).", ValuesNode::leaf(false)),
                    ("image", "Image with the MinIO client `mc`.", ValuesNode::leaf("quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z")),
                ]),
            ),
        ]),
    );
    let bundled_on = sc.cond("objectStore.bundled.enabled");
    let url = |scheme: &str| Val::Str(Text(vec![Part::Lit(format!("{scheme}://")), Part::RequiredValue(sc.path("objectStore.external.host")), Part::Lit(":".into()), Part::Value(sc.path("objectStore.external.port"))]));
    let endpoint = Val::If(bundled_on.clone(), Box::new(Val::str(format!("http://{svc}:9000"))), Box::new(Val::If(sc.cond("objectStore.external.tls"), Box::new(url("https")), Box::new(url("http")))));
    let secret_name = if_bundled(&sc.path("objectStore.bundled.enabled"), Val::str(&secret), sc.required("objectStore.external.existingSecret"));
    let key = |bundled_key: &str, external: &str| secret_ref(secret_name.clone(), if_bundled(&sc.path("objectStore.bundled.enabled"), Val::str(bundled_key), sc.str(&format!("objectStore.external.{external}"))));
    let mut s = Settings::new();
    s.insert("endpoint", plain(endpoint.clone()));
    s.insert("host", plain(if_bundled(&sc.path("objectStore.bundled.enabled"), Val::str(&svc), sc.required("objectStore.external.host"))));
    s.insert("port", plain(if_bundled(&sc.path("objectStore.bundled.enabled"), Val::str("9000"), sc.str("objectStore.external.port"))));
    s.insert("region", plain(sc.str("objectStore.external.region")));
    s.insert("accessKey", Setting::new(EnvValue::From(key("accessKey", "accessKeyKey")), None));
    s.insert("secretKey", Setting::new(EnvValue::From(key("secretKey", "secretKeyKey")), None));

    let mut script = String::from("set -e\nuntil mc alias set store \"$S3_ENDPOINT\" \"$S3_ACCESS_KEY\" \"$S3_SECRET\"; do echo \"waiting for the object store at $S3_ENDPOINT\"; sleep 2; done\n");
    let mut mapped = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        script.push_str(&format!("mc mb --ignore-existing \"store/$BUCKET_{i}\"\n"));
        mapped.push((b.clone(), format!("BUCKET_{i}")));
    }
    let mut env = vec![
        Val::map().with("name", Val::str("S3_ENDPOINT")).with("value", endpoint).build(),
        Val::map().with("name", Val::str("S3_ACCESS_KEY")).with("valueFrom", key("accessKey", "accessKeyKey")).build(),
        Val::map().with("name", Val::str("S3_SECRET")).with("valueFrom", key("secretKey", "secretKeyKey")).build(),
        // mc keeps its configuration in $HOME, which may not be writable under a random uid.
        Val::map().with("name", Val::str("MC_CONFIG_DIR")).with("value", Val::str("/tmp/.mc")).build(),
    ];
    for (b, var) in &mapped {
        env.push(Val::map().with("name", Val::str(var)).with("value", Val::Str(b.clone())).build());
    }
    let container = Val::map()
        .with("name", Val::str("create-buckets"))
        .with("image", sc.str("objectStore.createBuckets.image"))
        .with("command", Val::seq([Val::str("/bin/sh"), Val::str("-c"), Val::str(&script)]))
        .with("env", Val::seq(env))
        .with("resources", small_resources())
        .build();
    // With a bundled store outside an ordered install the store is a release resource, created
    // after pre-install hooks: the buckets are then made right after the install instead.
    let early = Cond::Or(vec![Cond::value(crate::model::ORDERED), bundled_on.clone().negated()]);
    let events = Val::If(early, Box::new(Val::str(crate::model::ORDERED_EVENTS)), Box::new(Val::str("post-install,post-upgrade")));
    extra.push(ExtraObject {
        file: format!("objectstore-{}.yaml", app.name),
        body: setup_job(&format!("{}-create-buckets", app.name), labels, events, container),
        when: Some(Cond::Or(vec![sc.cond("objectStore.createBuckets.enabled"), bundled_on.clone()])),
        infra: true,
    });
    for body in bundled_minio(&svc, &secret, labels, sc) {
        bundled(extra, &format!("objectstore-{}.yaml", app.name), body, &sc.path("objectStore.bundled.enabled"));
    }
    Ok(Some((s, buckets.into_iter().map(|b| (b.clone(), b.display())).collect())))
}

/// MinIO as Clowder's minio mode runs it: one server, credentials generated into a Secret.
fn bundled_minio(svc: &str, secret: &str, labels: &[(String, Val)], sc: &AppValues) -> Vec<Val> {
    let own = labels_with(labels, &[("env-app", Val::str(svc)), ("service", Val::str("minio"))]);
    let selector = vec![("env-app".to_string(), Val::str(svc)), ("service".into(), Val::str("minio"))];
    let creds = object("v1", "Secret", secret, labels)
        .with("type", Val::str("Opaque"))
        .with("stringData", Val::map().with("accessKey", generated(secret, "accessKey", 20)).with("secretKey", generated(secret, "secretKey", 40)).build())
        .build();
    let from = |k: &str| secret_ref(Val::str(secret), Val::str(k));
    let probe = |path: &str, delay: i64| Val::map().with("httpGet", Val::map().with("path", Val::str(path)).with("port", Val::Int(9000)).build()).with("initialDelaySeconds", Val::Int(delay)).with("periodSeconds", Val::Int(10)).build();
    let container = Val::map()
        .with("name", Val::str("minio"))
        .with("image", sc.str("objectStore.bundled.image"))
        .with("args", Val::seq([Val::str("server"), Val::str("/data")]))
        .with(
            "env",
            Val::seq([
                Val::map().with("name", Val::str("MINIO_ROOT_USER")).with("valueFrom", from("accessKey")).build(),
                Val::map().with("name", Val::str("MINIO_ROOT_PASSWORD")).with("valueFrom", from("secretKey")).build(),
            ]),
        )
        .with("ports", Val::seq([Val::map().with("name", Val::str("minio")).with("containerPort", Val::Int(9000)).with("protocol", Val::str("TCP")).build()]))
        .with("livenessProbe", probe("/minio/health/live", 10))
        .with("readinessProbe", probe("/minio/health/ready", 5))
        .with("resources", sc.typed("objectStore.bundled.resources"))
        .with("volumeMounts", Val::seq([Val::map().with("name", Val::str("data")).with("mountPath", Val::str("/data")).build()]))
        .build();
    let claim = Val::map()
        .with("accessModes", Val::seq([Val::str("ReadWriteOnce")]))
        .with("resources", Val::map().with("requests", Val::map().with("storage", sc.str("objectStore.bundled.storage.size")).build()).build())
        .when(sc.cond("objectStore.bundled.storage.storageClassName"), "storageClassName", sc.str("objectStore.bundled.storage.storageClassName"))
        .build();
    let statefulset = object("apps/v1", "StatefulSet", svc, &own)
        .with(
            "spec",
            Val::map()
                .with("serviceName", Val::str(svc))
                .with("replicas", Val::Int(1))
                .with("selector", Val::map().with("matchLabels", crate::model::k8s::label_map(&selector)).build())
                .with("template", Val::map().with("metadata", Val::map().with("labels", crate::model::k8s::label_map(&own)).build()).with("spec", Val::map().when(Cond::value("imagePullSecrets"), "imagePullSecrets", Val::ValueRef("imagePullSecrets".into())).with("containers", Val::seq([container])).build()).build())
                .with("volumeClaimTemplates", Val::seq([Val::map().with("metadata", Val::map().with("name", Val::str("data")).build()).with("spec", claim).build()]))
                .build(),
        )
        .build();
    vec![creds, statefulset, service(svc, &own, &selector, "minio", 9000)]
}
