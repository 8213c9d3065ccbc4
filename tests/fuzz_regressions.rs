//! The library must never panic, whatever the input: it returns a result or an error.
//!
//! - Every file under `fixtures/fuzz-regressions/` (inputs that once crashed the fuzz target
//!   `fuzz/fuzz_targets/parse_convert.rs`, see docs/fuzzing.md) is converted in memory.
//! - A deterministic mutation run on stable Rust: the repository's own fixtures are mutated with
//!   a fixed seed (bit flips, YAML-significant bytes, truncations, duplicated and deleted slices,
//!   swapped and repeated lines, inserted YAML tokens) and each result is converted in memory.
//!   It is a cheap, always-on stand-in for `cargo fuzz`, which needs nightly.
//!
//! Both modes of configuration are exercised. A failure names the case and writes its input to a
//! temporary file so it can be added to `fixtures/fuzz-regressions/`.

#[path = "common/upstream.rs"]
mod upstream;
#[path = "common/yaml_fast.rs"]
mod yaml_fast;

use clowd2helm::mapping::{ConfigMode, Options};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const REGRESSIONS: &str = "fixtures/fuzz-regressions";
const SEED: u64 = 0x00c1_0dd2_4e1b_0006;
const CASES: usize = 3000;
/// Mutated inputs for the fast-YAML differential check (each parsed by both paths).
const FAST_CASES: usize = 40_000;
/// Mutated inputs are cut to this size so that the run stays short in a debug build.
const MAX_LEN: usize = 64 * 1024;

/// Convert `text` in both configuration modes; Ok(true) when it converted, Ok(false) when it
/// was refused with an error, Err(panic message) if anything panicked.
fn convert_in_memory(text: &str) -> Result<bool, String> {
    let mut converted = false;
    for mode in [None, Some(ConfigMode::Cdappconfig)] {
        let options = Options { config_mode: mode, ..Options::default() };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            match clowd2helm::model_from_text("fuzz.yaml", text, &options) {
                Ok(model) => {
                    let files = clowd2helm::chart_files(&model, "0.1.0");
                    assert!(!files.is_empty(), "a converted model produced no files");
                    true
                }
                Err(clowd2helm::error::Error::Input(e)) => {
                    // The message as the CLI prints it, with the snippet under the column.
                    let _ = (e.headline(), e.snippet(text));
                    false
                }
                Err(_) => false,
            }
        }));
        if let Err(payload) = &outcome {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic".into());
            return Err(format!("mode {mode:?}: {msg}"));
        }
        converted |= outcome.unwrap_or(false);
    }
    Ok(converted)
}

/// Runs `f` with panic printing silenced (the panics are collected and reported instead), and
/// returns the location of each panic seen.
fn quietly<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    // The panic hook is global to the test binary: one silenced section at a time.
    static SERIAL: Mutex<()> = Mutex::new(());
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        sink.lock().unwrap().push(info.location().map(|l| l.to_string()).unwrap_or_default());
    }));
    let out = f();
    panic::set_hook(previous);
    let locations = seen.lock().unwrap().clone();
    (out, locations)
}

fn files_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).map(|r| r.map(|e| e.unwrap().path()).filter(|p| p.is_file() && keep(p)).collect()).unwrap_or_default();
    v.sort();
    v
}

