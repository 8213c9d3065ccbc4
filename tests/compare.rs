//! `clowd2helm gap --against CHART_DIR` (issue 4): Koku against a chart shaped like the ROS
//! chart of the 2025-11-06 analysis (nothing of Koku in it), and against a chart that carries
//! some Koku workloads under names of its own. Expected facts come from the Koku YAML and from
//! the fixture charts as helm renders them, read here with serde_yaml_ng.

#[path = "common/tools.rs"]
mod tools;

#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value as J;
use serde_yaml_ng::Value as Y;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Koku's newest upstream template, or `None` after a visible skip line.
fn koku(test: &str) -> Option<String> {
    upstream::koku_latest(test).map(|p| p.display().to_string())
}
const ROS: &str = "fixtures/charts/ros-like";
const PARTIAL: &str = "fixtures/charts/koku-partial";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clowd2helm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(args).env("CLOWD2HELM_HELM", tools::helm()).current_dir(root()).output().expect("clowd2helm runs")
}

fn run(args: &[&str]) -> String {
    let out = clowd2helm(args);
    assert!(out.status.success(), "clowd2helm {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> J {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let report: J = serde_json::from_str(&run(&a)).unwrap();
    validate(&report);
    report
}

fn validate(report: &J) {
    let schema: J = serde_json::from_str(&std::fs::read_to_string(root().join("docs/gap-report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(report).map(|e| e.to_string()).take(5).collect();
    assert!(errors.is_empty(), "schema errors: {errors:?}");
}

/// The Koku deployment and job names, as written.
fn koku_components(koku: &str) -> Vec<String> {
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(koku).unwrap()).unwrap();
    let app = doc["objects"].as_sequence().unwrap().iter().find(|o| o["kind"].as_str() == Some("ClowdApp")).unwrap();
    let mut names: Vec<String> = app["spec"]["deployments"].as_sequence().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect();
    names.extend(app["spec"]["jobs"].as_sequence().unwrap().iter().map(|j| j["name"].as_str().unwrap().to_string()));
    names
}

/// Workloads of a fixture chart as helm renders it: (kind, name, env names of all containers).
fn rendered(chart: &str, values: Option<&str>) -> Vec<(String, String, BTreeSet<String>)> {
    let mut cmd = Command::new(tools::helm());
    cmd.args(["template", chart.rsplit('/').next().unwrap(), chart]).current_dir(root());
    if let Some(v) = values {
        cmd.args(["-f", v]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "helm template {chart}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut res = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(&text) {
        let d = <Y as serde::Deserialize>::deserialize(doc).unwrap();
        let kind = d["kind"].as_str().unwrap_or_default().to_string();
        if !["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].contains(&kind.as_str()) {
            continue;
        }
        let env = d["spec"]["template"]["spec"]["containers"].as_sequence().unwrap().iter().flat_map(|c| c["env"].as_sequence().cloned().unwrap_or_default()).map(|e| e["name"].as_str().unwrap().to_string()).collect();
        res.push((kind, d["metadata"]["name"].as_str().unwrap().to_string(), env));
    }
    res
}

fn by_component<'a>(r: &'a J, name: &str) -> &'a J {
    r["comparison"]["components"].as_array().unwrap().iter().find(|c| c["component"] == name).unwrap_or_else(|| panic!("component {name} in the comparison"))
}

#[test]
fn against_a_ros_like_chart_every_koku_component_is_missing() {
    let Some(koku) = koku("against_a_ros_like_chart_every_koku_component_is_missing") else { return };
    let koku = koku.as_str();
    let r = json(&["gap", koku, "--against", ROS]);
    let c = &r["comparison"];
    assert_eq!(c["render"]["method"], "helm");
    let components = koku_components(koku);
    let listed: Vec<&str> = c["components"].as_array().unwrap().iter().map(|x| x["component"].as_str().unwrap()).collect();
    assert_eq!(listed, components.iter().map(String::as_str).collect::<Vec<_>>());
    for x in c["components"].as_array().unwrap() {
        assert_eq!(x["status"], "missing", "{} is not in the ROS chart", x["component"]);
        assert!(x["matched_with"].is_null());
    }
    assert_eq!(c["totals"]["missing"], components.len());
    assert_eq!(c["totals"]["matched"], 0);

    // Every workload of the ROS chart is chart-only.
    let ros = rendered(ROS, None);
    let chart_only: BTreeSet<&str> = c["chart_only"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(chart_only, ros.iter().map(|(_, n, _)| n.as_str()).collect());
    for want in ["rosocp-api", "rosocp-processor", "rosocp-recommendation-poller", "rosocp-housekeeper", "ingress", "kruize", "sources-api", "db-ros", "db-kruize", "db-sources", "redis", "minio"] {
        assert!(chart_only.iter().any(|n| n.ends_with(want)), "{want} is listed as chart-only");
    }
    // The three ROS databases are not Koku's: the database need is missing; redis and minio
    // serve the in-memory DB and the object store.
    let infra = c["infrastructure"].as_array().unwrap();
    let need = |n: &str| infra.iter().find(|i| i["need"] == n).unwrap_or_else(|| panic!("need {n}"));
    assert_eq!(need("database")["status"], "missing");
    assert_eq!(need("database")["found"].as_array().unwrap().len(), 3);
    assert_eq!(need("inMemoryDb")["status"], "present");
    assert_eq!(need("objectStore")["status"], "present");
    let trino = infra.iter().find(|i| i["need"] == "service" && i["detail"].as_str().unwrap().contains("TRINO_HOST")).expect("the Trino reference is checked");
    assert_eq!(trino["status"], "missing");
    let db_row = c["matrix"].as_array().unwrap().iter().find(|m| m["category"] == "database").unwrap();
    assert_eq!((db_row["clowdapp"].as_u64(), db_row["chart"].as_u64(), db_row["missing"].as_u64()), (Some(1), Some(3), Some(1)));
    // Secrets the ClowdApp needs that the chart has none of.
    let secrets: Vec<&str> = c["missing_secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(secrets.contains(&"koku-secret") && secrets.contains(&"koku-aws"));

    let md = run(&["gap", koku, "--against", ROS]);
    assert!(md.contains(&format!("### Missing from the chart ({})", components.len())));
    assert!(md.contains(&format!("### Only in the chart ({})", ros.len())));
    assert!(md.contains("### Component matrix"));
}

#[test]
fn against_a_partial_chart_renamed_workloads_are_matched() {
    let Some(koku) = koku("against_a_partial_chart_renamed_workloads_are_matched") else { return };
    let koku = koku.as_str();
    let r = json(&["gap", koku, "--against", PARTIAL]);
    let c = &r["comparison"];
    let api = by_component(&r, "api-reads");
    assert_eq!((api["status"].as_str(), api["matched_with"].as_str()), (Some("matched"), Some("cost-api-reads")));
    let download = by_component(&r, "clowder-worker-download");
    assert_eq!(download["matched_with"], "celery-worker-download");
    assert_eq!(download["matched_by"], "queue", "matched through `-Q download`");
    let priority = by_component(&r, "clowder-worker-priority");
    assert_eq!(priority["matched_with"], "cost-worker-priority", "`-Q $WORKER_QUEUES` resolved through the chart's env");
    assert_eq!(by_component(&r, "clowder-worker-download-xl")["status"], "missing");
    assert_eq!(by_component(&r, "clowder-scheduler")["status"], "missing", "celery-beat has another name and no queue");

    // Env differences, against the chart as helm renders it.
    let chart = rendered(PARTIAL, None);
    let chart_env = |n: &str| chart.iter().find(|(_, w, _)| w == n).unwrap().2.clone();
    let reads_env = chart_env("cost-api-reads");
    let only_chart: BTreeSet<String> = api["env_only_in_chart"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let only_app: BTreeSet<String> = api["env_only_in_clowdapp"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(only_chart.contains("KOKU_API_MODE") && only_chart.contains("DATABASE_HOST"));
    assert!(only_chart.is_subset(&reads_env));
    assert!(only_app.is_disjoint(&reads_env));
    // Every env var of api-reads in the YAML that the chart lacks is listed.
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(koku).unwrap()).unwrap();
    let app = doc["objects"].as_sequence().unwrap().iter().find(|o| o["kind"].as_str() == Some("ClowdApp")).unwrap();
    let reads = app["spec"]["deployments"].as_sequence().unwrap().iter().find(|d| d["name"].as_str() == Some("api-reads")).unwrap();
    for e in reads["podSpec"]["env"].as_sequence().unwrap() {
        let n = e["name"].as_str().unwrap();
        if !reads_env.contains(n) {
            assert!(only_app.contains(n), "{n} is only in the ClowdApp");
        }
    }
    assert!(!only_app.contains("DJANGO_SECRET_KEY"), "both sides set DJANGO_SECRET_KEY");

    // koku-db and valkey serve the database and cache; chart-only but not missing infrastructure.
    let infra = c["infrastructure"].as_array().unwrap();
    assert_eq!(infra.iter().find(|i| i["need"] == "database").unwrap()["status"], "present");
    let chart_only = c["chart_only"].as_array().unwrap();
    assert_eq!(chart_only.iter().find(|w| w["name"] == "koku-db").unwrap()["serves"], "database");
    let secrets: Vec<&str> = c["missing_secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(secrets.contains(&"koku-gcp"));
    assert!(!secrets.contains(&"koku-secret") && !secrets.contains(&"koku-aws"), "the chart creates koku-secret and references koku-aws");

    let md = run(&["gap", koku, "--against", PARTIAL]);
    assert!(md.contains("#### `koku-api-reads` ↔ `cost-api-reads`"));
    assert!(md.contains("- only in the chart (2): `DATABASE_HOST`, `KOKU_API_MODE`"));
}

#[test]
fn match_overrides_and_values_file() {
    let Some(koku) = koku("match_overrides_and_values_file") else { return };
    let koku = koku.as_str();
    let r = json(&["gap", koku, "--against", PARTIAL, "--match", "clowder-scheduler=celery-beat", "--against-values", "fixtures/charts/koku-partial/values-trino.yaml"]);
    let s = by_component(&r, "clowder-scheduler");
    assert_eq!((s["matched_with"].as_str(), s["matched_by"].as_str()), (Some("celery-beat"), Some("override")));
    let infra = r["comparison"]["infrastructure"].as_array().unwrap();
    let trino = infra.iter().find(|i| i["detail"].as_str().unwrap().contains("TRINO_HOST")).unwrap();
    assert_eq!(trino["status"], "present", "values-trino.yaml turns the Trino coordinator on");
    assert_eq!(r["comparison"]["values_file"], "fixtures/charts/koku-partial/values-trino.yaml");
    // Without the values file there is no Trino.
    let r = json(&["gap", koku, "--against", PARTIAL]);
    let trino = r["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["detail"].as_str().unwrap().contains("TRINO_HOST")).unwrap().clone();
    assert_eq!(trino["status"], "missing");
}

#[test]
fn bad_match_is_a_usage_error() {
    let Some(koku) = koku("bad_match_is_a_usage_error") else { return };
    let koku = koku.as_str();
    for m in ["no-such-component=celery-beat", "clowder-scheduler=no-such-workload", "nonsense"] {
        let out = clowd2helm(&["gap", koku, "--against", PARTIAL, "--match", m]);
        assert_eq!(out.status.code(), Some(2), "--match {m}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
}

#[test]
fn without_helm_the_templates_are_read_statically_and_the_report_says_so() {
    let Some(koku) = koku("without_helm_the_templates_are_read_statically_and_the_report_says_so") else { return };
    let koku = koku.as_str();
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["gap", koku, "--against", ROS, "--format", "json", "--helm", "/bin/false"]).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: J = serde_json::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    validate(&r);
    let c = &r["comparison"];
    assert_eq!(c["render"]["method"], "static");
    assert!(c["render"]["note"].as_str().unwrap().contains("helm template"));
    assert!(c["components"].as_array().unwrap().iter().all(|x| x["status"] == "missing"));
    let chart_only: Vec<&str> = c["chart_only"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert!(chart_only.contains(&"ros-like-rosocp-api") && chart_only.contains(&"ros-like-kruize"), "{chart_only:?}");
    let md = String::from_utf8(Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["gap", koku, "--against", ROS, "--helm", "/bin/false"]).current_dir(root()).output().unwrap().stdout).unwrap();
    assert!(md.contains("**Read statically, not rendered:**"));
}

#[test]
fn the_fixture_charts_lint() {
    for chart in [ROS, PARTIAL] {
        let out = Command::new(tools::helm()).args(["lint", chart]).current_dir(root()).output().unwrap();
        assert!(out.status.success(), "helm lint {chart}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
