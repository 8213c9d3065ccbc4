//! `clowd2helm gap --against CHART_DIR` with Koku's real upstream template (issues 4 and 12):
//! against a chart shaped as the 2025-11-06 analysis and the standalone-runtime notes describe
//! the hand-written on-prem chart, against a ROS-like chart with nothing of Koku in it, and
//! against a chart carrying some Koku workloads under names of its own. Expected facts come
//! from the Koku YAML and from the fixture charts as helm renders them (read here with
//! serde_yaml_ng), and, for the on-prem-shaped chart, from the component mapping those notes
//! give (`../shared/reference/koku-standalone-runtime.md` §3).
//!
//! Koku's template is found through `tests/common/upstream.rs`; without it each test prints a
//! SKIPPED line and passes. The patterns themselves are tested on our own fixtures in
//! `tests/compare_patterns.rs`.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value as J;
use serde_yaml_ng::Value as Y;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROS: &str = "fixtures/charts/ros-like";
const PARTIAL: &str = "fixtures/charts/koku-partial";
const ONPREM: &str = "fixtures/charts/cost-onprem-like";

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

fn clowdapp(koku: &Path) -> Y {
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(koku).unwrap()).unwrap();
    doc["objects"].as_sequence().unwrap().iter().find(|o| o["kind"].as_str() == Some("ClowdApp")).unwrap().clone()
}

/// The Koku deployment and job names, as written.
fn koku_components(koku: &Path) -> Vec<String> {
    let app = clowdapp(koku);
    let mut names: Vec<String> = app["spec"]["deployments"].as_sequence().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect();
    names.extend(app["spec"]["jobs"].as_sequence().unwrap().iter().map(|j| j["name"].as_str().unwrap().to_string()));
    names
}

/// Queues Koku's workers consume: `-Q NAME`, or `-Q $WORKER_QUEUES` read from the env, with
/// the template's `${PARAM}`s at their defaults.
fn koku_consumed_queues(koku: &Path) -> BTreeSet<String> {
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(koku).unwrap()).unwrap();
    let params: Vec<(String, String)> = doc["parameters"].as_sequence().unwrap().iter().map(|p| (p["name"].as_str().unwrap().to_string(), p["value"].as_str().unwrap_or("").to_string())).collect();
    let subst = |s: &str| params.iter().fold(s.to_string(), |acc, (n, v)| acc.replace(&format!("${{{n}}}"), v));
    let mut out = BTreeSet::new();
    for d in clowdapp(koku)["spec"]["deployments"].as_sequence().unwrap() {
        let words: Vec<String> = d["podSpec"]["command"].as_sequence().cloned().unwrap_or_default().iter().chain(d["podSpec"]["args"].as_sequence().cloned().unwrap_or_default().iter()).map(|w| w.as_str().unwrap().to_string()).collect::<Vec<_>>().join(" ").split_whitespace().map(str::to_string).collect();
        let Some(i) = words.iter().position(|w| w == "-Q") else { continue };
        let q = match words[i + 1].strip_prefix('$') {
            Some(var) => d["podSpec"]["env"].as_sequence().unwrap().iter().find(|e| e["name"].as_str() == Some(var)).unwrap()["value"].as_str().unwrap().to_string(),
            None => words[i + 1].clone(),
        };
        out.extend(subst(&q).split(',').map(str::to_string));
    }
    out
}

