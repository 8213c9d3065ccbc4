//! Standalone Koku: `helm install koku CHART -f CHART/values-standalone.yaml` into an empty
//! namespace creates everything Koku needs and nothing it cannot have (docs/standalone.md).
//! Checked on the rendered manifests, as the install would create them; `verify --closed` proves
//! the install closure with nothing external.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn convert(template: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(template).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert failed:\n{}", String::from_utf8_lossy(&out.stderr));
    (dir, chart)
}

fn helm(args: &[&str]) -> Output {
    Command::new(tools::helm()).args(args).output().unwrap()
}

fn render_text(chart: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(tools::helm()).args(["template", "koku"]).arg(chart).args(args).output().unwrap();
    if out.status.success() { Ok(String::from_utf8(out.stdout).unwrap()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn docs(text: &str) -> Vec<Value> {
    clowd2helm::source::yaml::load_documents("rendered", text).unwrap().iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect()
}

fn standalone(chart: &Path) -> Vec<String> {
    vec!["-f".into(), chart.join("values-standalone.yaml").to_str().unwrap().to_string()]
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn name(d: &Value) -> &str {
    d["metadata"]["name"].as_str().unwrap_or("")
}

fn pod(d: &Value) -> Option<&Value> {
    match d["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "Job" => Some(&d["spec"]["template"]["spec"]),
        "CronJob" => Some(&d["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        _ => None,
    }
}

fn containers(p: &Value) -> impl Iterator<Item = &Value> {
    p["containers"].as_array().into_iter().flatten().chain(p["initContainers"].as_array().into_iter().flatten())
}

fn env<'a>(c: &'a Value, var: &str) -> Option<&'a Value> {
    c["env"].as_array()?.iter().rev().find(|e| e["name"] == var)
}

fn hook(d: &Value) -> Option<(String, i64)> {
    let a = &d["metadata"]["annotations"];
    Some((a["helm.sh/hook"].as_str()?.to_string(), a["helm.sh/hook-weight"].as_str().and_then(|w| w.parse().ok()).unwrap_or(0)))
}

/// The Koku image as the template's defaults give it (parameters IMAGE, IMAGE_TAG).
fn koku_image(template: &Path) -> String {
    let t: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(template).unwrap()).unwrap();
    let param = |n: &str| t["parameters"].as_array().unwrap().iter().find(|p| p["name"] == n).and_then(|p| p["value"].as_str()).unwrap().to_string();
    format!("{}:{}", param("IMAGE"), param("IMAGE_TAG"))
}

#[test]
fn koku_newest_installs_standalone_with_a_closed_release() {
    let Some(template) = upstream::koku_latest("koku_newest_installs_standalone_with_a_closed_release") else { return };
    let (_dir, chart) = convert(&template);
    let sa = standalone(&chart);
    assert!(chart.join("values-standalone.yaml").is_file());

    let lint = helm(&[&["lint", "--strict", chart.to_str().unwrap()], &args(&sa)[..]].concat());
    assert!(lint.status.success(), "helm lint --strict with values-standalone.yaml:\n{}", String::from_utf8_lossy(&lint.stdout));
    let text = render_text(&chart, &args(&sa)).unwrap();
    tools::validate_manifests(&text).expect("kubernetes-validate --strict");
    let objects = docs(&text);

    // ONPREM=True in every container running Koku's image, init containers and jobs included.
    let image = koku_image(&template);
    let mut koku_containers = 0;
    for d in &objects {
        for c in pod(d).into_iter().flat_map(containers) {
            if c["image"].as_str().is_some_and(|i| i.starts_with(image.split(':').next().unwrap())) {
                koku_containers += 1;
                assert_eq!(env(c, "ONPREM").and_then(|e| e["value"].as_str()), Some("True"), "{} container {}", name(d), c["name"]);
                assert_eq!(env(c, "CLOWDER_ENABLED").and_then(|e| e["value"].as_str()), Some("false"), "{}", name(d));
            }
        }
    }
    assert!(koku_containers >= 15, "only {koku_containers} Koku containers");

    // Migrations: a pre-install hook after the database, its credentials and its account.
    let migrate = objects.iter().find(|d| d["kind"] == "Job" && name(d).starts_with("koku-db-migrate-cji")).expect("the migration job");
    let (events, weight) = hook(migrate).expect("the migration job is a hook");
    assert!(events.contains("pre-install") && events.contains("pre-upgrade"), "{events}");
    let init = migrate["spec"]["template"]["spec"]["initContainers"][0]["name"].as_str();
    assert_eq!(init, Some("wait-for-database"), "the migration waits for the database first");
    for (kind, n) in [("StatefulSet", "koku-db"), ("Service", "koku-db"), ("Secret", "koku-db"), ("ServiceAccount", "koku-app")] {
        let d = objects.iter().find(|d| d["kind"] == kind && name(d) == n).unwrap_or_else(|| panic!("{kind}/{n} is rendered"));
        let (e, w) = hook(d).unwrap_or_else(|| panic!("{kind}/{n} is a hook"));
        assert!(e.contains("pre-install") && w < weight, "{kind}/{n} comes before the migration ({e}, {w} < {weight})");
    }
    // App pods are release resources: created after every pre-install hook.
    assert!(objects.iter().filter(|d| d["kind"] == "Deployment" && name(d).starts_with("koku-api")).all(|d| hook(d).is_none()));

    // Bundled services from public images; no hosted-only component; Kafka bundled, so the
    // listener runs.
    let workloads: BTreeSet<&str> = objects.iter().filter(|d| pod(d).is_some()).map(name).collect();
    for n in ["koku-db", "koku-redis", "koku-kafka", "koku-minio", "koku-clowder-listener", "koku-api-reads", "koku-clowder-worker-celery"] {
        assert!(workloads.contains(n), "{n} is rendered: {workloads:?}");
    }
    for n in ["koku-clowder-sources-client", "koku-clowder-sources-listener", "koku-clowder-worker-hcs", "koku-clowder-worker-summary-xl", "koku-clowder-worker-ocp-penalty"] {
        assert!(!workloads.contains(n), "{n} is hosted-only");
    }
    for d in objects.iter().filter(|d| ["koku-db", "koku-redis", "koku-kafka", "koku-minio"].contains(&name(d)) && pod(d).is_some()) {
        for c in pod(d).into_iter().flat_map(containers) {
            let image = c["image"].as_str().unwrap();
            assert!(!image.starts_with("registry.redhat.io/"), "{}: {image} needs registry credentials", name(d));
        }
    }
    // No cloud-provider credential Secret is required, and the AWS_* variables carry the object
    // store's credentials.
    let api = objects.iter().find(|d| name(d) == "koku-api-reads" && d["kind"] == "Deployment").unwrap();
    let main = &pod(api).unwrap()["containers"][0];
    let aws = &env(main, "AWS_ACCESS_KEY_ID").unwrap()["valueFrom"]["secretKeyRef"];
    assert_eq!((aws["name"].as_str(), aws["key"].as_str()), (Some("koku-object-store"), Some("accessKey")));
    assert!(objects.iter().any(|d| d["kind"] == "Secret" && name(d) == "koku-object-store"));
    for v in pod(api).unwrap()["volumes"].as_array().into_iter().flatten() {
        if v["secret"]["secretName"] == "koku-gcp" {
            assert_eq!(v["secret"]["optional"], true, "koku-gcp is not required");
        }
    }
    // Settings Koku needs with the database it is given (DATABASE_ENGINE is required at import).
    assert_eq!(env(main, "DATABASE_ENGINE").and_then(|e| e["value"].as_str()), Some("postgresql"));
    assert_eq!(env(main, "DATABASE_SERVICE_HOST").and_then(|e| e["value"].as_str()), Some("koku-db"));
    assert_eq!(env(main, "INSIGHTS_KAFKA_HOST").and_then(|e| e["value"].as_str()), Some("koku-kafka"));
    assert_eq!(env(main, "S3_ENDPOINT").and_then(|e| e["value"].as_str()), Some("http://koku-minio:9000"));

    // verify: parity where the layer does not choose otherwise, and a closed install.
    let out = tools::verify(&template, &chart, &[&["--closed".to_string()][..], &sa[..]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.lines().any(|l| l.starts_with("install closure: ") && l.contains(", 0 external, 0 violated")), "{stdout}");
}

#[test]
fn every_upstream_version_has_a_closed_standalone_install() {
    for template in upstream::koku_all("every_upstream_version_has_a_closed_standalone_install") {
        let (_dir, chart) = convert(&template);
        let out = tools::verify(&template, &chart, &[&["--closed".to_string()][..], &standalone(&chart)[..]].concat());
        assert_eq!(out.status.code(), Some(0), "{}: {}", template.display(), String::from_utf8_lossy(&out.stdout));
    }
}

/// Our own Koku-like fixture gets the same layer (its ClowdApp is named koku): runs on a clean
/// clone.
#[test]
fn the_koku_like_fixture_installs_standalone_with_a_closed_release() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/koku-like.yaml");
    let (_dir, chart) = convert(&template);
    let mut sa = standalone(&chart);
    // The fixture mounts a claim of its own that the layer does not know: one value resolves it.
    sa.extend(["--set".to_string(), "persistentVolumeClaims.koku-listener-data.create=true".to_string()]);
    let text = render_text(&chart, &args(&sa)).unwrap();
    tools::validate_manifests(&text).expect("kubernetes-validate --strict");
    let out = tools::verify(&template, &chart, &[&["--closed".to_string()][..], &sa[..]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // The migration job is a pre-install hook in the standalone install, a post-install one at
    // defaults (Clowder ran it after the app).
    let job_events = |t: &str| docs(t).into_iter().find(|d| d["kind"] == "Job" && name(d).contains("migrat")).and_then(|d| hook(&d)).map(|(e, _)| e);
    assert_eq!(job_events(&text).as_deref(), Some("pre-install,pre-upgrade"));
    assert_eq!(job_events(&render_text(&chart, &[]).unwrap()).as_deref(), Some("post-install,post-upgrade"));
}

/// Without Kafka (neither bundled nor external) the components the profile says need it are not
/// rendered; with it they are. (The fixture's listener is `listener`: the profile is edited to
/// name it, as a team would for its app.)
#[test]
fn components_that_need_kafka_follow_it() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/koku-like.yaml");
    let profile_dir = tempfile::tempdir().unwrap();
    let profile = profile_dir.path().join("koku-like.yaml");
    let koku = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/profiles/koku.yaml")).unwrap();
    assert!(koku.contains("kafka: [clowder-listener, clowder-sources-listener]"));
    std::fs::write(&profile, koku.replace("kafka: [clowder-listener, clowder-sources-listener]", "kafka: [listener]")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(&template).arg("-o").arg(&chart).arg("--profile").arg(&profile).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listener = |a: &[&str]| docs(&render_text(&chart, a).unwrap()).iter().any(|d| d["kind"] == "Deployment" && name(d) == "koku-listener");
    assert!(listener(&[]));
    assert!(!listener(&["--set", "kafka.external.host="]));
    assert!(listener(&["--set", "kafka.external.host=", "--set", "kafka.bundled.enabled=true"]));
    // A component can be switched off by hand.
    assert!(!listener(&["--set", "components.listener.enabled=false"]));
}

#[test]
fn a_keda_prometheus_trigger_without_an_address_fails_naming_the_value() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/report-small.yaml");
    let (_dir, chart) = convert(&template);
    let err = render_text(&chart, &["--set", "parameters.LICENSE_KEY=x", "--set", "autoscaling.keda.enabled=true"]).expect_err("no Prometheus address");
    assert!(err.contains("autoscaling.keda.prometheusServerAddress"), "{err}");
    render_text(&chart, &["--set", "parameters.LICENSE_KEY=x", "--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]).unwrap();
}
