//! `objectStore`: an S3-compatible store and the app's buckets.

use super::build::*;
use crate::error::InputError;
use crate::mapping::Ctx;
use crate::model::{Cond, ExtraObject, Val, ValuesBlock, ValuesNode};
use crate::model::workload::EnvValue;
use crate::source::clowdapp::ClowdApp;
use crate::mapping::connections::BucketMapping;

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

