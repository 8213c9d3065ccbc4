//! Shapes of ClowdApp templates teams write besides Koku's (issue 11): a bare ClowdApp without a
//! Template, resource quantities in every notation, CronJob-only apps, apps without deployments,
//! jobs no ClowdJobInvocation runs, KEDA on a bare ClowdApp, and the parameter constructs of
//! `fixtures/realworld/`. Every fixture there converts, passes `helm lint --strict`, renders,
//! passes `kubernetes-validate --strict` and `clowd2helm verify`; each shape then shows the
//! behaviour a user relies on.

#[path = "common/tools.rs"]
mod tools;

use clowd2helm::source::{process, template, yaml};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/realworld")
}

fn fixture(name: &str) -> PathBuf {
    dir().join(format!("{name}.yaml"))
}

/// Every fixture of the folder, with the values file that sets its required parameters, if any
/// (`<name>.values.yaml`).
fn fixtures() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out: Vec<(PathBuf, Option<PathBuf>)> = fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.to_string_lossy().ends_with(".values.yaml"))
        .map(|p| {
            let values = p.with_extension("values.yaml");
            let values = values.is_file().then_some(values);
            (p, values)
        })
        .collect();
    out.sort();
    out
}

fn convert(input: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(input).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
    (tmp, chart)
}

fn helm(args: &[&str]) -> Result<String, String> {
    let out = Command::new(tools::helm()).args(args).output().unwrap();
    if out.status.success() { Ok(String::from_utf8_lossy(&out.stdout).into_owned()) } else { Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))) }
}

fn render(chart: &Path, args: &[&str]) -> String {
    let mut all = vec!["template", "t", chart.to_str().unwrap()];
    all.extend_from_slice(args);
    helm(&all).unwrap_or_else(|e| panic!("helm template {args:?}:\n{e}"))
}

fn objects(manifests: &str) -> Vec<Value> {
    yaml::load_documents("helm-output", manifests).expect("helm output is YAML").iter().map(yaml::Node::to_json).filter(|v| !v.is_null()).collect()
}

fn kinds(objects: &[Value]) -> BTreeSet<String> {
    objects.iter().map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap())).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name} in {:?}", kinds(objects)))
}

fn has_keda(chart: &Path) -> bool {
    fs::read_to_string(chart.join("values.yaml")).unwrap().lines().any(|l| l == "autoscaling:")
}

fn findings(chart: &Path, rule: &str) -> Vec<Value> {
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).cloned().collect()
}

/// The ClowdApp as `oc process` outputs it with the parameter defaults.
fn processed_app(input: &Path) -> Value {
    let text = fs::read_to_string(input).unwrap();
    let parsed = template::parse(&input.display().to_string(), &text).unwrap();
    let values = process::parameter_values(&parsed, &BTreeMap::new());
    let app = parsed.objects.iter().find(|o| o.get("kind").and_then(yaml::Node::as_str) == Some("ClowdApp")).expect("a ClowdApp");
    process::process_node(app, &values)
}

