//! Where `convert` writes, and what it refuses: the built-in demo never replaces a chart, the
//! current folder and folders the tool did not write are refused (exit 2, nothing written), and
//! a failure while writing leaves the previous chart whole (exit 3, no staging folder left).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(format!("{name}.yaml"))
}

/// `clowd2helm ARGS` run in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).current_dir(cwd).args(args).output().expect("run clowd2helm")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert_eq!(code(&o), 0, "expected success:\n{}", stderr(&o));
    o
}

/// Every entry under `dir` (folders and hidden entries too), with file bytes and link targets.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let what = if e.file_type().is_symlink() {
                format!("-> {}", fs::read_link(e.path()).unwrap().display())
            } else if e.file_type().is_file() {
                format!("{:x?}", fs::read(e.path()).unwrap())
            } else {
                "dir".into()
            };
            (rel, what)
        })
        .collect()
}

/// A scratch folder holding a copy of a fixture as `app.yaml`.
fn scratch_with_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("every-construct"), dir.path().join("app.yaml")).unwrap();
    dir
}

fn manifest_input(chart: &Path) -> String {
    let m: serde_json::Value = serde_json::from_str(&fs::read_to_string(chart.join(".clowd2helm/manifest.json")).unwrap()).unwrap();
    m["input"]["file"].as_str().unwrap().to_string()
}

#[test]
fn the_demo_is_written_only_to_a_new_or_demo_chart() {
    let dir = scratch_with_app();
    let cwd = dir.path();
    // README's first command: no argument at all, on a fresh checkout.
    ok(run_in(cwd, &["convert"]));
    assert_eq!(manifest_input(&cwd.join("chart")), "fixtures/koku-like.yaml");
    ok(run_in(cwd, &["convert"]));

    // A forgotten template with -o is refused, whatever the folder.
    let before = snapshot(cwd);
    for out in ["chart", "other"] {
        let o = run_in(cwd, &["convert", "-o", out]);
        assert_eq!(code(&o), 2, "-o {out}: {}", stderr(&o));
        assert!(stderr(&o).contains("no TEMPLATE given"), "{}", stderr(&o));
        assert_eq!(snapshot(cwd), before, "-o {out}: nothing written");
    }

    // Once ./chart holds a real chart, the demo never replaces it.
    fs::remove_dir_all(cwd.join("chart")).unwrap();
    ok(run_in(cwd, &["convert", "app.yaml"]));
    let before = snapshot(cwd);
    let o = run_in(cwd, &["convert"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("generated from app.yaml") && stderr(&o).contains("clowd2helm convert app.yaml -o chart"), "{}", stderr(&o));
    assert_eq!(snapshot(cwd), before, "the real chart is untouched");
}

#[test]
fn the_current_folder_is_refused() {
    let dir = scratch_with_app();
    let cwd = dir.path();
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "chart"]));
    let before = snapshot(cwd);
    for (at, args) in [(cwd.to_path_buf(), ["convert", "app.yaml", "-o", "."]), (cwd.join("chart"), ["convert", "../app.yaml", "-o", "."]), (cwd.join("chart/templates"), ["convert", "../../app.yaml", "-o", ".."])] {
        let o = run_in(&at, &args);
        assert_eq!(code(&o), 2, "{args:?} in {}: {}", at.display(), stderr(&o));
        assert!(stderr(&o).contains("the folder you are working in") && stderr(&o).contains("-o chart"), "{}", stderr(&o));
        assert_eq!(snapshot(cwd), before, "{args:?}: nothing written");
    }
}