/// Workloads of a fixture chart as helm renders it (release = chart name, as `gap` does).
fn rendered(chart: &str, values: Option<&str>) -> Vec<Y> {
    let name = chart.rsplit('/').next().unwrap();
    let mut cmd = Command::new(tools::helm());
    cmd.args(["template", name, chart]).current_dir(root());
    if let Some(v) = values {
        cmd.args(["-f", v]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "helm template {chart}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text).map(|d| <Y as serde::Deserialize>::deserialize(d).unwrap()).filter(|d| ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].contains(&d["kind"].as_str().unwrap_or(""))).collect()
}

fn main_container(w: &Y) -> &Y {
    &w["spec"]["template"]["spec"]["containers"][0]
}

fn env_names(w: &Y) -> BTreeSet<String> {
    main_container(w)["env"].as_sequence().cloned().unwrap_or_default().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect()
}

/// Queues a rendered worker consumes (`-Q` after `$(VAR)` expansion; Celery's `celery` when
/// a worker names none).
fn chart_consumed_queues(docs: &[Y]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in docs {
        let c = main_container(d);
        let mut words: Vec<String> = ["command", "args"].iter().flat_map(|k| c[*k].as_sequence().cloned().unwrap_or_default()).map(|w| w.as_str().unwrap().to_string()).collect();
        if !words.iter().any(|w| w == "worker") || !words.iter().any(|w| w.contains("celery")) {
            continue;
        }
        for e in c["env"].as_sequence().into_iter().flatten() {
            if let Some(v) = e["value"].as_str() {
                let n = e["name"].as_str().unwrap();
                words.iter_mut().for_each(|w| *w = w.replace(&format!("$({n})"), v));
            }
        }
        match words.iter().position(|w| w == "-Q") {
            Some(i) => out.extend(words[i + 1].split(',').map(str::to_string)),
            None => {
                out.insert("celery".into());
            }
        }
    }
    out
}

fn by_component<'a>(r: &'a J, name: &str) -> &'a J {
    r["comparison"]["components"].as_array().unwrap().iter().find(|c| c["component"] == name).unwrap_or_else(|| panic!("component {name} in the comparison"))
}

fn infra<'a>(r: &'a J, provider: &str, detail: &str) -> &'a J {
    r["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == provider && i["detail"].as_str().unwrap().contains(detail)).unwrap_or_else(|| panic!("{provider} {detail}"))
}

