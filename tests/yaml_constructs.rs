//! YAML as Kubernetes tools read it (issue 11, class 2): merge keys, flow collections closed at
//! the parent's indentation, duplicate keys. Each fixture under `fixtures/realworld/yaml-*.yaml`
//! converts, passes `helm lint --strict`, and renders what `oc process` would have handed to
//! Clowder; `kubernetes-validate --strict` accepts the rendered objects.

#[path = "common/tools.rs"]
mod tools;

use serde_json::Value as J;
use serde_yaml_ng::Value as Y;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Convert a fixture, lint the chart strictly, render it; returns the chart folder (kept alive
/// by the temp dir) and the rendered documents.
fn convert(fixture: &str) -> (tempfile::TempDir, PathBuf, Vec<Y>, String) {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["convert", fixture, "-o"]).arg(&chart).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "convert {fixture}: {}", String::from_utf8_lossy(&out.stderr));
    let lint = Command::new(tools::helm()).args(["lint", "--strict"]).arg(&chart).output().unwrap();
    assert!(lint.status.success(), "helm lint --strict {fixture}: {}", String::from_utf8_lossy(&lint.stdout));
    let rendered = Command::new(tools::helm()).args(["template", "rel"]).arg(&chart).output().unwrap();
    assert!(rendered.status.success(), "helm template {fixture}: {}", String::from_utf8_lossy(&rendered.stderr));
    let text = String::from_utf8(rendered.stdout).unwrap();
    tools::validate_manifests(&text).unwrap_or_else(|e| panic!("kubernetes-validate {fixture}: {e}"));
    let docs = serde_yaml_ng::Deserializer::from_str(&text).map(|d| <Y as serde::Deserialize>::deserialize(d).unwrap()).filter(|d| !d.is_null()).collect();
    (dir, chart, docs, text)
}

/// The first container of Deployment `name`.
fn container<'a>(docs: &'a [Y], name: &str) -> &'a Y {
    let d = docs.iter().find(|d| d["kind"].as_str() == Some("Deployment") && d["metadata"]["name"].as_str() == Some(name)).unwrap_or_else(|| panic!("Deployment {name} rendered"));
    &d["spec"]["template"]["spec"]["containers"][0]
}

fn strings(v: &Y) -> Vec<String> {
    v.as_sequence().unwrap_or_else(|| panic!("a list: {v:?}")).iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn lines_of(fixture: &str, needle: &str) -> Vec<usize> {
    std::fs::read_to_string(root().join(fixture)).unwrap().lines().enumerate().filter(|(_, l)| l.trim_start().starts_with(needle)).map(|(i, _)| i + 1).collect()
}

#[test]
fn merge_keys_share_a_pod_template_with_yaml_1_1_precedence() {
    let (_d, _c, docs, _) = convert("fixtures/realworld/yaml-merge-keys.yaml");
    let web = container(&docs, "shop-web");
    let worker = container(&docs, "shop-worker");
    let reports = container(&docs, "shop-reports");
    // The worker takes the shared image, env and resources, and keeps the command it writes itself.
    assert_eq!(worker["image"], web["image"]);
    assert_eq!(worker["image"].as_str(), Some("quay.io/example/shop:7f3c2a1"));
    assert_eq!(strings(&worker["command"]), ["celery", "-A", "shop", "worker", "-Q", "orders"]);
    assert_eq!(worker["resources"], web["resources"]);
    assert!(worker["env"].as_sequence().unwrap().iter().any(|e| e["name"].as_str() == Some("LOG_LEVEL") && e["value"].as_str() == Some("info")));
    // `<<: [*pod, {...}]`: the earlier map wins on `image`, the later one still adds `args`.
    assert_eq!(reports["image"], web["image"], "the first map of the merge list wins");
    assert_eq!(strings(&reports["args"]), ["--reports"]);
    assert_eq!(reports["command"], web["command"]);
    // A nested merge: the limits written beside `<<` replace the merged ones, requests are merged.
    assert_eq!(reports["resources"]["limits"]["memory"].as_str(), Some("1Gi"));
    assert_eq!(reports["resources"]["requests"], web["resources"]["requests"]);
}

#[test]
fn flow_sequences_closed_at_the_parents_indentation() {
    let (_d, _c, docs, _) = convert("fixtures/realworld/yaml-flow-indent.yaml");
    let c = container(&docs, "notifier-sender");
    assert_eq!(strings(&c["command"]), ["python", "-m", "notifier.send"]);
    assert_eq!(strings(&c["args"]), ["--batch=50", "--dry-run=false"]);
}

#[test]
fn duplicate_keys_keep_the_last_value_and_the_report_names_both_lines() {
    let fixture = "fixtures/realworld/yaml-duplicate-keys.yaml";
    let (_d, chart, docs, _) = convert(fixture);
    let c = container(&docs, "billing-api");
    assert_eq!(c["resources"]["requests"]["cpu"].as_str(), Some("250m"), "the last `resources` wins, as in oc");
    let lines = lines_of(fixture, "resources:");
    assert_eq!(lines.len(), 2);
    let report: J = serde_json::from_str(&std::fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    let f = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "yaml.duplicate-key").expect("a duplicate-key finding");
    assert_eq!(f["source"]["line"].as_u64(), Some(lines[1] as u64), "the finding points at the key that won");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("`resources`") && msg.contains(&format!("lines {} and {}", lines[0], lines[1])), "{msg}");
    let md = std::fs::read_to_string(chart.join("GAP_REPORT.md")).unwrap();
    assert!(md.contains("yaml.duplicate-key"), "the Markdown ledger lists it too");
}

#[test]
fn what_go_yaml_and_pyyaml_refuse_stays_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        ("merge-scalar.yaml", "kind: ClowdApp\nx: &a 1\nm:\n  <<: *a\n", "merge key"),
        ("unclosed.yaml", "kind: ClowdApp\nm: [\n  a,\n", "closed"),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["gap"]).arg(&f).current_dir(root()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want) && err.contains(&format!("{}:", Path::new(&f).display())), "{name}: {err}");
    }
}