#[test]
fn every_realworld_fixture_converts_lints_renders_validates_and_verifies() {
    let all = fixtures();
    assert!(all.len() >= 9, "the shapes of issue 11 are all there: {all:?}");
    let mut failures = Vec::new();
    for (input, values) in &all {
        let (_tmp, chart) = convert(input);
        let chart_s = chart.to_str().unwrap();
        let values_args: Vec<&str> = values.iter().flat_map(|v| ["-f", v.to_str().unwrap()]).collect();
        let mut settings: Vec<Vec<&str>> = vec![values_args.clone()];
        if has_keda(&chart) {
            settings.push([values_args.clone(), vec!["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]].concat());
        }
        for args in settings {
            let name = format!("{} {args:?}", input.file_name().unwrap().to_string_lossy());
            if let Err(e) = helm(&[&["lint", "--strict", chart_s][..], &args].concat()) {
                failures.push(format!("{name}: helm lint --strict:\n{e}"));
                continue;
            }
            let manifests = match helm(&[&["template", "t", chart_s][..], &args].concat()) {
                Ok(m) => m,
                Err(e) => {
                    failures.push(format!("{name}: helm template:\n{e}"));
                    continue;
                }
            };
            if let Err(e) = tools::validate_manifests(&manifests) {
                failures.push(format!("{name}: {e}"));
            }
            let verify = Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
                .arg("verify")
                .arg(input)
                .arg(&chart)
                .arg("--helm")
                .arg(tools::helm())
                .arg("--kubernetes-validate")
                .arg(tools::kubernetes_validate())
                .args(&args)
                .output()
                .unwrap();
            if !verify.status.success() {
                failures.push(format!("{name}: verify exited {:?}:\n{}{}", verify.status.code(), String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_bare_clowdapp_becomes_a_chart_named_after_it() {
    let (_tmp, chart) = convert(&fixture("bare-clowdapp"));
    assert!(fs::read_to_string(chart.join("Chart.yaml")).unwrap().contains("name: notebook\n"));
    assert!(fs::read_to_string(chart.join("values.yaml")).unwrap().contains("parameters: {}\n"), "no parameters, still a map");
    let rendered = objects(&render(&chart, &[]));
    let web = named(&rendered, "Deployment", "notebook-web");
    assert_eq!(web["spec"]["replicas"], json!(2));
    assert_eq!(web["spec"]["selector"]["matchLabels"], json!({"app": "notebook", "team": "paper", "pod": "notebook-web"}), "ClowdApp labels select the pods, as under Clowder");
    assert_eq!(web["spec"]["template"]["spec"]["containers"][0]["image"], json!("quay.io/example/notebook:1.4.2"));
    named(&rendered, "Service", "notebook-web");
}

#[test]
fn quantities_render_as_written() {
    let input = fixture("quantities");
    let app = processed_app(&input);
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    for dep in app["spec"]["deployments"].as_array().unwrap() {
        let name = format!("sizes-{}", dep["name"].as_str().unwrap());
        let got = &named(&rendered, "Deployment", &name)["spec"]["template"]["spec"]["containers"][0]["resources"];
        assert_eq!(got, &dep["podSpec"]["resources"], "{name}: every quantity as the template wrote it (0.5Gi, 500m, 1.5, a parameter)");
    }
    // A quantity set by the user may be a number or a string, for a typed parameter too.
    let rendered = objects(&render(&chart, &["--set", "parameters.MEMORY_REQUEST=1Gi", "--set", "resourceDefaults.limits.cpu=2", "--set-string", "parameters.WORKER_CPU=500m"]));
    assert_eq!(named(&rendered, "Deployment", "sizes-api")["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"], json!("1Gi"));
    assert_eq!(named(&rendered, "Deployment", "sizes-worker")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"], json!("500m"));
    let rendered = objects(&render(&chart, &["--set", "parameters.WORKER_CPU=2"]));
    assert_eq!(named(&rendered, "Deployment", "sizes-worker")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"], json!(2));
}

#[test]
fn a_cronjob_only_app_renders_its_cronjobs_and_no_deployment() {
    let (_tmp, chart) = convert(&fixture("cronjob-only"));
    let rendered = objects(&render(&chart, &[]));
    assert!(!rendered.iter().any(|o| o["kind"] == "Deployment" || o["kind"] == "Service"), "{:?}", kinds(&rendered));
    let purge = named(&rendered, "CronJob", "nightly-purge");
    assert_eq!(purge["spec"]["schedule"], json!("0 2 * * *"), "schedule from its parameter");
    assert_eq!(purge["spec"]["concurrencyPolicy"], json!("Forbid"));
    let digest = named(&rendered, "CronJob", "nightly-digest");
    assert_eq!(digest["spec"]["suspend"], json!(false), "a typed boolean");
    named(&rendered, "ServiceAccount", "nightly-app");
    let rendered = objects(&render(&chart, &["--set", "parameters.DIGEST_SUSPENDED=true", "--set-string", "parameters.PURGE_SCHEDULE=5 4 * * *"]));
    assert_eq!(named(&rendered, "CronJob", "nightly-digest")["spec"]["suspend"], json!(true));
    assert_eq!(named(&rendered, "CronJob", "nightly-purge")["spec"]["schedule"], json!("5 4 * * *"));
}

#[test]
fn an_app_without_deployments_renders_its_infrastructure_only() {
    let (_tmp, chart) = convert(&fixture("no-deployments"));
    let rendered = objects(&render(&chart, &[]));
    let workloads: Vec<&Value> = rendered.iter().filter(|o| ["Deployment", "CronJob", "Job"].contains(&o["kind"].as_str().unwrap()) && !o["metadata"]["labels"]["pod"].is_null()).collect();
    assert!(workloads.is_empty(), "the app runs nothing itself: {:?}", kinds(&rendered));
    // Its database is still provided (bundled by default) for the apps that share it.
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    let infra = serde_json::to_string(&report).unwrap();
    assert!(infra.contains("\"database\"") && infra.contains("ledger.entries"), "the report lists the database and the topic");
    assert!(rendered.iter().any(|o| o["kind"] == "StatefulSet" || o["kind"] == "Deployment"), "the bundled database runs: {:?}", kinds(&rendered));
}

#[test]
fn jobs_no_invocation_runs_render_nothing_and_are_reported() {
    let input = fixture("uninvoked-jobs");
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    assert!(!rendered.iter().any(|o| o["kind"] == "Job" || o["kind"] == "CronJob"), "Clowder creates nothing for them: {:?}", kinds(&rendered));
    named(&rendered, "Deployment", "ingest-service");
    let text = fs::read_to_string(&input).unwrap();
    let lines: Vec<usize> = ["backfill", "reindex"].iter().map(|j| text.lines().position(|l| l.trim() == format!("- name: {j}")).unwrap() + 1).collect();
    let found: Vec<u64> = findings(&chart, "job.never-invoked").iter().map(|f| f["source"]["line"].as_u64().unwrap()).collect();
    assert_eq!(found, lines.iter().map(|l| *l as u64).collect::<Vec<_>>(), "one finding per job, at its line");
}

#[test]
fn keda_on_a_bare_clowdapp_renders_behind_its_switch() {
    let (_tmp, chart) = convert(&fixture("keda-bare"));
    let off = objects(&render(&chart, &[]));
    assert!(!off.iter().any(|o| o["kind"] == "ScaledObject"));
    assert_eq!(named(&off, "Deployment", "render-worker")["spec"]["replicas"], json!(2), "minReplicaCount while KEDA is off");
    let on = objects(&render(&chart, &["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]));
    let so = named(&on, "ScaledObject", "render-worker");
    assert_eq!(so["spec"]["minReplicaCount"], json!(2));
    assert_eq!(so["spec"]["maxReplicaCount"], json!(6));
    assert_eq!(so["spec"]["triggers"].as_array().unwrap().iter().map(|t| t["type"].clone()).collect::<Vec<_>>(), vec![json!("cpu"), json!("cron")]);
    assert!(named(&on, "Deployment", "render-worker")["spec"].get("replicas").is_none(), "KEDA owns the replica count");
}
