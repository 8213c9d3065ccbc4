//! Hostile and broken inputs: every case under `fixtures/bad/` is converted into an output
//! folder that already holds a chart (plus a file of the user's), and into a folder that does
//! not exist yet, and must
//!
//! - exit with code 2,
//! - print exactly the message in `fixtures/bad/<case>.expected` (first line
//!   `error: fixtures/bad/<case>.yaml:LINE:COL: ...`, then the hint when there is one),
//! - name `file:line:col` unless the case is about the file as a whole,
//! - leave the output folder (and its parent) byte-for-byte as it was, and create no folder,
//! - never panic,
//! - stay within 1 GiB of address space (so alias bombs are proven bounded in memory) and
//!   within a generous CPU-time cap that turns a hang into a failure (not a speed measurement).
//!
//! `CLOWD2HELM_BLESS=1 cargo test --test bad_input` rewrites the `.expected` files from the
//! actual output; review the diff before committing it.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_clowd2helm");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BAD: &str = "fixtures/bad";

/// Cases whose problem concerns the whole file, so the message has no line.
const WITHOUT_LINE: &[&str] = &["empty", "comments-only"];

/// Address-space cap for every run: far above a real conversion, far below what an unbounded
/// alias expansion would take.
const MEMORY_CAP: u64 = 1 << 30;
/// CPU-seconds cap: a safety net against hangs, 100× above the slowest case in a debug build.
const CPU_CAP_SECONDS: u64 = 60;

/// Every regular file under `dir` (relative path → content), plus every folder, so that a
/// staging folder left behind or a removed file is noticed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                stack.push(path);
            } else {
                out.insert(rel, Some(fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// A parent folder holding `chart/`: a chart converted from fixtures/minimal.yaml, plus a file
/// of the user's.
fn prepared_output() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let chart = parent.path().join("chart");
    let out = Command::new(BIN).current_dir(ROOT).args(["convert", "fixtures/minimal.yaml", "-o"]).arg(&chart).output().unwrap();
    assert!(out.status.success(), "preparing the chart folder failed:\n{}", String::from_utf8_lossy(&out.stderr));
    fs::write(chart.join("templates/mine.yaml"), "kind: ConfigMap\n").unwrap();
    (parent, chart)
}

fn limited(cmd: &mut Command) -> &mut Command {
    // SAFETY: only async-signal-safe system calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            use rustix::process::{setrlimit, Resource, Rlimit};
            setrlimit(Resource::As, Rlimit { current: Some(MEMORY_CAP), maximum: Some(MEMORY_CAP) })?;
            setrlimit(Resource::Cpu, Rlimit { current: Some(CPU_CAP_SECONDS), maximum: Some(CPU_CAP_SECONDS) })?;
            Ok(())
        })
    }
}