/// Every file under `fixtures/fuzz-regressions/` converts in memory without a panic, and those
/// named `*.converts.yaml` / `*.refused.yaml` end that way (the others may end either way).
#[test]
fn fuzz_regressions_never_panic() {
    let dir = Path::new(ROOT).join(REGRESSIONS);
    let cases = files_in(&dir, |p| p.file_name().is_some_and(|n| n != "README.md"));
    assert!(cases.len() >= 15, "the corpus in {REGRESSIONS} must not be empty (found {} files)", cases.len());
    let (failures, _) = quietly(|| {
        cases
            .iter()
            .filter_map(|p| {
                let bytes = std::fs::read(p).unwrap();
                let name = p.file_name().unwrap().to_string_lossy();
                let want = if name.ends_with(".converts.yaml") {
                    Some(true)
                } else if name.ends_with(".refused.yaml") {
                    Some(false)
                } else {
                    None
                };
                match convert_in_memory(&String::from_utf8_lossy(&bytes)) {
                    Err(e) => Some(format!("{name}: panicked: {e}")),
                    Ok(got) if want.is_some_and(|w| w != got) => Some(format!("{name}: {}", if got { "converted, but is named .refused" } else { "was refused, but is named .converts" })),
                    Ok(_) => None,
                }
            })
            .collect::<Vec<_>>()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const SIGNIFICANT: &[u8] = b":-{}[],&*!|>'\"#%@`$\t\n ?<";
const TOKENS: &[&str] = &[
    "${{A}}", "${A}", "&x ", "*x", "<<: *x\n", "? ", "---\n", "...\n", "!!str ", "!!binary ", "|\n", ">-\n", ": ", "- ", "\t",
    "kind: ClowdApp\n", "kind: Template\n", "kind: List\n", "podSpec: {}\n", "deployments: {}\n", "replicas: {a: 1}\n", "name: \n", "\u{feff}", "\u{0}",
    // The shapes of issue 11: names from parameters, shared apps, repeated job names.
    "name: ${APP_NAME}\n", "sharedDbAppName: ${APP_NAME}\n", "sharedInMemoryDbAppName: a\n", "- name: migrate\n", "schedule: \"* * * * *\"\n", "topicName: ${A}\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    let rounds = if rng.below(2) == 0 { 1 } else { 2 + rng.below(3) };
    for _ in 0..rounds {
        let len = b.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = SIGNIFICANT[rng.below(SIGNIFICANT.len())];
            }
            2 => b.truncate(rng.below(len + 1)),
            3 if len > 0 => {
                let (i, j) = (rng.below(len), rng.below(len));
                let (from, to) = (i.min(j), i.max(j).min(i.min(j) + 4096));
                let slice = b[from..to].to_vec();
                let at = rng.below(len + 1);
                b.splice(at..at, slice);
            }
            4 if len > 0 => {
                let (i, j) = (rng.below(len), rng.below(len));
                b.drain(i.min(j)..i.max(j).min(i.min(j) + 512));
            }
            5 | 6 => {
                let mut lines: Vec<Vec<u8>> = b.split(|c| *c == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                let (i, j) = (rng.below(n), rng.below(n));
                if rng.below(2) == 0 {
                    lines.swap(i, j);
                } else {
                    let copy = lines[i].clone();
                    lines.insert(j, copy);
                }
                b = lines.join(&b'\n');
            }
            _ => {
                let at = rng.below(len + 1);
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                b.splice(at..at, token.iter().copied());
            }
        }
    }
    b.truncate(MAX_LEN);
    b
}

#[test]
fn mutated_fixtures_never_panic() {
    let root = Path::new(ROOT);
    let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml");
    // Good inputs (which reach mapping and chart code once mutated) and known-bad ones.
    let read = |dirs: &[&str]| -> Vec<(PathBuf, Vec<u8>)> {
        dirs.iter()
            .flat_map(|d| files_in(&root.join(d), yaml))
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p, bytes)
            })
            .filter(|(_, b)| b.len() <= MAX_LEN)
            .collect()
    };
    let good = read(&["fixtures", "fixtures/realworld"]);
    let bad = read(&["fixtures/bad", REGRESSIONS]);
    assert!(good.len() >= 3 && bad.len() >= 25, "expected the repository's fixtures as seeds");

    let mut rng = Rng(SEED);
    let ((failures, converted), _) = quietly(|| {
        let (mut failures, mut converted) = (Vec::new(), 0);
        for case in 0..CASES {
            let seeds = if rng.below(4) == 0 { &bad } else { &good };
            let (path, seed) = &seeds[rng.below(seeds.len())];
            let input = mutate(&mut rng, seed);
            let text = String::from_utf8_lossy(&input);
            match convert_in_memory(&text) {
                Ok(true) => converted += 1,
                Ok(false) => {}
                Err(e) => {
                    let keep = std::env::temp_dir().join(format!("clowd2helm-mutation-{case}.yaml"));
                    std::fs::write(&keep, &input).unwrap();
                    failures.push(format!("case {case} (from {}): {e}; input saved to {}", path.display(), keep.display()));
                }
            }
        }
        (failures, converted)
    });
    // The mutations must reach the mapping and chart stages, not only the YAML loader.
    eprintln!("{converted} of {CASES} mutated inputs converted, the others were refused with an error");
    assert!(converted >= CASES / 20, "only {converted} of {CASES} mutated inputs converted; the mutations are too destructive");
    assert!(failures.is_empty(), "{} of {CASES} mutated inputs panicked:\n{}", failures.len(), failures.join("\n"));
}

