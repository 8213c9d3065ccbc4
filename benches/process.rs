//! `cargo bench --bench process`: the whole `clowd2helm convert` process, from start to a chart
//! folder written (durably) — the figure a user waits for. Koku 2026-08-14 into a fresh folder
//! on tmpfs (`/dev/shm`) and on the disk the temporary folder lives on, a first conversion and a
//! regeneration over an existing chart (the common case in CI), plus `--version` (process start
//! alone).
//!
//! Plain `std::time`, as `benches/convert.rs`: a warm-up, then at least `MIN_RUNS` runs and
//! `MIN_SECONDS` of measurements; minimum, median and mean in milliseconds. The binary is the
//! bench profile's (release settings, fat LTO). Koku's template is found as the tests find it
//! (`CLOWD2HELM_UPSTREAM_KOKU`, default `../shared/upstream/koku`); without it the bench uses
//! fixtures/koku-like.yaml and says so. Results: docs/performance.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const MIN_RUNS: usize = 30;
const MIN_SECONDS: f64 = 3.0;

fn koku() -> (String, PathBuf) {
    let dir = match std::env::var_os("CLOWD2HELM_UPSTREAM_KOKU") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream/koku"),
    };
    let file = dir.join("clowdapp-2026-08-14.yaml");
    if file.is_file() {
        ("koku-2026-08-14".into(), file)
    } else {
        eprintln!("{} not found (set CLOWD2HELM_UPSTREAM_KOKU): measuring fixtures/koku-like.yaml instead", file.display());
        ("koku-like fixture".into(), Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/koku-like.yaml"))
    }
}

fn run(args: &[&str], out: Option<&Path>) -> Duration {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clowd2helm"));
    cmd.args(args);
    if let Some(o) = out {
        cmd.arg("-o").arg(o);
    }
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::inherit());
    let t = Instant::now();
    let status = cmd.status().expect("run clowd2helm");
    let d = t.elapsed();
    assert!(status.success(), "clowd2helm {args:?} failed");
    d
}

/// Times `once` until enough runs; `prepare` runs before each, untimed.
fn measure(name: &str, mut prepare: impl FnMut(), mut once: impl FnMut() -> Duration) {
    prepare();
    once(); // warm-up: page cache, binary loaded
    let mut d = Vec::new();
    let started = Instant::now();
    while d.len() < MIN_RUNS || started.elapsed().as_secs_f64() < MIN_SECONDS {
        prepare();
        d.push(once());
    }
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let mean = d.iter().sum::<Duration>() / d.len() as u32;
    println!("| {name} | {} | {:.2} | {:.2} | {:.2} |", d.len(), ms(d[0]), ms(d[d.len() / 2]), ms(mean));
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let (label, input) = koku();
    let input = input.display().to_string();
    let shm = Path::new("/dev/shm");
    let mut places: Vec<(&str, tempfile::TempDir)> = Vec::new();
    if shm.is_dir() {
        places.push(("tmpfs", tempfile::tempdir_in(shm).expect("a folder in /dev/shm")));
    }
    places.push(("disk", tempfile::tempdir().expect("a temporary folder")));

    println!("| case ({label}) | runs | min ms | median ms | mean ms |");
    println!("|---|---|---|---|---|");
    if wanted("version") {
        measure("--version (process start)", || {}, || run(&["--version"], None));
    }
    for (place, dir) in &places {
        let chart = dir.path().join("chart");
        let name = format!("convert, new folder, {place}");
        if wanted(&name) {
            measure(&name, || {
                let _ = std::fs::remove_dir_all(&chart);
            }, || run(&["convert", &input], Some(&chart)));
        }
        let name = format!("convert over the previous chart, {place}");
        if wanted(&name) {
            run(&["convert", &input], Some(&chart));
            measure(&name, || {}, || run(&["convert", &input], Some(&chart)));
        }
    }
}
