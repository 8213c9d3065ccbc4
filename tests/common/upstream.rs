//! Koku's real upstream ClowdApp templates belong to another project and are never copied into
//! this repository. Tests find them through one setting:
//!
//! `CLOWD2HELM_UPSTREAM_KOKU` — a folder holding `clowdapp-<date>.yaml` files; default
//! `../shared/upstream/koku` beside the checkout (where CI has them).
//!
//! When the folder is absent a test that needs it prints one `SKIPPED` line saying what was
//! skipped and how to enable it, and passes; everything else runs on the project's own fixtures.
//!
//! Include from an integration test with
//!
//! ```ignore
//! #[path = "common/upstream.rs"]
//! mod upstream;
//! ```
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The environment variable that points at the upstream Koku templates.
pub const SETTING: &str = "CLOWD2HELM_UPSTREAM_KOKU";

/// The newest upstream version the tests know about.
pub const LATEST: &str = "2026-08-14";

/// The configured folder, whether or not it exists.
pub fn dir() -> PathBuf {
    match std::env::var_os(SETTING) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream/koku"),
    }
}

fn skip(test: &str, what: &str) {
    // stderr is shown by cargo only for failures; a skip must be seen, so print to stdout and
    // to stderr (`cargo test -- --nocapture` shows either).
    let line = format!(
        "SKIPPED {test}: {what} not found in {} (set {SETTING} to the folder holding Koku's upstream clowdapp-*.yaml files)",
        dir().display()
    );
    println!("{line}");
    eprintln!("{line}");
    skipped_log(&line);
}

/// Skips are also appended to `target/upstream-skips.txt`, which `.ci/run` prints at the end, so
/// they are visible without `--nocapture`.
fn skipped_log(line: &str) {
    use std::io::Write;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/upstream-skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{line}");
    }
}

/// `clowdapp-<date>.yaml`, or `None` (after printing the skip line for `test`) when absent.
pub fn koku(test: &str, date: &str) -> Option<PathBuf> {
    let p = dir().join(format!("clowdapp-{date}.yaml"));
    if p.is_file() {
        Some(p)
    } else {
        skip(test, &format!("clowdapp-{date}.yaml"));
        None
    }
}

/// The newest version, or `None` (after the skip line) when absent.
pub fn koku_latest(test: &str) -> Option<PathBuf> {
    koku(test, LATEST)
}

/// Every `clowdapp-*.yaml` in the folder, oldest first; empty (after the skip line) when absent.
pub fn koku_all(test: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("clowdapp-") && n.ends_with(".yaml")))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        skip(test, "clowdapp-*.yaml");
    }
    files
}
