//! Issue 3: Clowder's injected configuration replaced by env vars, Secrets and chart components.

#[path = "common/tools.rs"]
mod tools;

#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Koku's newest upstream template, or `None` after a visible skip line.
fn koku(test: &str) -> Option<String> {
    upstream::koku_latest(test).map(|p| p.display().to_string())
}
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/koku-like.yaml");

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("c2h-providers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn convert(input: &str, out: &Path, extra: &[&str], env: &[(&str, &str)]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clowd2helm"));
    cmd.arg("convert").arg(input).arg("-o").arg(out).args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "convert failed: {}", String::from_utf8_lossy(&o.stderr));
}

fn render(chart: &Path, sets: &[&str]) -> Vec<Value> {
    let mut cmd = Command::new(tools::helm());
    cmd.arg("template").arg("t").arg(chart);
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "helm template failed: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    tools::validate_manifests(&text).expect("rendered manifests validate");
    clowd2helm::source::yaml::load_documents("helm", &text).unwrap().iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

/// Every container (init containers too) of Deployments, Jobs and CronJobs.
fn containers(docs: &[Value]) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for d in docs {
        let pod = match d["kind"].as_str() {
            Some("Deployment") | Some("Job") | Some("StatefulSet") => &d["spec"]["template"]["spec"],
            Some("CronJob") => &d["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            _ => continue,
        };
        for key in ["initContainers", "containers"] {
            for c in pod[key].as_array().into_iter().flatten() {
                out.push((d["metadata"]["name"].as_str().unwrap().to_string(), c));
            }
        }
    }
    out
}

fn env<'a>(c: &'a Value, name: &str) -> Option<&'a Value> {
    c["env"].as_array()?.iter().find(|e| e["name"] == name)
}

/// The default of a template parameter, read from the input independently of the tool.
fn param_default(file: &str, name: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let doc = &clowd2helm::source::yaml::load_documents(file, &text).unwrap()[0];
    doc.get("parameters").unwrap().items().iter().find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name)).and_then(|p| p.get("value")).and_then(|v| v.scalar_text()).unwrap()
}