#[test]
fn a_folder_the_tool_did_not_write_is_refused_unless_forced() {
    let dir = scratch_with_app();
    let cwd = dir.path();
    fs::create_dir_all(cwd.join("project/docs")).unwrap();
    fs::write(cwd.join("project/README.md"), "our project\n").unwrap();
    fs::write(cwd.join("project/docs/notes.md"), "notes\n").unwrap();
    let before = snapshot(cwd);
    let o = run_in(cwd, &["convert", "app.yaml", "-o", "project"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not written by clowd2helm") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(snapshot(cwd), before, "nothing written");

    // --force adds the chart and keeps every file that was there.
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "project", "--force"]));
    assert_eq!(fs::read_to_string(cwd.join("project/README.md")).unwrap(), "our project\n");
    assert_eq!(fs::read_to_string(cwd.join("project/docs/notes.md")).unwrap(), "notes\n");
    assert!(cwd.join("project/Chart.yaml").is_file());
    // From then on it is the tool's chart folder: no --force needed.
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "project"]));

    // An empty folder is simply used.
    fs::create_dir(cwd.join("empty")).unwrap();
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "empty"]));
    assert!(cwd.join("empty/Chart.yaml").is_file());
}

/// Writing fails half-way (a file-size limit makes the first large file fail): the previous
/// chart must still be there byte for byte, and nothing else left beside it. A writer that
/// wrote into the folder directly would have replaced the small files before failing.
#[test]
fn a_failure_while_writing_leaves_the_previous_chart_whole() {
    let dir = scratch_with_app();
    let cwd = dir.path();
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "chart"]));
    fs::write(cwd.join("chart/OWNERS"), "team\n").unwrap();
    // A different input: every generated file changes (name, hashes).
    fs::copy(fixture("koku-like"), cwd.join("other.yaml")).unwrap();
    let before = snapshot(cwd);

    let sizes: BTreeMap<String, u64> = walkdir::WalkDir::new(cwd.join("chart")).into_iter().map(|e| e.unwrap()).filter(|e| e.file_type().is_file()).map(|e| (e.path().strip_prefix(cwd.join("chart")).unwrap().display().to_string(), e.metadata().unwrap().len())).collect();
    // Files are written in path order: the first few are small, the reports are large.
    let limit = ["Chart.yaml", ".helmignore", ".clowd2helm/manifest.json"].iter().map(|f| sizes[*f]).max().unwrap() + 4096;
    assert!(sizes.values().any(|s| *s > limit * 2), "some file is well over the limit: {sizes:?}");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clowd2helm"));
    cmd.current_dir(cwd).args(["convert", "other.yaml", "-o", "chart"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit { rlim_cur: limit, rlim_max: limit };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 3, "a write that fails is a file-system failure (exit 3):\n{}", stderr(&o));
    assert_eq!(snapshot(cwd), before, "the previous chart is whole, nothing is left beside it");
}

/// An output folder whose parent is read-only: the chart cannot be staged beside it. Exit 3,
/// the message names the folder that is not writable (not a staging path that never existed),
/// and nothing is left behind.
#[test]
fn a_read_only_parent_fails_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_with_app();
    let cwd = dir.path();
    fs::create_dir(cwd.join("ro")).unwrap();
    ok(run_in(cwd, &["convert", "app.yaml", "-o", "ro/chart"]));
    // Another user must be able to reach the files when the test runs as root (see below).
    for p in [cwd, &cwd.join("ro")] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::set_permissions(cwd.join("app.yaml"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(cwd.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(cwd);

    for out in ["ro/chart", "ro/new-chart"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clowd2helm"));
        cmd.current_dir(cwd).args(["convert", "app.yaml", "-o", out]);
        // Root ignores permissions: run as an unprivileged user instead.
        if rustix::process::geteuid().is_root() {
            cmd.uid(65534).gid(65534);
        }
        let o = cmd.output().unwrap();
        assert_eq!(code(&o), 3, "{out}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("ro") && err.contains("not writable"), "{out}: {err}");
        assert!(!err.contains(".clowd2helm-"), "{out}: no staging path in the message: {err}");
        assert_eq!(snapshot(cwd), before, "{out}: nothing written, nothing left behind");
    }
    fs::set_permissions(cwd.join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
}
