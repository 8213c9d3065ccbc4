//! `cargo bench --bench convert`: Koku 2026-08-14 end to end (parse → model → chart and report
//! files, all in memory) and Koku scaled 1×, 10× and 100× by `benches/support/scale.rs`.
//!
//! Plain `std::time` (no benchmark framework): every case runs a warm-up, then repeats until it
//! has at least `MIN_RUNS` runs and `MIN_SECONDS` of measurements; the minimum, median and mean
//! are printed per stage, with the process's peak resident memory so far (cases run from small
//! to large, so the peak after a case is that case's peak). Process start-up and file writing
//! are measured by `benches/run.sh`. Results and targets: docs/performance.md.
//!
//! `cargo bench --bench convert -- koku-1x` runs only the cases whose name contains the filter.

#[path = "support/scale.rs"]
mod scale;

/// The allocator the `clowd2helm` binary uses (src/main.rs), so that the numbers match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clowd2helm::mapping::Options;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Koku's template, found as the tests find it: `CLOWD2HELM_UPSTREAM_KOKU`, default
/// `../shared/upstream/koku`.
fn koku_path() -> std::path::PathBuf {
    let dir = match std::env::var_os("CLOWD2HELM_UPSTREAM_KOKU") {
        Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream/koku"),
    };
    dir.join("clowdapp-2026-08-14.yaml")
}
const MIN_RUNS: usize = 10;
const MIN_SECONDS: f64 = 3.0;

struct Stats {
    min: Duration,
    median: Duration,
    mean: Duration,
}

fn stats(mut d: Vec<Duration>) -> Stats {
    d.sort();
    let mean = d.iter().sum::<Duration>() / d.len() as u32;
    Stats { min: d[0], median: d[d.len() / 2], mean }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// VmHWM (peak resident set) of this process, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn bench(name: &str, text: &str) {
    let options = Options::default();
    // Warm-up, and a check that the case converts at all.
    let model = clowd2helm::model_from_text(name, text, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let files = clowd2helm::chart_files(&model, "0.1.0");
    let (workloads, parameters, file_count) = (model.workloads.len(), model.parameters.len(), files.len());
    drop((model, files));

    let (mut parse, mut map, mut emit, mut total) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    while parse.len() < MIN_RUNS || started.elapsed().as_secs_f64() < MIN_SECONDS {
        let t0 = Instant::now();
        let input = clowd2helm::source::template::parse(name, black_box(text)).expect("parses");
        let t1 = Instant::now();
        let model = clowd2helm::mapping::map(input, &options).expect("maps");
        let t2 = Instant::now();
        let files = clowd2helm::chart_files(&model, "0.1.0");
        let t3 = Instant::now();
        black_box(&files);
        drop((model, files));
        parse.push(t1 - t0);
        map.push(t2 - t1);
        emit.push(t3 - t2);
        total.push(t3 - t0);
    }
    let runs = total.len();
    let (p, m, e, t) = (stats(parse), stats(map), stats(emit), stats(total));
    println!(
        "| {name} | {:.1} | {workloads} | {parameters} | {file_count} | {runs} | {} | {} | {} | {} / {} / {} | {:.0} |",
        text.len() as f64 / 1024.0,
        ms(p.median),
        ms(m.median),
        ms(e.median),
        ms(t.min),
        ms(t.median),
        ms(t.mean),
        peak_rss_mib()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is a name filter.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let path = koku_path();
    let koku = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (set CLOWD2HELM_UPSTREAM_KOKU to the folder holding Koku's clowdapp-*.yaml)", path.display()));

    println!("| case | input KiB | workloads | parameters | files | runs | parse ms | map ms | files ms | end to end ms (min / median / mean) | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    if wanted("koku-2026-08-14") {
        bench("koku-2026-08-14", &koku);
    }
    for factor in [1, 10, 100] {
        let name = format!("koku-{factor}x");
        if wanted(&name) {
            let scaled = scale::scale(&koku, factor);
            bench(&name, &scaled);
        }
    }
}
