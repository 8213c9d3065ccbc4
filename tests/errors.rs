//! Bad input (issue 2): malformed YAML, a template without a ClowdApp, duplicate deployment names
//! and an undeclared `${{X}}`. Each must exit 2 with `file:line: what is wrong` on stderr and
//! leave the output folder exactly as it was, whether it holds a chart from an earlier run plus
//! files of the user's, or does not exist yet.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn convert(input: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .current_dir(repo())
        .args(["convert", input, "-o"])
        .arg(out)
        .output()
        .expect("run clowd2helm")
}

/// Every entry under `dir` (folders too, so a stray staging folder shows up), with file bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = e.file_type().is_file().then(|| fs::read(e.path()).expect("read"));
            (rel, bytes)
        })
        .collect()
}

/// The 1-based number of the first line of `fixture` that satisfies `pick`.
fn line_of(fixture: &str, pick: impl Fn(&str) -> bool) -> usize {
    let text = fs::read_to_string(repo().join(fixture)).expect("read fixture");
    text.lines().position(pick).expect("marker line in fixture") + 1
}

/// Runs `fixture` against a folder holding an earlier chart and a user file, and against a
/// folder that does not exist; returns stderr of the first run.
fn rejected(fixture: &str) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("chart");
    let first = convert("fixtures/minimal.yaml", &out);
    assert!(first.status.success(), "preparing the chart folder failed:\n{}", String::from_utf8_lossy(&first.stderr));
    fs::write(out.join("MY-NOTES.md"), "kept by the user\n").unwrap();
    let before = snapshot(scratch.path());

    let result = convert(fixture, &out);
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert_eq!(result.status.code(), Some(2), "{fixture} must exit 2; stderr:\n{stderr}");
    assert!(result.stdout.is_empty(), "{fixture}: nothing is reported as written, got:\n{}", String::from_utf8_lossy(&result.stdout));
    assert!(before == snapshot(scratch.path()), "{fixture}: the output folder (or its parent) changed");

    let fresh = scratch.path().join("new-chart");
    let result = convert(fixture, &fresh);
    assert_eq!(result.status.code(), Some(2));
    assert!(!fresh.exists(), "{fixture}: a chart folder was created for bad input");
    assert!(before == snapshot(scratch.path()), "{fixture}: something was left next to the output folder");
    stderr
}

/// `error: <fixture>:<line>:` with the line number, then the message.
fn error_line(fixture: &str, stderr: &str) -> Option<usize> {
    let rest = stderr.strip_prefix("error: ")?.strip_prefix(fixture)?.strip_prefix(':')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|_| rest[digits.len()..].starts_with(':'))
}

#[test]
fn malformed_yaml() {
    let fixture = "fixtures/error-malformed-yaml.yaml";
    let stderr = rejected(fixture);
    let tab_line = line_of(fixture, |l| l.starts_with('\t'));
    assert_eq!(error_line(fixture, &stderr), Some(tab_line), "points at the tab-indented line:\n{stderr}");
    assert!(stderr.contains("YAML"), "says the YAML is malformed:\n{stderr}");
}

#[test]
fn template_without_a_clowdapp() {
    let fixture = "fixtures/error-no-clowdapp.yaml";
    let stderr = rejected(fixture);
    assert!(error_line(fixture, &stderr).is_some(), "names file:line:\n{stderr}");
    assert!(stderr.contains("ClowdApp"), "says what is missing:\n{stderr}");
}

#[test]
fn duplicate_deployment_names() {
    let fixture = "fixtures/error-duplicate-deployment.yaml";
    let stderr = rejected(fixture);
    let first = line_of(fixture, |l| l.trim() == "- name: worker");
    let text = fs::read_to_string(repo().join(fixture)).unwrap();
    let second = text.lines().enumerate().filter(|(_, l)| l.trim() == "- name: worker").nth(1).map(|(i, _)| i + 1).unwrap();
    assert_eq!(error_line(fixture, &stderr), Some(second), "points at the second `worker`:\n{stderr}");
    assert!(stderr.contains("worker") && stderr.contains(&format!("line {first}")), "names the deployment and its first line:\n{stderr}");
}

#[test]
fn undeclared_typed_parameter() {
    let fixture = "fixtures/error-undeclared-typed-parameter.yaml";
    let stderr = rejected(fixture);
    let used = line_of(fixture, |l| !l.starts_with('#') && l.contains("${{REPLICAS}}"));
    assert_eq!(error_line(fixture, &stderr), Some(used), "points at the reference:\n{stderr}");
    assert!(stderr.contains("REPLICAS"), "names the parameter:\n{stderr}");
}
