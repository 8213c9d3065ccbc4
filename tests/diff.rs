//! `clowd2helm diff OLD NEW` on the real upstream Koku history. Every expectation is derived
//! from the two input templates (and cross-checked with the facts in SOURCES.md), never from our
//! own output.

#[path = "common/upstream.rs"]
mod upstream;

use clowd2helm::source::yaml::{self, Node};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Command, Output};

fn upstream(date: &str) -> String {
    upstream::dir().join(format!("clowdapp-{date}.yaml")).display().to_string()
}

/// True when every version is there; otherwise the test is skipped (visibly).
fn have(test: &str, dates: &[&str]) -> bool {
    dates.iter().all(|d| upstream::koku(test, d).is_some())
}

fn diff(old: &str, new: &str, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["diff", &upstream(old), &upstream(new), "--format", format]).output().expect("run clowd2helm")
}

fn diff_json(old: &str, new: &str) -> Value {
    let out = diff(old, new, "json");
    assert_eq!(out.status.code(), Some(1), "a change exits 1; stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// One deployment as the template declares it.
struct Dep {
    name: String,
    env: BTreeSet<String>,
    volumes: BTreeSet<String>,
    autoscaled: bool,
    replicas: Option<String>,
}

struct Template {
    app: String,
    deployments: Vec<Dep>,
    parameters: BTreeSet<String>,
}

impl Template {
    fn dep(&self, name: &str) -> Option<&Dep> {
        self.deployments.iter().find(|d| d.name == name)
    }
    fn object_name(&self, dep: &str) -> String {
        format!("{}-{dep}", self.app)
    }
}

fn names(list: Option<&Node>) -> BTreeSet<String> {
    list.map(Node::items).unwrap_or(&[]).iter().filter_map(|n| n.get("name").and_then(Node::as_str).map(str::to_string)).collect()
}

fn read(date: &str) -> Template {
    let path = upstream(date);
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = yaml::load_documents(&path, &text).unwrap();
    let objects = docs[0].get("objects").unwrap().items();
    let app = objects.iter().find(|o| o.get("kind").and_then(Node::as_str) == Some("ClowdApp")).unwrap();
    let deployments = app
        .get("spec")
        .and_then(|s| s.get("deployments"))
        .unwrap()
        .items()
        .iter()
        .map(|d| {
            let pod = d.get("podSpec");
            Dep {
                name: d.get("name").and_then(Node::as_str).unwrap().to_string(),
                env: names(pod.and_then(|p| p.get("env"))),
                volumes: names(pod.and_then(|p| p.get("volumes"))),
                autoscaled: d.get("autoScaler").is_some(),
                replicas: d.get("replicas").and_then(Node::scalar_text),
            }
        })
        .collect();
    Template {
        app: app.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap().to_string(),
        deployments,
        parameters: names(docs[0].get("parameters")),
    }
}

fn set(v: &Value, field: &str) -> BTreeSet<String> {
    v.as_array().unwrap_or(&vec![]).iter().map(|e| e[field].as_str().unwrap().to_string()).collect()
}

fn changed<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["workloads"]["changed"].as_array().unwrap().iter().find(|w| w["name"] == name).unwrap_or_else(|| panic!("{name} is reported as changed"))
}

/// Env vars added to any container of a changed workload: name → shown value.
fn env_added(w: &Value) -> Vec<(String, String)> {
    w["containers_changed"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .flat_map(|c| c["env"]["added"].as_array().cloned().unwrap_or_default())
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
        .collect()
}

fn param_diff(old: &Template, new: &Template) -> (BTreeSet<String>, BTreeSet<String>) {
    (new.parameters.difference(&old.parameters).cloned().collect(), old.parameters.difference(&new.parameters).cloned().collect())
}

/// Deployments that gained an `autoScaler`, by object name.
fn newly_autoscaled(old: &Template, new: &Template) -> Vec<(String, Option<String>)> {
    new.deployments
        .iter()
        .filter(|d| d.autoscaled && !old.dep(&d.name).is_some_and(|o| o.autoscaled))
        .map(|d| (d.name.clone(), old.dep(&d.name).and_then(|o| o.replicas.clone())))
        .collect()
}

#[test]
fn the_api_split_shows_api_removed_and_reads_writes_added() {
    if !have("the_api_split_shows_api_removed_and_reads_writes_added", &["2024-06-28", "2025-05-06"]) {
        return;
    }
    let (old, new) = (read("2024-06-28"), read("2025-05-06"));
    let old_names: BTreeSet<String> = old.deployments.iter().map(|d| old.object_name(&d.name)).collect();
    let new_names: BTreeSet<String> = new.deployments.iter().map(|d| new.object_name(&d.name)).collect();
    let removed: BTreeSet<String> = old_names.difference(&new_names).cloned().collect();
    let added: BTreeSet<String> = new_names.difference(&old_names).cloned().collect();
    // SOURCES.md: de8b016f replaced `api` with `api-reads` + `api-writes`.
    assert_eq!(removed, BTreeSet::from(["koku-api".to_string()]));
    assert_eq!(added, BTreeSet::from(["koku-api-reads".to_string(), "koku-api-writes".to_string()]));

    let d = diff_json("2024-06-28", "2025-05-06");
    assert_eq!(set(&d["workloads"]["removed"], "name"), removed);
    assert_eq!(set(&d["workloads"]["added"], "name"), added);
    assert_eq!(set(&d["workloads"]["removed"], "component"), BTreeSet::from(["api".to_string()]));

    // The database need (spec.database in both templates) now serves the two new deployments.
    let db = d["infrastructure"]["changed"].as_array().unwrap().iter().find(|c| c["provider"] == "database").expect("database need changed");
    assert_eq!(db["used_by"]["removed"], serde_json::json!(["koku-api"]), "{db:#}");
    assert_eq!(db["used_by"]["added"], serde_json::json!(["koku-api-reads", "koku-api-writes"]), "{db:#}");

    let text = String::from_utf8(diff("2024-06-28", "2025-05-06", "text").stdout).unwrap();
    assert!(text.contains("  - Deployment koku-api (component api)"), "{text}");
    assert!(text.contains("  + Deployment koku-api-reads (component api-reads)"), "{text}");
    // The file diff follows the summary: the removed deployment's template goes away.
    assert!(text.lines().any(|l| l.starts_with("--- a/templates/")) && text.contains("+++ /dev/null"), "{text}");
}

#[test]
fn keda_aws_credentials_and_redeploy_hash_between_2025_05_and_2025_10() {
    if !have("keda_aws_credentials_and_redeploy_hash_between_2025_05_and_2025_10", &["2025-05-06", "2025-10-27"]) {
        return;
    }
    let (old, new) = (read("2025-05-06"), read("2025-10-27"));
    let d = diff_json("2025-05-06", "2025-10-27");

    // Six download/summary workers move to KEDA; their replicas parameter goes away.
    let scaled = newly_autoscaled(&old, &new);
    let scaled_names: BTreeSet<String> = scaled.iter().map(|(n, _)| n.clone()).collect();
    let sources: BTreeSet<String> = ["", "-xl", "-penalty"].iter().flat_map(|s| [format!("clowder-worker-download{s}"), format!("clowder-worker-summary{s}")]).collect();
    assert_eq!(scaled_names, sources, "SOURCES.md: the six download/summary workers");
    let params_removed = set(&d["parameters"]["removed"], "name");
    for (dep, replicas) in &scaled {
        let w = changed(&d, &new.object_name(dep));
        assert_eq!(w["autoscaler"]["change"], "added", "{dep}: {w:#}");
        let replicas = replicas.as_deref().expect("a fixed replicas field before");
        let param = replicas.trim_start_matches("${{").trim_end_matches("}}");
        assert!(w["replicas"]["old"].as_str().unwrap().contains(param), "{dep}: replicas was {param}: {w:#}");
        assert!(!w["replicas"]["new"].as_str().unwrap().contains(param), "{dep}: {w:#}");
        assert!(params_removed.contains(param), "{param} is reported as a removed parameter");
    }

    // AWS credentials: the secret volume goes, two secretKeyRef env vars come.
    let with_aws_volume: Vec<&Dep> = old.deployments.iter().filter(|d| d.volumes.contains("aws-credentials")).collect();
    assert!(!with_aws_volume.is_empty());
    for dep in with_aws_volume {
        let w = changed(&d, &new.object_name(&dep.name));
        assert!(set(&w["volumes"]["removed"], "name").contains("aws-credentials"), "{}: {w:#}", dep.name);
        let env = env_added(w);
        for (var, key) in [("AWS_ACCESS_KEY_ID", "aws_access_key_id"), ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key")] {
            let (_, shown) = env.iter().find(|(n, _)| n == var).unwrap_or_else(|| panic!("{}: {var} added", dep.name));
            assert!(shown.contains("secretKeyRef") && shown.contains("koku-aws") && shown.contains(key), "{}: {var} = {shown}", dep.name);
            let refs = w["secrets"]["added"].as_array().unwrap();
            assert!(refs.iter().any(|r| r["secret"] == "koku-aws" && r["key"] == key), "{}: {refs:?}", dep.name);
        }
    }

    // REDEPLOY_HASH on every deployment that declares it now.
    let redeploy: Vec<&Dep> = new.deployments.iter().filter(|d| d.env.contains("REDEPLOY_HASH") && !old.dep(&d.name).unwrap().env.contains("REDEPLOY_HASH")).collect();
    assert_eq!(redeploy.len(), 30, "SOURCES.md: REDEPLOY_HASH added to all 30 deployments");
    for dep in redeploy {
        let w = changed(&d, &new.object_name(&dep.name));
        assert!(env_added(w).iter().any(|(n, _)| n == "REDEPLOY_HASH"), "{}: {w:#}", dep.name);
    }

    // Parameters: exactly the template's additions and removals (SOURCES.md: +64, −9).
    let (added, removed) = param_diff(&old, &new);
    assert_eq!((added.len(), removed.len()), (64, 9));
    assert_eq!(set(&d["parameters"]["added"], "name"), added);
    assert_eq!(params_removed, removed);
    assert_eq!(d["parameters"]["default_changed"], serde_json::json!([]), "SOURCES.md: no surviving default changed");
    assert!(d["workloads"]["added"].as_array().unwrap().is_empty() && d["workloads"]["removed"].as_array().unwrap().is_empty());
}

#[test]
fn the_next_six_autoscaled_workers_and_onprem_currency_env_between_2025_10_and_2026_08() {
    if !have("the_next_six_autoscaled_workers_and_onprem_currency_env_between_2025_10_and_2026_08", &["2025-10-27", "2026-08-14"]) {
        return;
    }
    let (old, new) = (read("2025-10-27"), read("2026-08-14"));
    let d = diff_json("2025-10-27", "2026-08-14");

    let scaled = newly_autoscaled(&old, &new);
    let scaled_names: BTreeSet<String> = scaled.iter().map(|(n, _)| n.clone()).collect();
    let sources: BTreeSet<String> = ["", "-xl", "-penalty"].iter().flat_map(|s| [format!("clowder-worker-ocp{s}"), format!("clowder-worker-cost-model{s}")]).collect();
    assert_eq!(scaled_names, sources, "SOURCES.md: ocp and cost-model workers");
    for (dep, _) in &scaled {
        assert_eq!(changed(&d, &new.object_name(dep))["autoscaler"]["change"], "added", "{dep}");
    }

    for var in ["ONPREM", "CURRENCY_URL"] {
        let gained: Vec<&Dep> = new.deployments.iter().filter(|d| d.env.contains(var) && !old.dep(&d.name).unwrap().env.contains(var)).collect();
        assert_eq!(gained.len(), 29, "SOURCES.md: {var} on all 29 Koku-image deployments");
        for dep in gained {
            let w = changed(&d, &new.object_name(&dep.name));
            assert!(env_added(w).iter().any(|(n, _)| n == var), "{}: {var} added: {w:#}", dep.name);
        }
    }
    let (added, removed) = param_diff(&old, &new);
    assert_eq!(set(&d["parameters"]["added"], "name"), added);
    assert_eq!(set(&d["parameters"]["removed"], "name"), removed);
}

#[test]
fn the_same_template_twice_is_no_change() {
    if !have("the_same_template_twice_is_no_change", &["2026-08-14"]) {
        return;
    }
    let out = diff("2026-08-14", "2026-08-14", "text");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("No change"));
    let out = diff("2026-08-14", "2026-08-14", "json");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["changed"], false);
    assert_eq!(d["diff"], "");
}