/// The issue-11 shapes (names from parameters, duplicate job names, parameters in every field,
/// several ClowdApps sharing a database) get a mutation run of their own, on top of their share
/// of the run above: their code paths (pinning, shared scopes, repeated jobs) must refuse, never
/// panic, whatever a mutation leaves of them.
#[test]
fn mutated_issue_11_shapes_never_panic() {
    let root = Path::new(ROOT).join("fixtures/realworld");
    let shapes = ["name-from-parameter", "duplicate-job-names", "parameters-everywhere", "several-apps"];
    let seeds: Vec<(String, Vec<u8>)> = shapes.iter().map(|s| (s.to_string(), std::fs::read(root.join(format!("{s}.yaml"))).unwrap_or_else(|e| panic!("fixture {s}: {e}")))).collect();
    for (name, seed) in &seeds {
        assert_eq!(convert_in_memory(&String::from_utf8_lossy(seed)), Ok(true), "{name} converts unmutated");
    }
    let mut rng = Rng(SEED ^ 0x11);
    let ((failures, converted), _) = quietly(|| {
        let (mut failures, mut converted) = (Vec::new(), 0);
        for case in 0..600 {
            let (name, seed) = &seeds[case % seeds.len()];
            let input = mutate(&mut rng, seed);
            match convert_in_memory(&String::from_utf8_lossy(&input)) {
                Ok(true) => converted += 1,
                Ok(false) => {}
                Err(e) => {
                    let keep = std::env::temp_dir().join(format!("clowd2helm-issue11-mutation-{case}.yaml"));
                    std::fs::write(&keep, &input).unwrap();
                    failures.push(format!("case {case} (from {name}): {e}; input saved to {}", keep.display()));
                }
            }
        }
        (failures, converted)
    });
    assert!(converted >= 30, "only {converted} of 600 mutated inputs converted; the mutations are too destructive");
    assert!(failures.is_empty(), "{} mutated inputs panicked:\n{}", failures.len(), failures.join("\n"));
}

/// The YAML fast path (`src/source/yaml_fast.rs`) under the same mutations: on every mutated
/// input it declines or yields exactly saphyr-parser's events and spans. This is what catches a
/// scalar folded or a span placed differently. Each input is also checked with a final line break
/// added (the fast path declines text without one), so that most mutations reach it.
#[test]
fn mutated_fixtures_fast_yaml_identical_or_declined() {
    let root = Path::new(ROOT);
    let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml");
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = ["fixtures", "fixtures/realworld", "fixtures/bad", REGRESSIONS, "mappings", "mappings/profiles"]
        .iter()
        .flat_map(|d| files_in(&root.join(d), yaml))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .filter(|(_, b)| b.len() <= MAX_LEN)
        .collect();
    // A slice of Koku's upstream template, cut at a line break, when it is there.
    if let Some(koku) = upstream::koku_latest("mutated_fixtures_fast_yaml_identical_or_declined") {
        let bytes = std::fs::read(&koku).unwrap();
        let cut = bytes[..MAX_LEN.min(bytes.len())].iter().rposition(|c| *c == b'\n').map_or(0, |i| i + 1);
        seeds.push((koku, bytes[..cut].to_vec()));
    }
    // CLOWD2HELM_FAST_YAML_CASES and CLOWD2HELM_FAST_YAML_SEED make a longer or another run.
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("CLOWD2HELM_FAST_YAML_CASES").map_or(FAST_CASES, |n| n as usize);
    let mut rng = Rng(SEED ^ 0xfa57 ^ env("CLOWD2HELM_FAST_YAML_SEED").unwrap_or(0));
    let (mut failures, mut taken, mut checked) = (Vec::new(), 0, 0);
    for case in 0..cases {
        let (path, seed) = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed);
        let text = String::from_utf8_lossy(&input).into_owned();
        let mut variants = vec![text.clone()];
        if !text.ends_with('\n') {
            variants.push(format!("{text}\n"));
        }
        for v in &variants {
            checked += 1;
            match yaml_fast::check(v) {
                Ok(true) => taken += 1,
                Ok(false) => {}
                Err(e) => {
                    let keep = std::env::temp_dir().join(format!("clowd2helm-fast-yaml-{case}.yaml"));
                    std::fs::write(&keep, v).unwrap();
                    failures.push(format!("case {case} (from {}): {e}\ninput saved to {}", path.display(), keep.display()));
                }
            }
        }
    }
    eprintln!("fast YAML path: {taken} of {checked} mutated inputs taken and identical to saphyr-parser, the others declined");
    assert!(failures.is_empty(), "{} mutated inputs differ:\n{}", failures.len(), failures.join("\n"));
    assert!(taken * 4 >= checked, "only {taken} of {checked} mutated inputs reached the fast path; the check proves little");
}
