//! Koku's real upstream ClowdApp templates belong to another project and are never copied into
//! this repository. Tests find them through one setting:
//!
//! `CLOWD2HELM_UPSTREAM_KOKU` — a folder holding `clowdapp-<date>.yaml` files; default
//! `../shared/upstream/koku` beside the checkout (where CI has them).
//!
//! When the folder is absent a test that needs it prints one `SKIPPED` line saying what was
//! skipped and how to enable it, and passes; everything else runs on the project's own fixtures.
//! `CLOWD2HELM_UPSTREAM_REQUIRED=1` turns a missing template into a failure instead (for a CI
//! that must not skip silently).
//!
//! Include from an integration test with
//!
//! ```ignore
//! #[path = "common/upstream.rs"]
//! mod upstream;
//! ```
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that points at the upstream Koku templates.
pub const SETTING: &str = "CLOWD2HELM_UPSTREAM_KOKU";

/// Set to `1` to fail, not skip, when the templates are missing.
pub const REQUIRED: &str = "CLOWD2HELM_UPSTREAM_REQUIRED";

/// The newest upstream version the tests know about.
pub const LATEST: &str = "2026-08-14";

/// Where skips are collected for `.ci/run`'s closing summary.
pub const SKIP_LOG: &str = "target/upstream-skips.txt";

/// The configured folder, whether or not it exists.
pub fn dir() -> PathBuf {
    match std::env::var_os(SETTING) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream/koku"),
    }
}

fn required() -> bool {
    std::env::var_os(REQUIRED).is_some_and(|v| !v.is_empty() && v != "0")
}

fn skip(test: &str, what: &str) {
    let line = format!(
        "SKIPPED {}::{test}: {what} not found in {} (set {SETTING} to the folder holding Koku's upstream clowdapp-*.yaml files)",
        env!("CARGO_CRATE_NAME"),
        dir().display()
    );
    if required() {
        panic!("{line}; {REQUIRED} is set, so this is a failure");
    }
    // libtest captures `print!`/`eprint!` of passing tests, so a skip written that way would
    // never be seen; a direct write to the stderr handle is not captured.
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
    skipped_log(&line);
}

/// Skips are also appended to `target/upstream-skips.txt`, which `.ci/run` empties at its start
/// and prints at its end, so the whole list is visible in one place.
fn skipped_log(line: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SKIP_LOG);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    // One write per line: test binaries run in parallel and append to the same file.
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(format!("{line}\n").as_bytes());
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

/// Several versions at once: all of them, or `None` (one skip line naming the first missing).
pub fn koku_versions<const N: usize>(test: &str, dates: [&str; N]) -> Option<[PathBuf; N]> {
    let mut out = Vec::with_capacity(N);
    for date in dates {
        out.push(koku(test, date)?);
    }
    out.try_into().ok()
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