// ------------------------------------------------------------------------------------------
// On the project's own fixture (no upstream templates needed)
// ------------------------------------------------------------------------------------------

fn run_diff(old: &std::path::Path, new: &std::path::Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("diff").arg(old).arg(new).args(["--format", format]).output().expect("run clowd2helm")
}

/// A parameter whose default changes is reported with both values, in JSON and in text, and
/// nothing else is reported as changed in the parameters.
#[test]
fn a_changed_parameter_default_is_reported_with_both_values() {
    let fixture = format!("{}/fixtures/every-construct.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&fixture).unwrap();
    // fixtures/every-construct.yaml: `- name: API_REPLICAS` with `value: "2"` two lines below.
    let at = text.find("- name: API_REPLICAS\n").expect("API_REPLICAS is declared");
    let value_at = at + text[at..].find("  value: \"2\"\n").expect("its default is \"2\"");
    let changed = format!("{}  value: \"5\"\n{}", &text[..value_at], &text[value_at + "  value: \"2\"\n".len()..]);
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old, &text).unwrap();
    std::fs::write(&new, &changed).unwrap();

    let out = run_diff(&old, &new, "json");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["parameters"]["default_changed"], serde_json::json!([{"name": "API_REPLICAS", "old": "2", "new": "5"}]), "{:#}", d["parameters"]);
    assert_eq!(d["parameters"]["added"], serde_json::json!([]));
    assert_eq!(d["parameters"]["removed"], serde_json::json!([]));
    // The chart's values.yaml carries the new default.
    assert!(d["diff"].as_str().unwrap().lines().any(|l| l.starts_with('+') && l.contains("API_REPLICAS: 5")), "{}", d["diff"]);

    let out = run_diff(&old, &new, "text");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 defaults changed") && text.contains("API_REPLICAS: \"2\" → \"5\""), "{text}");

    // The same file twice: nothing changed.
    let out = run_diff(&old, &old, "json");
    assert_eq!(out.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["parameters"]["default_changed"], serde_json::json!([]));
}
