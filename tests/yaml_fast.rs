//! The YAML fast path against saphyr-parser on every YAML file of the repository and on Koku's
//! upstream templates: it declines or yields identical events and spans, and it does not
//! decline on the inputs it exists for (see docs/decisions.md, "Fast path").

#[path = "common/upstream.rs"]
mod upstream;
#[path = "common/yaml_fast.rs"]
mod yaml_fast;

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(Path::new(ROOT).join(dir))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    v.sort();
    v
}

/// Checks each file; returns the files the fast path took and those it declined.
fn check_all(files: &[PathBuf]) -> (Vec<String>, Vec<String>) {
    let (mut taken, mut declined, mut wrong) = (Vec::new(), Vec::new(), Vec::new());
    for p in files {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        let name = p.strip_prefix(ROOT).unwrap_or(p).display().to_string();
        match yaml_fast::check(&text) {
            Ok(true) => taken.push(name),
            Ok(false) => declined.push(name),
            Err(e) => wrong.push(format!("{name}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "the fast path differs from saphyr-parser on {} file(s):\n{}", wrong.len(), wrong.join("\n"));
    (taken, declined)
}

#[test]
fn identical_or_declined_on_every_repository_yaml() {
    let files: Vec<PathBuf> = ["fixtures", "mappings"].iter().flat_map(|d| yaml_files(d)).collect();
    assert!(files.len() > 100, "expected the repository's YAML files, found {}", files.len());
    let (taken, declined) = check_all(&files);
    eprintln!("fast path: {} of {} repository YAML files taken; declined: {}", taken.len(), files.len(), declined.join(", "));
    // The good fixtures and the data files are what the fast path is for (Helm templates under
    // fixtures/charts/*/templates are Go templates, not YAML, and bad inputs are declined).
    let is_good = |n: &&String| !n.contains("/bad/") && !n.contains("fuzz-regressions") && !n.contains("/templates/");
    let good: Vec<&String> = taken.iter().chain(&declined).filter(is_good).collect();
    let good_declined: Vec<&String> = declined.iter().filter(is_good).collect();
    eprintln!("good files declined: {good_declined:?}");
    assert!(good_declined.len() * 10 <= good.len(), "the fast path declines {} of {} good files: {:?}", good_declined.len(), good.len(), good_declined);
}

#[test]
fn identical_and_taken_on_koku_upstream() {
    let files = upstream::koku_all("identical_and_taken_on_koku_upstream");
    if files.is_empty() {
        return;
    }
    let (taken, declined) = check_all(&files);
    assert!(declined.is_empty(), "the fast path declines Koku's upstream templates: {declined:?}");
    eprintln!("fast path: all {} Koku upstream templates taken", taken.len());
}

/// Hand-written shapes at the edges of the subset: each must be identical or declined, and the
/// ones marked `true` must be taken.
#[test]
fn edge_shapes() {
    let cases: &[(&str, bool)] = &[
        ("a: 1\n", true),
        ("a:\n- x\n-\n- y: 1\n  z:\n  - q\nb: 2\n", true),
        ("- a\n- - b\n  - c\n-\n  d: e\n- |\n  lit\n   more\n\n  end\n", true),
        ("a: >-\n  folded\n  text\n\n  para\n   indented\n  back\nb: |+\n  keep\n\n\nc: x\n", true),
        ("k: plain\n  folded over\n\n  lines\nn: 'q''s' # c\nm: \"e\\n\\t\\\"x\\u00e9\"\n", true),
        ("a: {}\nb: []\nc: {} # c\n", true),
        ("# c\n---\na: 1\n...\n---\n- x\n---\n", true),
        ("a: b # c\n  d\n", false),
        ("a: b # c\nd: e\n", true),
        ("a: &x 1\nb: *x\n", false),
        ("a:\n\tb\n", false),
        ("\"a\" : 1\n'b':\n  - c\n", true),
        ("a: |\nb: 1\n", true),
        ("a:   \n  # only a comment\nb:\n", true),
        ("plain root\n", true),
        ("---\n", true),
        ("a: b: c\n", false),
        ("a:\n  b: 1\n c: 2\n", false),
    ];
    // saphyr forgets a simple key 1024 characters after its start: long keys are declined.
    let long_key = |n: usize| format!("{}: v\n", "k".repeat(n));
    let (short, long) = (long_key(900), long_key(1030));
    // Positions are counted in characters past ASCII.
    let wide = "n\u{e9}: \u{2192} caf\u{e9}\n\u{e9}t\u{e9}:\n- \"\u{fc}\" # \u{2713}\n- |\n  \u{e0} la ligne\n  fin\nx: y\n";
    let cases: Vec<(&str, bool)> = cases.iter().copied().chain([(short.as_str(), true), (long.as_str(), false), (wide, true)]).collect();
    for (text, must_take) in &cases {
        match yaml_fast::check(text) {
            Ok(taken) => assert!(taken || !must_take, "declined {text:?}"),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }
}

/// Random documents assembled line by line from YAML-significant pieces (indentation, keys,
/// entries, block scalar headers, quoted and plain scalars, comments, markers, empty and
/// space-only lines): the byte mutations of the fixtures rarely produce the indentation corner
/// cases (block scalars' more-indented and trailing lines, folded plain scalars, dedents to an
/// unknown column) that these do.
#[test]
fn generated_line_soup_identical_or_declined() {
    const PIECES: &[&str] = &[
        "k: ", "key: ", "- ", "- - ", "a b: ", "\"q\": ", "'s': ", "x", "plain text", "v: w", "| ", "|-", "|+", ">", ">-", ">+", "'it''s'", "\"e\\t\\\"\\u00e9\"",
        "# note", " # note", "{}", "[]", "[a, 'b', {c: d}]", "{e: [f], g: \"h\"}", ": ", "---", "...", "a:b", "http://x", "-x", "?x", "#", "  ", "${{P}}", "caf\u{e9}",
    ];
    let mut state: u64 = 0x005e_ed0f_fa57 ^ std::env::var("CLOWD2HELM_FAST_YAML_SEED").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut taken, mut wrong) = (0, Vec::new());
    let cases = 200_000;
    for _ in 0..cases {
        let mut text = String::new();
        for _ in 0..1 + next(12) {
            text.push_str(&" ".repeat([0, 0, 1, 2, 2, 3, 4, 4, 6][next(9)]));
            for _ in 0..next(3) {
                text.push_str(PIECES[next(PIECES.len())]);
            }
            text.push('\n');
        }
        match yaml_fast::check(&text) {
            Ok(true) => taken += 1,
            Ok(false) => {}
            Err(e) => wrong.push(format!("{text:?}: {e}")),
        }
    }
    eprintln!("fast path: {taken} of {cases} generated documents taken and identical");
    assert!(wrong.is_empty(), "{} generated documents differ:\n{}", wrong.len(), wrong.iter().take(5).cloned().collect::<Vec<_>>().join("\n"));
    assert!(taken * 5 >= cases, "only {taken} of {cases} generated documents reached the fast path");
}
