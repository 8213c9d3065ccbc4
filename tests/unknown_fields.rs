//! A field clowd2helm does not know, at any level of a ClowdApp it reads, is a mistake it must
//! not guess about (`deployment:` for `deployments:` once gave a chart without workloads): exit
//! 2 with `file:line:col`, a "did you mean" and nothing written. `--allow-unknown-fields` turns
//! each into an `unsupported` finding at its line instead. Kubernetes fields that Clowder's CRD
//! prunes (`securityContext`...) stay findings either way.

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// A ClowdApp using every level the reader types; `{X}` marks where a test inserts a line.
const APP: &str = "apiVersion: template.openshift.io/v1
kind: Template
metadata:
  name: levels
objects:
- apiVersion: cloud.redhat.com/v1alpha1
  kind: ClowdApp
  metadata:
    name: levels
    {METADATA}
  spec:
    envName: env
    {SPEC}
    database:
      name: levels
      {DATABASE}
    kafkaTopics:
    - topicName: events
      {TOPIC}
    deployments:
    - name: api
      {DEPLOYMENT}
      webServices:
        {WEBSERVICES}
        public:
          enabled: true
          {PUBLIC}
      podSpec:
        image: quay.io/example/levels:1
        {PODSPEC}
        env:
        - name: A
          value: x
          {ENV}
        initContainers:
        - name: setup
          command: [\"true\"]
          {INIT}
    jobs:
    - name: sweep
      schedule: \"0 1 * * *\"
      {JOB}
      podSpec:
        image: quay.io/example/levels:1
";

const SLOTS: &[&str] = &["METADATA", "SPEC", "DATABASE", "TOPIC", "DEPLOYMENT", "WEBSERVICES", "PUBLIC", "PODSPEC", "ENV", "INIT", "JOB"];

/// The template with `line` in `slot` and every other slot empty; the 1-based line of the slot.
fn app_with(slot: &str, line: &str) -> (String, usize) {
    let mut text = APP.to_string();
    let at = text[..text.find(&format!("{{{slot}}}")).unwrap()].matches('\n').count() + 1;
    for s in SLOTS {
        let marker = format!("{{{s}}}");
        text = text.replace(&marker, if *s == slot { line } else { "" });
    }
    (text, at)
}

fn convert(text: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("levels.yaml");
    fs::write(&input, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).current_dir(dir.path()).args(["convert", "levels.yaml", "-o", "chart"]).args(extra).output().unwrap();
    (out, dir)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn findings(chart: &Path) -> Vec<Value> {
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    report["findings"].as_array().unwrap().clone()
}

#[test]
fn the_template_without_mistakes_converts() {
    let (text, _) = app_with("SPEC", "");
    let (out, _dir) = convert(&text, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_misspelt_field_at_any_level_is_an_error_naming_line_and_the_right_name() {
    let cases = [
        ("SPEC", "deployment: []", "deployments"),
        ("SPEC", "kafkaTopic: []", "kafkaTopics"),
        ("METADATA", "lables: {a: b}", "labels"),
        ("DATABASE", "verison: 16", "version"),
        ("TOPIC", "partition: 3", "partitions"),
        ("DEPLOYMENT", "replica: 2", "replicas"),
        ("WEBSERVICES", "privat: {enabled: true}", "private"),
        ("PUBLIC", "enabeld: true", "enabled"),
        ("PODSPEC", "volumeMount: []", "volumeMounts"),
        ("PODSPEC", "securityContex: {}", "securityContext"),
        ("ENV", "valeu: y", "value"),
        ("INIT", "inheritEnvs: true", "inheritEnv"),
        ("JOB", "schedul: x", "schedule"),
    ];
    for (slot, line, meant) in cases {
        let (text, at) = app_with(slot, line);
        let (out, dir) = convert(&text, &[]);
        let err = stderr(&out);
        let key = line.split(':').next().unwrap();
        assert_eq!(out.status.code(), Some(2), "`{line}` in {slot} must stop the conversion:\n{err}");
        assert!(err.contains(&format!("levels.yaml:{at}:")), "`{line}`: the error names line {at}:\n{err}");
        assert!(err.contains(&format!("`{key}` is not a field")) && err.contains(&format!("did you mean `{meant}`?")), "`{line}`: suggests `{meant}`:\n{err}");
        assert!(err.contains("--allow-unknown-fields"), "the hint names the way out:\n{err}");
        assert!(!dir.path().join("chart").exists(), "nothing is written");
    }
}

#[test]
fn a_missing_required_field_names_its_near_miss() {
    let text = app_with("SPEC", "").0.replacen("      podSpec:\n        image: quay.io/example/levels:1\n        \n", "      podspec:\n        image: quay.io/example/levels:1\n", 1);
    assert!(text.contains("podspec:"), "test input edited");
    let (out, _dir) = convert(&text, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has no podSpec") && err.contains("did you mean `podSpec`?"), "{err}");
}

#[test]
fn allowed_unknown_fields_become_findings_at_their_line() {
    let (text, at) = app_with("SPEC", "deployment: []");
    let (out, dir) = convert(&text, &["--allow-unknown-fields"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found: Vec<Value> = findings(&dir.path().join("chart")).into_iter().filter(|f| f["rule"] == "input.unknown-field").collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["outcome"], "unsupported");
    assert_eq!(found[0]["source"]["line"], at);
    assert!(found[0]["message"].as_str().unwrap().contains("did you mean `deployments`?"), "{}", found[0]["message"]);
}

#[test]
fn fields_the_crd_prunes_stay_findings_without_the_flag() {
    let (text, at) = app_with("PODSPEC", "securityContext: {runAsNonRoot: true}");
    let (out, dir) = convert(&text, &[]);
    assert!(out.status.success(), "a pruned Kubernetes field is not an error:\n{}", stderr(&out));
    let found: Vec<Value> = findings(&dir.path().join("chart")).into_iter().filter(|f| f["rule"] == "podspec.pruned-field").collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["source"]["line"], at);
    // Kubernetes fields elsewhere that the CRD prunes: metadata an export leaves behind, a
    // container field on an init container, Deployment and Job fields. Findings at their lines,
    // not errors.
    for (slot, line) in [("METADATA", "creationTimestamp: null"), ("INIT", "resources: {limits: {cpu: 1}}"), ("DEPLOYMENT", "strategy: {type: Recreate}"), ("JOB", "backoffLimit: 2")] {
        let (text, at) = app_with(slot, line);
        let (out, dir) = convert(&text, &[]);
        assert!(out.status.success(), "`{line}` is not an error:\n{}", stderr(&out));
        let found: Vec<Value> = findings(&dir.path().join("chart")).into_iter().filter(|f| f["rule"] == "input.unknown-field" && f["source"]["line"] == at).collect();
        assert_eq!(found.len(), 1, "`{line}`: one finding at line {at}");
        assert_eq!(found[0]["outcome"], "unsupported");
    }
}