#[test]
fn koku_newest_against_the_onprem_shaped_chart_gives_the_right_table() {
    let Some(koku) = upstream::koku_latest("koku_newest_against_the_onprem_shaped_chart_gives_the_right_table") else { return };
    let k = koku.to_str().unwrap();
    let r = json(&["gap", k, "--against", ONPREM]);
    let chart = "cost-onprem-like";
    // The component mapping of the on-prem chart (standalone-runtime notes, §3): what serves
    // each Koku component, or nothing.
    let covered: &[(&str, &str, &str)] = &[
        ("api-reads", "matched", "koku-api"),
        ("api-writes", "matched", "koku-api"),
        ("clowder-api", "replaced", "gateway"),
        ("clowder-listener", "matched", "koku-listener"),
        ("clowder-masu", "matched", "koku-masu"),
        ("clowder-scheduler", "matched", "celery-beat"),
        ("clowder-worker-celery", "matched", "celery-worker-default"),
        ("clowder-worker-priority", "matched", "celery-worker-priority"),
        ("clowder-worker-summary", "matched", "celery-worker-summary"),
        ("clowder-worker-ocp", "matched", "celery-worker-ocp"),
        ("clowder-worker-cost-model", "matched", "celery-worker-cost-model"),
    ];
    let all = koku_components(&koku);
    let listed: Vec<&str> = r["comparison"]["components"].as_array().unwrap().iter().map(|x| x["component"].as_str().unwrap()).collect();
    assert_eq!(listed, all.iter().map(String::as_str).collect::<Vec<_>>(), "every Koku component is classified, in template order");
    for name in &all {
        let c = by_component(&r, name);
        if let Some((_, status, workload)) = covered.iter().find(|(n, _, _)| n == name) {
            assert_eq!(c["status"].as_str(), Some(*status), "{name}: {}", c["evidence"]);
            assert_eq!(c["matched_with"], serde_json::json!([format!("{chart}-{workload}")]), "{name}");
        } else if name.starts_with("db-migrate") {
            // The migration CJI became the pre-install migrate Job.
            assert_eq!((c["status"].as_str(), c["matched_with"][0].as_str()), (Some("matched"), Some(format!("{chart}-koku-migrate").as_str())));
        } else {
            // sources-*, the xl/penalty workers, the cloud-provider workers that are switched
            // off, and the management-command CJI: not in the chart.
            assert_eq!(c["status"], "missing", "{name} is not in the on-prem chart: {}", c["evidence"]);
        }
    }
    // The switched-off cloud-provider workers are named with their template.
    for w in ["download", "refresh", "hcs", "subs-extraction", "subs-transmission"] {
        let c = by_component(&r, &format!("clowder-worker-{w}"));
        assert_eq!(c["gated_templates"], serde_json::json!([format!("{chart}/templates/celery/cloud-providers/deployment-worker-{w}.yaml")]), "{w}");
    }
    let t = &r["comparison"]["totals"];
    assert_eq!((t["matched"].as_u64(), t["replaced"].as_u64(), t["missing"].as_u64()), (Some(11), Some(1), Some(all.len() as u64 - 12)));
    // The unconsumed queues: Koku's consumed queues minus the chart's, both computed here.
    let want: BTreeSet<String> = koku_consumed_queues(&koku).difference(&chart_consumed_queues(&rendered(ONPREM, None))).cloned().collect();
    let got: BTreeSet<String> = r["comparison"]["queues"].as_array().unwrap().iter().filter(|q| q["status"] == "unconsumed").map(|q| q["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, want);
    assert!(got.contains("download") && got.contains("priority_xl") && !got.contains("celery"), "{got:?}");
    // Infrastructure as the chart has it: a bundled database and Valkey, Kafka and the object
    // store outside, no Unleash.
    assert_eq!(infra(&r, "database", "")["status"], "bundled");
    assert_eq!(infra(&r, "inMemoryDb", "")["status"], "bundled");
    assert_eq!(infra(&r, "kafka", "")["status"], "external");
    assert_eq!(infra(&r, "objectStore", "")["status"], "external");
    assert_eq!(infra(&r, "featureFlags", "")["status"], "missing");
    assert_eq!(infra(&r, "dependency", "ingress")["status"], "bundled");
    assert_eq!(infra(&r, "service", "TRINO_HOST")["status"], "missing");
    // Koku's credentials Secrets exist under the chart's own names.
    let secret = |n: &str| r["comparison"]["missing_secrets"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap_or_else(|| panic!("{n}")).clone();
    assert_eq!(secret("koku-aws")["status"], "replaced");
    assert_eq!(secret("koku-secret")["status"], "replaced");
    assert_eq!(secret("koku-gcp")["status"], "missing");
    let md = run(&["gap", k, "--against", ONPREM]);
    assert!(md.starts_with("# Gap report: koku\n"));
    assert!(md.contains(&format!("**{} missing**", all.len() - 12)));
}

#[test]
fn against_a_ros_like_chart_every_koku_component_is_missing() {
    let Some(koku) = upstream::koku_latest("against_a_ros_like_chart_every_koku_component_is_missing") else { return };
    let k = koku.to_str().unwrap();
    let r = json(&["gap", k, "--against", ROS]);
    let c = &r["comparison"];
    assert_eq!(c["chart"]["render"]["method"], "helm");
    let components = koku_components(&koku);
    for x in c["components"].as_array().unwrap() {
        assert_eq!(x["status"], "missing", "{} is not in the ROS chart: {}", x["component"], x["evidence"]);
        assert_eq!(x["matched_with"], serde_json::json!([]));
    }
    assert_eq!(c["totals"]["missing"], components.len());
    // Every workload of the ROS chart is chart-only.
    let ros: BTreeSet<String> = rendered(ROS, None).iter().map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect();
    let chart_only: BTreeSet<String> = c["chart_only"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(chart_only, ros);
    // The three ROS databases are not Koku's: nothing that serves Koku points at them.
    let db = infra(&r, "database", "");
    assert_eq!(db["status"], "missing");
    assert_eq!(db["found"].as_array().unwrap().len(), 3);
    assert_eq!(infra(&r, "inMemoryDb", "")["status"], "bundled");
    assert_eq!(infra(&r, "objectStore", "")["status"], "bundled");
    assert_eq!(infra(&r, "service", "TRINO_HOST")["status"], "missing");
    let db_row = c["matrix"].as_array().unwrap().iter().find(|m| m["category"] == "database").unwrap();
    assert_eq!((db_row["clowdapp"].as_u64(), db_row["chart"].as_u64(), db_row["missing"].as_u64()), (Some(1), Some(3), Some(1)));
    let secrets: Vec<&str> = c["missing_secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(secrets.contains(&"koku-secret") && secrets.contains(&"koku-aws"));
    let md = run(&["gap", k, "--against", ROS]);
    assert!(md.contains(&format!("#### Missing from the chart ({})", components.len())));
    assert!(md.contains(&format!("### Only in the chart ({})", ros.len())));
}

#[test]
fn against_a_partial_chart_renamed_workloads_are_matched() {
    let Some(koku) = upstream::koku_latest("against_a_partial_chart_renamed_workloads_are_matched") else { return };
    let k = koku.to_str().unwrap();
    let r = json(&["gap", k, "--against", PARTIAL]);
    let c = &r["comparison"];
    let api = by_component(&r, "api-reads");
    assert_eq!((api["status"].as_str(), api["matched_with"][0].as_str()), (Some("matched"), Some("cost-api-reads")));
    let download = by_component(&r, "clowder-worker-download");
    assert_eq!(download["matched_with"], serde_json::json!(["celery-worker-download"]));
    assert!(download["evidence"].as_array().unwrap().iter().any(|e| e["kind"] == "queues"), "matched through `-Q download`");
    let priority = by_component(&r, "clowder-worker-priority");
    assert_eq!(priority["matched_with"], serde_json::json!(["cost-worker-priority"]), "`-Q $WORKER_QUEUES` resolved through the chart's env");
    assert_eq!(by_component(&r, "clowder-worker-download-xl")["status"], "missing");
    let beat = by_component(&r, "clowder-scheduler");
    assert_eq!(beat["matched_with"], serde_json::json!(["celery-beat"]), "another name, the same role");

    // Env differences, against the chart as helm renders it.
    let chart = rendered(PARTIAL, None);
    let reads_env = env_names(chart.iter().find(|w| w["metadata"]["name"] == "cost-api-reads").unwrap());
    let only_chart: BTreeSet<String> = api["env_only_in_chart"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let only_app: BTreeSet<String> = api["env_only_in_clowdapp"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(only_chart.contains("KOKU_API_MODE") && only_chart.contains("DATABASE_HOST"));
    assert!(only_chart.is_subset(&reads_env));
    assert!(only_app.is_disjoint(&reads_env));
    let app = clowdapp(&koku);
    let reads = app["spec"]["deployments"].as_sequence().unwrap().iter().find(|d| d["name"].as_str() == Some("api-reads")).unwrap();
    for e in reads["podSpec"]["env"].as_sequence().unwrap() {
        let n = e["name"].as_str().unwrap();
        if !reads_env.contains(n) {
            assert!(only_app.contains(n), "{n} is only in the ClowdApp");
        }
    }
    assert!(!only_app.contains("DJANGO_SECRET_KEY"), "both sides set DJANGO_SECRET_KEY");
    // koku-db and valkey serve the database and cache.
    assert_eq!(infra(&r, "database", "")["status"], "bundled");
    let chart_only = c["chart_only"].as_array().unwrap();
    assert_eq!(chart_only.iter().find(|w| w["name"] == "koku-db").unwrap()["serves"], "database");
    let secrets: Vec<&str> = c["missing_secrets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(secrets.contains(&"koku-gcp"));
    assert!(!secrets.contains(&"koku-secret") && !secrets.contains(&"koku-aws"), "the chart creates koku-secret and references koku-aws");
}

#[test]
fn match_overrides_and_values_file() {
    let Some(koku) = upstream::koku_latest("match_overrides_and_values_file") else { return };
    let k = koku.to_str().unwrap();
    let r = json(&["gap", k, "--against", PARTIAL, "--match", "clowder-listener=celery-beat", "--against-values", "fixtures/charts/koku-partial/values-trino.yaml"]);
    let s = by_component(&r, "clowder-listener");
    assert_eq!((s["matched_with"][0].as_str(), s["matched_by"].as_str()), (Some("celery-beat"), Some("override")));
    assert_eq!(infra(&r, "service", "TRINO_HOST")["status"], "bundled", "values-trino.yaml turns the Trino coordinator on");
    assert_eq!(r["comparison"]["chart"]["values_files"], serde_json::json!(["fixtures/charts/koku-partial/values-trino.yaml"]));
    let r = json(&["gap", k, "--against", PARTIAL]);
    assert_eq!(infra(&r, "service", "TRINO_HOST")["status"], "missing", "without the values file there is no Trino");
}

#[test]
fn bad_match_is_a_usage_error() {
    let Some(koku) = upstream::koku_latest("bad_match_is_a_usage_error") else { return };
    for m in ["no-such-component=celery-beat", "clowder-scheduler=no-such-workload", "nonsense"] {
        let out = clowd2helm(&["gap", koku.to_str().unwrap(), "--against", PARTIAL, "--match", m]);
        assert_eq!(out.status.code(), Some(2), "--match {m}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_fixture_charts_lint() {
    for chart in [ROS, PARTIAL, ONPREM] {
        let out = Command::new(tools::helm()).args(["lint", chart]).current_dir(root()).output().unwrap();
        assert!(out.status.success(), "helm lint {chart}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