/// Run `convert INPUT -o OUT` from the repository root and check everything that does not
/// depend on the message text. Returns stderr.
fn convert_fails_cleanly(input: &str, stdin: Option<Vec<u8>>) -> String {
    let from_stdin = stdin.is_some();
    let (parent, chart) = prepared_output();
    let before = snapshot(parent.path());
    let mut cmd = Command::new(BIN);
    cmd.current_dir(ROOT).arg("convert").arg(input).arg("-o").arg(&chart);
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = limited(&mut cmd).spawn().unwrap();
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        // The tool stops reading at its size limit; a broken pipe here is expected.
        std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut pipe, &bytes);
        })
    });
    let out: Output = child.wait_with_output().unwrap();
    if let Some(w) = writer {
        w.join().unwrap();
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{input}: the tool panicked:\n{stderr}");
    assert_eq!(out.status.code(), Some(2), "{input}: expected exit code 2 (status {:?}), stderr:\n{stderr}", out.status);
    assert!(out.stdout.is_empty(), "{input}: nothing may be printed on stdout, got:\n{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(snapshot(parent.path()), before, "{input}: the output folder or its parent changed");
    if !from_stdin {
        let fresh = parent.path().join("new-chart");
        let out = limited(Command::new(BIN).current_dir(ROOT).arg("convert").arg(input).arg("-o").arg(&fresh).stdin(Stdio::null())).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{input} into a new folder: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!fresh.exists(), "{input}: a chart folder was created for bad input");
        assert_eq!(snapshot(parent.path()), before, "{input}: something was left next to the output folder");
    }
    stderr
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(Path::new(ROOT).join(BAD))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// `error: FILE:LINE:COL: ...` → Some((line, col)); `error: FILE: ...` → None.
fn position(first_line: &str, file: &str) -> Option<(usize, usize)> {
    let rest = first_line.strip_prefix(&format!("error: {file}:"))?;
    let mut parts = rest.splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let col = parts.next()?.parse().ok()?;
    Some((line, col))
}

#[test]
fn every_bad_input_fails_with_its_exact_message_and_writes_nothing() {
    let bless = std::env::var_os("CLOWD2HELM_BLESS").is_some();
    let cases = cases();
    assert!(cases.len() >= 25, "the corpus must hold at least 25 cases, found {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let input = format!("{BAD}/{case}.yaml");
        let expected_path = Path::new(ROOT).join(BAD).join(format!("{case}.expected"));
        let stderr = convert_fails_cleanly(&input, None);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with(&format!("error: {input}")), "{case}: the message must name the file first:\n{stderr}");
        match position(first, &input) {
            Some((line, col)) => {
                let text = fs::read(Path::new(ROOT).join(&input)).unwrap();
                let lines = text.split(|b| *b == b'\n').count();
                assert!(line >= 1 && line <= lines && col >= 1, "{case}: position {line}:{col} is outside the file ({lines} lines)");
                assert!(!WITHOUT_LINE.contains(&case.as_str()), "{case}: now names a line; update WITHOUT_LINE");
            }
            None => assert!(WITHOUT_LINE.contains(&case.as_str()), "{case}: the message must name file:line:col:\n{stderr}"),
        }
        if bless {
            fs::write(&expected_path, &stderr).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_else(|_| panic!("{case}: {} is missing", expected_path.display()));
        if stderr != expected {
            failures.push(format!("--- {case}\nexpected:\n{expected}actual:\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} messages differ (CLOWD2HELM_BLESS=1 rewrites them):\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_expected_file_has_its_input() {
    let cases = cases();
    for entry in fs::read_dir(Path::new(ROOT).join(BAD)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".expected").or_else(|| name.strip_suffix(".yaml"));
        let stem = stem.unwrap_or_else(|| panic!("{BAD}/{name}: only <case>.yaml and <case>.expected belong here"));
        assert!(cases.iter().any(|c| c == stem), "{BAD}/{name} has no {stem}.yaml");
    }
}

/// A valid-looking template padded to 50 MB (written to a temporary folder, never committed).
fn fifty_megabytes() -> Vec<u8> {
    let head = fs::read(Path::new(ROOT).join("fixtures/minimal.yaml")).unwrap();
    let mut text = head;
    let pad = b"# padding padding padding padding padding padding padding padding padding pad\n";
    while text.len() + pad.len() <= 50 * 1000 * 1000 {
        text.extend_from_slice(pad);
    }
    text.resize(50 * 1000 * 1000, b'\n');
    text
}

#[test]
fn a_50_megabyte_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.yaml");
    fs::write(&big, fifty_megabytes()).unwrap();
    let shown = big.display().to_string();
    let stderr = convert_fails_cleanly(&shown, None);
    assert_eq!(
        stderr,
        format!(
            "error: {shown}: input is 50000000 bytes; clowd2helm reads at most 33554432 bytes\n  hint: a ClowdApp template is normally well under 1 MB: check that this is the right file\n"
        )
    );
}

#[test]
fn a_50_megabyte_stream_on_stdin_is_refused() {
    let stderr = convert_fails_cleanly("-", Some(fifty_megabytes()));
    assert_eq!(
        stderr,
        "error: <stdin>: input is more than 33554432 bytes; clowd2helm reads at most 33554432 bytes\n  hint: a ClowdApp template is normally well under 1 MB: check that this is the right file\n"
    );
}

#[test]
fn a_folder_given_as_input_is_refused() {
    let stderr = convert_fails_cleanly("fixtures", None);
    assert_eq!(stderr, "error: fixtures: is a folder, not a file\n  hint: pass the template file itself\n");
}

// ------------------------------------------------------------------------------------------
// Positions worked out from the input itself (not from a blessed message)
// ------------------------------------------------------------------------------------------

fn case_text(case: &str) -> String {
    fs::read_to_string(Path::new(ROOT).join(BAD).join(format!("{case}.yaml"))).unwrap()
}

/// The 1-based numbers of the lines of `case` that satisfy `pick`.
fn lines_of(case: &str, pick: impl Fn(&str) -> bool) -> Vec<usize> {
    case_text(case).lines().enumerate().filter(|(_, l)| pick(l)).map(|(i, _)| i + 1).collect()
}

fn line_in(case: &str, stderr: &str) -> Option<usize> {
    position(stderr.lines().next()?, &format!("{BAD}/{case}.yaml")).map(|(l, _)| l)
}

#[test]
fn a_tab_in_a_nested_list_is_pointed_at() {
    let case = "tab-in-nested-list";
    let stderr = convert_fails_cleanly(&format!("{BAD}/{case}.yaml"), None);
    assert_eq!(line_in(case, &stderr), lines_of(case, |l| l.starts_with('\t')).first().copied(), "the first tab-indented line:\n{stderr}");
    assert!(stderr.contains("tab"), "{stderr}");
}

#[test]
fn a_duplicate_deployment_names_both_lines() {
    for case in ["duplicate-deployment-names", "duplicate-deployment-names-in-template"] {
        let stderr = convert_fails_cleanly(&format!("{BAD}/{case}.yaml"), None);
        let workers = lines_of(case, |l| l.trim() == "- name: worker");
        assert_eq!(workers.len(), 2, "{case} declares `worker` twice");
        assert_eq!(line_in(case, &stderr), Some(workers[1]), "{case}: points at the second `worker`:\n{stderr}");
        assert!(stderr.contains(&format!("first on line {}", workers[0])), "{case}: names the first line:\n{stderr}");
    }
}

#[test]
fn an_undeclared_typed_parameter_is_pointed_at_and_named() {
    let case = "undeclared-typed-parameter";
    let stderr = convert_fails_cleanly(&format!("{BAD}/{case}.yaml"), None);
    let used = lines_of(case, |l| !l.starts_with('#') && l.contains("${{REPLICAS}}"));
    assert_eq!(line_in(case, &stderr), used.first().copied(), "{stderr}");
    assert!(stderr.contains("REPLICAS"), "{stderr}");
}

#[test]
fn a_template_without_a_clowdapp_says_what_is_missing() {
    let case = "no-clowdapp";
    let stderr = convert_fails_cleanly(&format!("{BAD}/{case}.yaml"), None);
    assert!(line_in(case, &stderr).is_some(), "{stderr}");
    assert!(stderr.contains("no ClowdApp"), "{stderr}");
}
