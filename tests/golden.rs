//! Golden charts: every fixture of ours is converted and the whole chart folder (templates,
//! values, schema, reports and the manifest) is compared byte for byte with
//! `tests/golden/<fixture>/`.
//!
//! After an intended change of the output, regenerate every golden folder with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test golden
//! ```
//!
//! and read the diff (`git diff tests/golden`) before committing it: a golden file is a claim
//! about what Clowder would have run, not a snapshot to accept blindly.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixtures with a golden chart: `fixtures/<name>.yaml` ↔ `tests/golden/<name>/`.
/// (Bad inputs live in `fixtures/bad/`, checked by tests/bad_input.rs.)
const FIXTURES: &[&str] = &[
    "every-construct",
    "kafka-trigger-without-topics",
    "koku-like",
    "minimal",
    "multi-document",
    "release-name",
    "required-parameter",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Convert `fixtures/<name>.yaml` (a path relative to the repository, as a user would type it,
/// so the file name recorded in the chart is stable) into a fresh folder.
fn convert(name: &str, scratch: &Path) -> PathBuf {
    let out = scratch.join("chart");
    let result = Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .current_dir(repo())
        .arg("convert")
        .arg(format!("fixtures/{name}.yaml"))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run clowd2helm");
    assert!(
        result.status.success(),
        "clowd2helm convert fixtures/{name}.yaml failed ({}):\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Every file under `dir` (hidden ones included), relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk golden folder");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(rel, fs::read(entry.path()).expect("read file"));
        }
    }
    files
}

fn write_tree(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove old golden folder");
    }
    for (rel, bytes) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).expect("create golden folder");
        fs::write(&path, bytes).expect("write golden file");
    }
}

/// A readable account of how `actual` differs from `golden` (empty when identical).
fn differences(golden: &BTreeMap<String, Vec<u8>>, actual: &BTreeMap<String, Vec<u8>>) -> String {
    let mut report = String::new();
    for rel in golden.keys().filter(|k| !actual.contains_key(*k)) {
        report.push_str(&format!("- {rel}: in the golden chart, no longer generated\n"));
    }
    for rel in actual.keys().filter(|k| !golden.contains_key(*k)) {
        report.push_str(&format!("- {rel}: generated, missing from the golden chart\n"));
    }
    for (rel, want) in golden {
        let Some(got) = actual.get(rel) else { continue };
        if want == got {
            continue;
        }
        report.push_str(&format!("- {rel}: content differs\n"));
        let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
        let diff = similar::TextDiff::from_lines(want.as_ref(), got.as_ref());
        let text = diff.unified_diff().context_radius(2).header("golden", "generated").to_string();
        // Enough to see what changed without drowning the other files.
        let lines: Vec<&str> = text.lines().collect();
        for line in lines.iter().take(60) {
            report.push_str(&format!("    {line}\n"));
        }
        if lines.len() > 60 {
            report.push_str(&format!("    ... {} more diff lines\n", lines.len() - 60));
        }
    }
    report
}

/// Convert one fixture and compare its golden folder. Returns what is wrong, if anything. With
/// UPDATE_GOLDEN, a folder that differs is rewritten, and still reported: the run fails until it
/// is repeated without UPDATE_GOLDEN, so a stray setting can never make this test pass blindly.
fn check(name: &str) -> Option<String> {
    let scratch = tempfile::tempdir().expect("temp dir");
    let actual = tree(&convert(name, scratch.path()));
    let golden_dir = repo().join("tests/golden").join(name);
    let golden = if golden_dir.is_dir() { tree(&golden_dir) } else { BTreeMap::new() };
    if golden.is_empty() && !updating() {
        return Some(format!("no golden chart tests/golden/{name}/ for fixtures/{name}.yaml\n"));
    }
    let report = differences(&golden, &actual);
    if report.is_empty() {
        return None;
    }
    if updating() {
        write_tree(&golden_dir, &actual);
        return Some(format!("rewrote tests/golden/{name}/ (UPDATE_GOLDEN): review `git diff tests/golden/{name}`, then run again without UPDATE_GOLDEN\n{report}"));
    }
    Some(format!("the chart for fixtures/{name}.yaml differs from tests/golden/{name}/:\n{report}"))
}

#[test]
fn charts_match_their_golden_folders() {
    let failures: Vec<String> = FIXTURES.iter().filter_map(|name| check(name)).collect();
    assert!(
        failures.is_empty(),
        "{}\nIf the change is intended, run `UPDATE_GOLDEN=1 cargo test --test golden` and review `git diff tests/golden` file by file.",
        failures.join("\n")
    );
}

/// The golden folders are exactly the listed fixtures, none empty: a folder whose fixture is
/// gone would never be checked again, and a missing tests/golden/ must fail, not pass.
#[test]
fn every_golden_folder_belongs_to_a_fixture() {
    let dir = repo().join("tests/golden");
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("tests/golden/ must exist ({e}); create it with UPDATE_GOLDEN=1 cargo test --test golden"));
    let mut found = Vec::new();
    for entry in entries {
        let name = entry.expect("read tests/golden").file_name().to_string_lossy().to_string();
        assert!(FIXTURES.contains(&name.as_str()), "tests/golden/{name} has no entry in FIXTURES (tests/golden.rs)");
        assert!(repo().join("fixtures").join(format!("{name}.yaml")).is_file(), "tests/golden/{name} has no fixtures/{name}.yaml");
        assert!(tree(&dir.join(&name)).contains_key("Chart.yaml"), "tests/golden/{name} holds no chart");
        found.push(name);
    }
    found.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "every fixture in FIXTURES has its golden folder");
}

#[test]
fn every_listed_fixture_exists() {
    for name in FIXTURES {
        assert!(repo().join("fixtures").join(format!("{name}.yaml")).is_file(), "fixtures/{name}.yaml is listed in FIXTURES but missing");
    }
}