#[test]
fn koku_containers_get_the_full_env_contract() {
    let Some(koku) = koku("koku_containers_get_the_full_env_contract") else { return };
    let koku = koku.as_str();
    let out = tmp("koku");
    convert(koku, &out, &[], &[]);
    let docs = render(&out, &[]);
    let image = param_default(koku, "IMAGE");
    let koku: Vec<_> = containers(&docs).into_iter().filter(|(_, c)| c["image"].as_str().is_some_and(|i| i.starts_with(&image))).collect();
    // 29 Koku-image deployments, the api-writes migration init container and the 2 jobs.
    assert!(koku.len() >= 32, "only {} Koku containers", koku.len());
    let plain = ["DATABASE_SERVICE_NAME", "DATABASE_NAME", "REDIS_HOST", "REDIS_PORT", "INSIGHTS_KAFKA_HOST", "INSIGHTS_KAFKA_PORT", "S3_ENDPOINT", "UNLEASH_HOST", "UNLEASH_PORT", "RBAC_SERVICE_HOST", "RBAC_SERVICE_PORT", "SOURCES_API_SVC_HOST", "SOURCES_API_SVC_PORT"];
    let from_secret = ["DATABASE_USER", "DATABASE_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET"];
    let mut problems = Vec::new();
    for (w, c) in &koku {
        let cname = c["name"].as_str().unwrap();
        match env(c, "CLOWDER_ENABLED") {
            Some(e) if e["value"] == "false" => {}
            other => problems.push(format!("{w}/{cname}: CLOWDER_ENABLED is {other:?}")),
        }
        if env(c, "ACG_CONFIG").is_some() {
            problems.push(format!("{w}/{cname}: has ACG_CONFIG"));
        }
        for n in plain {
            if env(c, n).and_then(|e| e["value"].as_str()).is_none_or(str::is_empty) {
                problems.push(format!("{w}/{cname}: {n} missing or empty"));
            }
        }
        for n in from_secret {
            if env(c, n).map(|e| &e["valueFrom"]["secretKeyRef"]).is_none_or(|r| r["name"].as_str().is_none()) {
                problems.push(format!("{w}/{cname}: {n} not from a Secret"));
            }
        }
        // Koku reads <SVC>_SERVICE_HOST/PORT for the service named by DATABASE_SERVICE_NAME.
        let svc = env(c, "DATABASE_SERVICE_NAME").and_then(|e| e["value"].as_str()).unwrap_or_default().to_uppercase().replace('-', "_");
        for suffix in ["_SERVICE_HOST", "_SERVICE_PORT"] {
            if env(c, &format!("{svc}{suffix}")).is_none() {
                problems.push(format!("{w}/{cname}: {svc}{suffix} missing"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The nginx gateway is not a Koku container: no provider env.
    let nginx: Vec<_> = containers(&docs).into_iter().filter(|(w, _)| w == "koku-clowder-api").collect();
    assert!(nginx.iter().all(|(_, c)| env(c, "DATABASE_PASSWORD").is_none()));
}

#[test]
fn bundled_database_and_valkey_render_and_can_be_switched_to_external() {
    let Some(koku) = koku("bundled_database_and_valkey_render_and_can_be_switched_to_external") else { return };
    let koku = koku.as_str();
    let out = tmp("bundled");
    convert(koku, &out, &[], &[]);
    let docs = render(&out, &[]);
    let sts = of_kind(&docs, "StatefulSet");
    assert_eq!(sts.len(), 1);
    assert_eq!(sts[0]["metadata"]["name"], "koku-db");
    assert!(of_kind(&docs, "Deployment").iter().any(|d| d["metadata"]["name"] == "koku-redis"));
    assert!(of_kind(&docs, "Service").iter().any(|d| d["metadata"]["name"] == "koku-db"));
    let db_secret = of_kind(&docs, "Secret").into_iter().find(|d| d["metadata"]["name"] == "koku-db").expect("database Secret");
    assert_eq!(db_secret["stringData"]["password"], db_secret["stringData"]["db.password"], "one generated password, however many keys hold it");

    let ext = render(&out, &["database.bundled.enabled=false", "database.external.host=pg.example.com"]);
    assert!(of_kind(&ext, "StatefulSet").is_empty());
    let hosts: Vec<_> = containers(&ext).into_iter().filter_map(|(_, c)| env(c, "DATABASE_SERVICE_HOST").map(|e| e["value"].clone())).collect();
    assert!(hosts.len() >= 32);
    assert!(hosts.iter().all(|h| h == "pg.example.com"), "{hosts:?}");
}

#[test]
fn optional_credentials_and_components_follow_values() {
    let Some(koku) = koku("optional_credentials_and_components_follow_values") else { return };
    let koku = koku.as_str();
    let out = tmp("optional");
    convert(koku, &out, &[], &[]);
    let docs = render(&out, &["kafka.sasl.mechanism=SCRAM-SHA-512", "kafka.sasl.existingSecret=kafka-user", "featureFlags.existingSecret=unleash", "kafka.topics.create=true", "metrics.serviceMonitor.enabled=true"]);
    let (_, c) = containers(&docs).into_iter().find(|(w, _)| w == "koku-clowder-masu").unwrap();
    assert_eq!(env(c, "KAFKA_SASL_MECHANISM").unwrap()["value"], "SCRAM-SHA-512");
    assert_eq!(env(c, "KAFKA_SASL_PASSWORD").unwrap()["valueFrom"]["secretKeyRef"]["name"], "kafka-user");
    assert_eq!(env(c, "UNLEASH_TOKEN").unwrap()["valueFrom"]["secretKeyRef"]["name"], "unleash");
    assert_eq!(of_kind(&docs, "KafkaTopic").len(), 6, "one KafkaTopic per kafkaTopics entry");
    assert_eq!(of_kind(&docs, "ServiceMonitor").len(), 30, "one ServiceMonitor per deployment");
    let plain = render(&out, &[]);
    let (_, c) = containers(&plain).into_iter().find(|(w, _)| w == "koku-clowder-masu").unwrap();
    assert!(env(c, "KAFKA_SASL_PASSWORD").is_none() && env(c, "UNLEASH_TOKEN").is_none() && env(c, "REDIS_PASSWORD").is_none());
    assert!(of_kind(&plain, "KafkaTopic").is_empty() && of_kind(&plain, "ServiceMonitor").is_empty());
}

#[test]
fn cdappconfig_mode_renders_clowders_file_and_mounts_it() {
    let out = tmp("cdapp");
    convert(FIXTURE, &out, &["--config-mode", "cdappconfig"], &[]);
    let docs = render(&out, &[]);
    let secret = of_kind(&docs, "Secret").into_iter().find(|d| d["metadata"]["name"] == "koku").expect("Secret named like the ClowdApp");
    let json: Value = serde_json::from_str(secret["stringData"]["cdappconfig.json"].as_str().unwrap()).unwrap();
    for key in ["database", "kafka", "objectStore", "inMemoryDb", "featureFlags", "endpoints", "publicPort", "privatePort", "metricsPort", "metricsPath", "logging", "metadata"] {
        assert!(json.get(key).is_some(), "cdappconfig.json lacks {key}: {json}");
    }
    assert_eq!(json["publicPort"], 8000);
    assert_eq!(json["database"]["hostname"], "koku-db");
    assert_eq!(json["kafka"]["topics"][0]["requestedName"], "platform.upload.announce");
    assert_eq!(json["objectStore"]["buckets"][0]["requestedName"], "koku-report");
    let db = of_kind(&docs, "Secret").into_iter().find(|d| d["metadata"]["name"] == "koku-db").unwrap();
    assert_eq!(json["database"]["password"], db["stringData"]["password"], "cdappconfig and the database Secret agree on the generated password");
    for (w, c) in containers(&docs).into_iter().filter(|(w, _)| w.starts_with("koku-") && w != "koku-db" && w != "koku-redis") {
        assert_eq!(env(c, "ACG_CONFIG").map(|e| e["value"].clone()), Some(Value::from("/cdapp/cdappconfig.json")), "{w}");
        assert!(c["volumeMounts"].as_array().unwrap().iter().any(|m| m["mountPath"] == "/cdapp/" && m["name"] == "config-secret"), "{w}");
    }
}

#[test]
fn generic_profile_names_each_provider_in_env_mode() {
    let out = tmp("generic");
    convert(FIXTURE, &out, &["--profile", "generic", "--config-mode", "env"], &[]);
    let docs = render(&out, &[]);
    let (_, c) = containers(&docs).into_iter().find(|(w, _)| w == "koku-worker-priority").unwrap();
    for n in ["DATABASE_HOST", "DATABASE_PASSWORD", "REDIS_HOST", "KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT", "S3_SECRET_KEY", "UNLEASH_HOST", "RBAC_HOST", "SOURCES_API_HOST", "NOTIFICATIONS_HOST"] {
        assert!(env(c, n).is_some(), "{n} missing");
    }
    assert_eq!(env(c, "KAFKA_BOOTSTRAP_SERVERS").unwrap()["value"], "kafka:9092");
}

#[test]
fn editing_a_profile_file_changes_the_chart_without_recompiling() {
    let dir = tmp("profile-edit");
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/profiles/koku.yaml")).unwrap();
    assert!(original.contains("name: REDIS_HOST"));
    std::fs::write(dir.join("profiles/koku.yaml"), original.replace("name: REDIS_HOST", "name: CACHE_HOST")).unwrap();
    let out = dir.join("chart");
    convert(FIXTURE, &out, &[], &[("CLOWD2HELM_MAPPINGS", dir.to_str().unwrap())]);
    let docs = render(&out, &[]);
    let (_, c) = containers(&docs).into_iter().find(|(w, _)| w == "koku-api").unwrap();
    assert!(env(c, "CACHE_HOST").is_some() && env(c, "REDIS_HOST").is_none());
    // The same file passed explicitly.
    let out2 = dir.join("chart2");
    convert(FIXTURE, &out2, &["--profile", dir.join("profiles/koku.yaml").to_str().unwrap()], &[]);
    assert!(std::fs::read_to_string(out2.join("GAP_REPORT.md")).unwrap().contains("CACHE_HOST"));
}

#[test]
fn values_hold_no_secret_literal() {
    let Some(koku) = koku("values_hold_no_secret_literal") else { return };
    let koku = koku.as_str();
    let out = tmp("secrets");
    convert(koku, &out, &[], &[]);
    let text = std::fs::read_to_string(out.join("values.yaml")).unwrap();
    let values = clowd2helm::source::yaml::load_documents("values.yaml", &text).unwrap()[0].to_json();
    let mut bad = Vec::new();
    fn walk(path: &str, v: &Value, bad: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(&format!("{path}.{k}"), v, bad)),
            // `secrets.<name>.keys` maps key names to key names: no values there.
            Value::String(_) if path.contains(".keys.") => {}
            Value::String(s) if !s.is_empty() => {
                let key = path.rsplit('.').next().unwrap().to_ascii_lowercase();
                let secretish = ["password", "token", "secret_key", "secretkey", "pgpass"].iter().any(|w| key.contains(w)) && !key.ends_with("key") || key == "secret_key";
                if secretish {
                    bad.push(format!("{path} = {s}"));
                }
            }
            _ => {}
        }
    }
    walk("", &values, &mut bad);
    assert!(bad.is_empty(), "secret literals in values.yaml: {bad:?}");
    assert_eq!(values["parameters"]["SECRET_KEY"], "", "generated parameter left empty");
}

/// Issue 15, bug 8: a `mappings/profiles` folder that happens to be in the working directory
/// does not change the chart; only `--profile` or CLOWD2HELM_MAPPINGS does.
#[test]
fn a_mappings_folder_in_the_working_directory_is_not_read() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(cwd.path().join("mappings/profiles")).unwrap();
    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/profiles/koku.yaml")).unwrap();
    std::fs::write(cwd.path().join("mappings/profiles/koku.yaml"), original.replace("name: REDIS_HOST", "name: CACHE_HOST")).unwrap();
    let out = cwd.path().join("chart");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .arg("convert")
        .arg(FIXTURE)
        .arg("-o")
        .arg(&out)
        .current_dir(cwd.path())
        .env_remove("CLOWD2HELM_MAPPINGS")
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(out.join("templates/deployment-api.yaml")).unwrap();
    assert!(text.contains("name: REDIS_HOST") && !text.contains("CACHE_HOST"), "the built-in profile applies");
}
