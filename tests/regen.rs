//! Safe regeneration end to end: overlays that survive an upstream change, files of the user's
//! kept, generated files of removed deployments deleted, hand edits and stale overlays refused,
//! and `check` for CI. Inputs are the real upstream Koku templates; expected names come from
//! those inputs (ClowdApp name + deployment name), not from our own output.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use clowd2helm::source::template::sha256_hex;
use clowd2helm::source::yaml::{self, Node};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn upstream(date: &str) -> String {
    upstream::dir().join(format!("clowdapp-{date}.yaml")).display().to_string()
}

/// The versions `masu()` reads.
const MASU: [&str; 3] = ["2024-06-28", "2025-05-06", "2026-08-14"];

/// True when every version is there; otherwise the test is skipped (visibly).
fn have(test: &str, dates: &[&str]) -> bool {
    dates.iter().all(|d| upstream::koku(test, d).is_some())
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(args).output().expect("run clowd2helm")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> Output {
    assert_eq!(code(&o), 0, "expected success\nstdout:\n{}\nstderr:\n{}", stdout(&o), stderr(&o));
    o
}

fn convert(input: &str, chart: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["convert", input, "-o", chart.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn check(input: &str, chart: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", input, "-o", chart.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

/// The ClowdApp's name and its deployment names, read from the template itself.
fn clowdapp(input: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(input).unwrap();
    let docs = yaml::load_documents(input, &text).unwrap();
    let objects = docs[0].get("objects").expect("a Template").items();
    let app = objects.iter().find(|o| o.get("kind").and_then(Node::as_str) == Some("ClowdApp")).expect("a ClowdApp");
    let name = app.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap().to_string();
    let deployments = app.get("spec").and_then(|s| s.get("deployments")).map(Node::items).unwrap_or(&[]);
    (name, deployments.iter().map(|d| d.get("name").and_then(Node::as_str).unwrap().to_string()).collect())
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn manifest(chart: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(chart.join(".clowd2helm/manifest.json")).unwrap()).unwrap()
}

/// Generated template files that hold an object with this exact name.
fn files_naming(chart: &Path, name: &str) -> Vec<String> {
    let m = manifest(chart);
    m["files"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("templates/"))
        .filter(|p| std::fs::read_to_string(chart.join(p)).unwrap().lines().any(|l| l.trim() == format!("name: {name}")))
        .cloned()
        .collect()
}

/// `helm template` with the chart's defaults, as JSON objects.
fn render(chart: &Path) -> Vec<Value> {
    let out = Command::new(tools::helm()).args(["template", "t", chart.to_str().unwrap()]).output().expect("run helm");
    assert!(out.status.success(), "helm template failed:\n{}", stderr(&out));
    let text = stdout(&out);
    yaml::load_documents("helm-output", &text).unwrap().iter().filter(|d| !d.is_null()).map(Node::to_json).collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// A deployment that exists in every version used below, with its object name.
fn masu() -> String {
    let mut names = Vec::new();
    for date in ["2024-06-28", "2025-05-06", "2026-08-14"] {
        let (app, deps) = clowdapp(&upstream(date));
        assert!(deps.contains(&"clowder-masu".to_string()), "{date} has a clowder-masu deployment");
        names.push(format!("{app}-clowder-masu"));
    }
    names.dedup();
    assert_eq!(names.len(), 1);
    names.remove(0)
}

fn node_selector_overlay(dir: &Path, deployment: &str) -> PathBuf {
    write(
        &dir.join("overrides.yaml"),
        &format!(
            "# Team adjustments, re-applied on every regeneration.\n- target:\n    kind: Deployment\n    name: {deployment}\n  patch:\n  - op: add\n    path: /spec/template/spec/nodeSelector\n    value:\n      disktype: ssd\n"
        ),
    )
}

const USER_TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-extra\ndata:\n  owner: cost-team\n";

#[test]
fn overlay_and_user_files_survive_an_upstream_change_that_removes_a_deployment() {
    if !have("overlay_and_user_files_survive_an_upstream_change_that_removes_a_deployment", &MASU) {
        return;
    }
    let old = upstream("2024-06-28");
    let new = upstream("2026-08-14");
    let (app, old_deps) = clowdapp(&old);
    let (_, new_deps) = clowdapp(&new);
    let removed: Vec<String> = old_deps.iter().filter(|d| !new_deps.contains(d)).map(|d| format!("{app}-{d}")).collect();
    assert_eq!(removed, vec![format!("{app}-api")], "SOURCES.md: `api` was replaced by api-reads + api-writes");
    let api = &removed[0];

    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let masu = masu();
    let overlay = node_selector_overlay(dir.path(), &masu);
    let overlay_arg = overlay.to_str().unwrap();

    ok(convert(&old, &chart, &["--overrides", overlay_arg]));
    let api_files = files_naming(&chart, api);
    assert!(!api_files.is_empty(), "the first chart has files for {api}");
    write(&chart.join("TEAM-NOTES.md"), "our runbook\n");
    write(&chart.join("templates/team-extra.yaml"), USER_TEMPLATE);

    let out = ok(convert(&new, &chart, &["--overrides", overlay_arg]));
    assert!(stdout(&out).contains("Removed"), "the user is told about removed files:\n{}", stdout(&out));

    // The user's files are untouched.
    assert_eq!(std::fs::read_to_string(chart.join("TEAM-NOTES.md")).unwrap(), "our runbook\n");
    assert_eq!(std::fs::read_to_string(chart.join("templates/team-extra.yaml")).unwrap(), USER_TEMPLATE);
    // The generated files of the removed deployment are gone, and nothing renders it any more.
    for f in &api_files {
        assert!(!chart.join(f).exists(), "{f} was generated for {api} and must be removed");
    }
    let objects = render(&chart);
    assert!(objects.iter().all(|o| o["metadata"]["name"] != api.as_str()), "no object named {api} is rendered");
    assert!(find(&objects, "ConfigMap", "team-extra").is_some(), "the user's template is part of the chart");
    // The overlay is applied to the regenerated Deployment.
    let d = find(&objects, "Deployment", &masu).expect("masu Deployment rendered");
    assert_eq!(d["spec"]["template"]["spec"]["nodeSelector"], serde_json::json!({"disktype": "ssd"}), "{d:#}");

    // Provenance: the overlay file and its hash are recorded.
    let m = manifest(&chart);
    assert_eq!(m["overrides"]["file"], overlay_arg);
    assert_eq!(m["overrides"]["sha256"], sha256_hex(&std::fs::read(&overlay).unwrap()));
    assert!(m["files"].get("TEAM-NOTES.md").is_none(), "user files are not claimed as generated");

    // Nothing left to regenerate.
    let c = check(&new, &chart, &["--overrides", overlay_arg]);
    assert_eq!(code(&c), 0, "check after regeneration:\n{}{}", stdout(&c), stderr(&c));
    assert!(stdout(&c).is_empty());
}

#[test]
fn a_hand_edited_generated_template_is_refused_and_left_as_is() {
    if !have("a_hand_edited_generated_template_is_refused_and_left_as_is", &["2025-10-27", "2024-06-28", "2025-05-06", "2026-08-14"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&upstream("2025-10-27"), &chart, &[]));
    let edited = files_naming(&chart, &masu()).into_iter().next().expect("a template for masu");
    let path = chart.join(&edited);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("# tuned by hand\n");
    std::fs::write(&path, &text).unwrap();
    let before = tree(dir.path());

    let out = convert(&upstream("2026-08-14"), &chart, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&edited), "the edited file is named: {err}");
    assert!(err.contains("--overrides"), "the message points to overlays: {err}");
    assert_eq!(tree(dir.path()), before, "nothing was written");

    // --force discards the edit on purpose.
    ok(convert(&upstream("2026-08-14"), &chart, &["--force"]));
    assert!(!std::fs::read_to_string(&path).unwrap().contains("# tuned by hand"));
}

#[test]
fn an_overlay_whose_target_is_gone_is_refused_naming_the_entry() {
    if !have("an_overlay_whose_target_is_gone_is_refused_naming_the_entry", &MASU) {
        return;
    }
    let old = upstream("2024-06-28");
    let (app, deps) = clowdapp(&old);
    assert!(deps.contains(&"api".to_string()));
    let api = format!("{app}-api");
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let overlay = write(
        &dir.path().join("overrides.yaml"),
        &format!(
            "- target: {{kind: Deployment, name: {}}}\n  patch:\n  - {{op: add, path: /spec/template/spec/nodeSelector, value: {{disktype: ssd}}}}\n- target: {{kind: Deployment, name: {api}}}\n  patch:\n  - {{op: add, path: /metadata/labels/team, value: cost}}\n",
            masu()
        ),
    );
    let overlay_arg = overlay.to_str().unwrap();
    ok(convert(&old, &chart, &["--overrides", overlay_arg]));
    let d = find(&render(&chart), "Deployment", &api).cloned().expect("api Deployment");
    assert_eq!(d["metadata"]["labels"]["team"], "cost", "the overlay applied while its target existed");
    let before = tree(dir.path());

    for command in ["convert", "check"] {
        let out = run(&[command, &upstream("2025-05-06"), "-o", chart.to_str().unwrap(), "--overrides", overlay_arg]);
        assert_eq!(code(&out), 2, "{command}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("entry 2"), "{command}: the entry is named: {err}");
        assert!(err.contains(&format!("Deployment {api}")), "{command}: the target is named: {err}");
        assert!(err.contains(&format!("{overlay_arg}:4:")), "{command}: the entry's line is given: {err}");
        assert!(err.contains(&format!("{api}-reads")), "{command}: the likely replacement is suggested: {err}");
        assert_eq!(tree(dir.path()), before, "{command}: the chart folder is untouched");
    }
}

#[test]
fn an_operation_that_no_longer_applies_is_refused_and_nothing_is_written() {
    if !have("an_operation_that_no_longer_applies_is_refused_and_nothing_is_written", &MASU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let masu = masu();
    let overlay = write(
        &dir.path().join("overrides.yaml"),
        &format!(
            "- target: {{kind: Deployment, name: {masu}}}\n  patch:\n  - op: test\n    path: /kind\n    value: Deployment\n  - op: remove\n    path: /spec/template/spec/hostNetwork\n"
        ),
    );
    let out = convert(&upstream("2026-08-14"), &chart, &["--overrides", overlay.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("entry 1") && err.contains(&format!("Deployment {masu}")), "{err}");
    assert!(err.contains("operation 2") && err.contains("/spec/template/spec/hostNetwork"), "{err}");
    assert!(err.contains(":6:"), "the failing operation's line: {err}");
    assert!(!chart.exists(), "nothing was written");
}

#[test]
fn a_malformed_overrides_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let cases = [
        ("- target: {kind: Deployment, name: x}\n  patch:\n  - {op: ad, path: /a, value: 1}\n", ":3:", "not an RFC 6902 operation"),
        ("- target: {kind: Deployment, name: x}\n  patches: []\n", ":2:", "unknown key `patches`"),
        ("- target: {kind: Deployment}\n  patch: []\n", ":1:", "needs a `name`"),
        ("target: {kind: Values}\n", ":1:", "expected a list"),
        ("- target: {kind: Values}\n  patch: [\n", ":", "malformed YAML"),
    ];
    for (text, line, message) in cases {
        let overlay = write(&dir.path().join("overrides.yaml"), text);
        let out = convert(&format!("{}/fixtures/minimal.yaml", env!("CARGO_MANIFEST_DIR")), &chart, &["--overrides", overlay.to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{text}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("overrides.yaml{line}")), "{text}: {err}");
        assert!(err.contains(message), "{text}: {err}");
        assert!(!chart.exists());
    }
}

#[test]
fn a_values_overlay_changes_one_default_and_keeps_every_comment() {
    if !have("a_values_overlay_changes_one_default_and_keeps_every_comment", &["2026-08-14"]) {
        return;
    }
    let input = upstream("2026-08-14");
    // SOURCES.md: env ONPREM on every Koku-image deployment, from parameter ONPREM (default False).
    assert!(std::fs::read_to_string(&input).unwrap().contains("- name: ONPREM\n          value: ${ONPREM}"));
    let dir = tempfile::tempdir().unwrap();
    let (plain, patched) = (dir.path().join("plain"), dir.path().join("patched"));
    ok(convert(&input, &plain, &[]));
    let overlay = write(&dir.path().join("overrides.yaml"), "- target: {kind: Values}\n  patch:\n  - {op: test, path: /parameters/ONPREM, value: \"False\"}\n  - {op: replace, path: /parameters/ONPREM, value: \"True\"}\n");
    ok(convert(&input, &patched, &["--overrides", overlay.to_str().unwrap()]));

    let a = std::fs::read_to_string(plain.join("values.yaml")).unwrap();
    let b = std::fs::read_to_string(patched.join("values.yaml")).unwrap();
    let differing: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(a.lines().count(), b.lines().count());
    assert_eq!(differing.len(), 1, "exactly one line differs: {differing:?}");
    assert_eq!(differing[0].1.trim(), "ONPREM: \"True\"");

    let objects = render(&patched);
    let values: BTreeSet<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .flat_map(|o| o["spec"]["template"]["spec"]["containers"].as_array().cloned().unwrap_or_default())
        .flat_map(|c| c["env"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["name"] == "ONPREM")
        .map(|e| e["value"].to_string())
        .collect();
    assert_eq!(values, BTreeSet::from(["\"True\"".to_string()]), "the new default reaches every pod");
}

#[test]
fn check_reports_what_an_upstream_change_would_do_and_ignores_user_files() {
    if !have("check_reports_what_an_upstream_change_would_do_and_ignores_user_files", &["2025-10-27", "2026-08-14"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let old = upstream("2025-10-27");
    ok(convert(&old, &chart, &[]));
    write(&chart.join("TEAM-NOTES.md"), "ours\n");
    let c = check(&old, &chart, &[]);
    assert_eq!(code(&c), 0, "{}{}", stdout(&c), stderr(&c));

    let before = tree(dir.path());
    let c = check(&upstream("2026-08-14"), &chart, &[]);
    assert_eq!(code(&c), 1, "{}", stderr(&c));
    let diff = stdout(&c);
    // SOURCES.md: 2026-08-14 adds env ONPREM to every Koku-image deployment.
    assert!(diff.lines().any(|l| l.starts_with('+') && l.contains("ONPREM")), "{diff}");
    assert!(diff.contains("--- a/.clowd2helm/manifest.json"), "the manifest is compared too");
    assert!(!diff.contains("TEAM-NOTES.md"));
    assert_eq!(tree(dir.path()), before, "check writes nothing");
}

#[test]
fn the_documented_example_overlay_applies_to_the_latest_koku_and_lints() {
    if !have("the_documented_example_overlay_applies_to_the_latest_koku_and_lints", &MASU) {
        return;
    }
    let input = upstream("2026-08-14");
    let overlay = format!("{}/fixtures/overrides/koku.yaml", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&input, &chart, &["--overrides", &overlay]));
    let lint = Command::new(tools::helm()).args(["lint", "--strict", chart.to_str().unwrap()]).output().unwrap();
    assert!(lint.status.success(), "helm lint --strict:\n{}{}", stdout(&lint), stderr(&lint));

    let objects = render(&chart);
    let masu = find(&objects, "Deployment", &masu()).expect("masu").clone();
    let pod = &masu["spec"]["template"]["spec"];
    assert_eq!(pod["nodeSelector"]["disktype"], "ssd");
    let env = pod["containers"][0]["env"].as_array().unwrap();
    assert_eq!(env.last().unwrap(), &serde_json::json!({"name": "EXTRA_FLAG", "value": "1"}), "appended last");
    let (app, _) = clowdapp(&input);
    let service = find(&objects, "Service", &format!("{app}-clowder-api")).expect("api Service");
    assert_eq!(service["metadata"]["annotations"]["team.example.com/owner"], "cost");
    // The Values entry switched KEDA on: one ScaledObject per deployment with an autoScaler.
    let text = std::fs::read_to_string(&input).unwrap();
    let docs = yaml::load_documents(&input, &text).unwrap();
    let app_node = docs[0].get("objects").unwrap().items().iter().find(|o| o.get("kind").and_then(Node::as_str) == Some("ClowdApp")).unwrap();
    let deployments = app_node.get("spec").and_then(|s| s.get("deployments")).unwrap().items();
    let autoscaled = deployments.iter().filter(|d| d.get("autoScaler").is_some()).count();
    assert_eq!(autoscaled, 12, "SOURCES.md: 12 autoscaled deployments");
    assert_eq!(objects.iter().filter(|o| o["kind"] == "ScaledObject").count(), autoscaled);

    assert_eq!(code(&check(&input, &chart, &["--overrides", &overlay])), 0);
}

// ------------------------------------------------------------------------------------------
// The same guarantees on the project's own fixtures (no upstream templates needed)
// ------------------------------------------------------------------------------------------

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}.yaml", env!("CARGO_MANIFEST_DIR"))
}

/// fixtures/every-construct.yaml without its `reports` deployment, written to `dir`.
fn every_construct_without_reports(dir: &Path) -> String {
    let text = std::fs::read_to_string(fixture("every-construct")).unwrap();
    let start = text.find("    # autoScalerSimple (HPA)").expect("the reports deployment's comment");
    let end = text.find("    # A PersistentVolumeClaim forces Recreate").expect("the next deployment's comment");
    let cut = format!("{}{}", &text[..start], &text[end..]);
    assert!(!cut.contains("- name: reports"), "the deployment was cut out");
    let path = dir.join("without-reports.yaml");
    std::fs::write(&path, cut).unwrap();
    path.display().to_string()
}

#[test]
fn check_lists_the_files_a_removed_deployment_would_take_away() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&fixture("every-construct"), &chart, &[]));
    let removed = files_naming(&chart, "shop-reports");
    assert!(removed.iter().any(|f| f == "templates/deployment-reports.yaml"), "{removed:?}");

    let input = every_construct_without_reports(dir.path());
    let before = tree(dir.path());
    let c = check(&input, &chart, &[]);
    assert_eq!(code(&c), 1, "{}", stderr(&c));
    let (out, err) = (stdout(&c), stderr(&c));
    for f in &removed {
        assert!(out.contains(&format!("--- a/{f}\n+++ /dev/null\n")), "the diff removes {f}:\n{out}");
    }
    let line = err.lines().find(|l| l.trim_start().starts_with("removed (")).unwrap_or_else(|| panic!("a `removed` line:\n{err}"));
    for f in &removed {
        assert!(line.contains(f.as_str()), "{f} is listed as removed: {line}");
    }
    assert!(err.contains(&format!("hint: regenerate with `clowd2helm convert {input} -o {}`", chart.display())), "{err}");
    assert_eq!(tree(dir.path()), before, "check writes nothing");

    // What check announced is what convert does.
    let out = ok(convert(&input, &chart, &[]));
    assert!(stdout(&out).contains("Removed"), "{}", stdout(&out));
    for f in &removed {
        assert!(!chart.join(f).exists(), "{f} removed");
    }
    assert_eq!(code(&check(&input, &chart, &[])), 0);
}

#[test]
fn check_after_convert_is_clean_with_the_options_and_spelling_convert_used() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let input = fixture("every-construct");
    ok(convert(&input, &chart, &["--config-mode", "cdappconfig", "--chart-version", "2.3.4"]));
    let c = check(&input, &chart, &[]);
    assert_eq!(code(&c), 0, "options recorded by convert are used by check:\n{}{}", stdout(&c), stderr(&c));
    assert!(stderr(&c).contains("config-mode cdappconfig"), "check says which recorded options it used: {}", stderr(&c));

    // `./x.yaml`, `x.yaml` and the absolute path name the same input.
    let spelled = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).current_dir(env!("CARGO_MANIFEST_DIR")).args(["convert", "./fixtures/minimal.yaml", "-o"]).arg(chart.with_file_name("minimal")).output().unwrap();
    ok(spelled);
    for spelling in ["fixtures/minimal.yaml", "./fixtures/minimal.yaml", &fixture("minimal")] {
        let c = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).current_dir(env!("CARGO_MANIFEST_DIR")).args(["check", spelling, "-o"]).arg(chart.with_file_name("minimal")).output().unwrap();
        assert_eq!(code(&c), 0, "check {spelling}:\n{}{}", stdout(&c), stderr(&c));
    }
}

#[test]
fn check_does_not_advise_a_convert_that_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&fixture("every-construct"), &chart, &[]));
    let values = chart.join("values.yaml");
    let mut text = std::fs::read_to_string(&values).unwrap();
    text.push_str("# tuned by hand\n");
    std::fs::write(&values, text).unwrap();

    let c = check(&fixture("every-construct"), &chart, &[]);
    assert_eq!(code(&c), 1);
    let err = stderr(&c);
    assert!(!err.contains("regenerate with"), "no advice that convert would refuse: {err}");
    assert!(err.contains("`convert` would refuse") && err.contains("values.yaml") && err.contains("--overrides") && err.contains("--force"), "{err}");
    // And convert does refuse, as check said.
    let out = convert(&fixture("every-construct"), &chart, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// Regeneration keeps what the user added: a file (same content and mode), a symlink (still a
/// link, same target), an empty folder, and a file in a read-only folder.
#[test]
fn user_files_links_and_folders_survive_regeneration_untouched() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&fixture("every-construct"), &chart, &[]));
    write(&chart.join("OWNERS"), "storefront-team\n");
    std::fs::set_permissions(chart.join("OWNERS"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("../values.yaml", chart.join("templates/values-link")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", chart.join("dangling")).unwrap();
    std::fs::create_dir_all(chart.join("empty-dir")).unwrap();
    std::fs::create_dir_all(chart.join("ci")).unwrap();
    write(&chart.join("ci/prod-values.yaml"), "parameters:\n  API_REPLICAS: 5\n");
    std::fs::set_permissions(chart.join("ci"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let owners_inode = std::fs::metadata(chart.join("OWNERS")).unwrap().ino();

    // A different input, so every generated file is rewritten.
    ok(convert(&every_construct_without_reports(dir.path()), &chart, &[]));

    assert_eq!(std::fs::read_to_string(chart.join("OWNERS")).unwrap(), "storefront-team\n");
    assert_eq!(std::fs::metadata(chart.join("OWNERS")).unwrap().permissions().mode() & 0o777, 0o640, "mode kept");
    assert_eq!(std::fs::metadata(chart.join("OWNERS")).unwrap().ino(), owners_inode, "the user's file is the same file (linked, not rewritten)");
    for (link, target) in [("templates/values-link", "../values.yaml"), ("dangling", "/nonexistent/target")] {
        let meta = std::fs::symlink_metadata(chart.join(link)).unwrap_or_else(|e| panic!("{link} is gone: {e}"));
        assert!(meta.file_type().is_symlink(), "{link} is still a symlink");
        assert_eq!(std::fs::read_link(chart.join(link)).unwrap(), Path::new(target));
    }
    assert!(chart.join("empty-dir").is_dir(), "empty folder kept");
    assert_eq!(std::fs::read_to_string(chart.join("ci/prod-values.yaml")).unwrap(), "parameters:\n  API_REPLICAS: 5\n");
    assert_eq!(std::fs::metadata(chart.join("ci")).unwrap().permissions().mode() & 0o777, 0o555, "folder mode kept");
    let leftovers: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with('.')).collect();
    assert!(leftovers.is_empty(), "no staging folder left beside the chart: {leftovers:?}");
    std::fs::set_permissions(chart.join("ci"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_user_file_where_the_chart_writes_its_own_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    ok(convert(&fixture("every-construct"), &chart, &[]));
    let template = "templates/deployment-reports.yaml";
    // Make the file the user's: regenerate without the deployment, then put a file there.
    let without = every_construct_without_reports(dir.path());
    ok(convert(&without, &chart, &[]));
    assert!(!chart.join(template).exists());
    write(&chart.join(template), "# the team's own reports Deployment\n");
    let before = tree(dir.path());
    for extra in [&[][..], &["--force"][..]] {
        let out = convert(&fixture("every-construct"), &chart, extra);
        assert_eq!(code(&out), 2, "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(template) && stderr(&out).contains("did not write"), "{extra:?}: {}", stderr(&out));
        assert_eq!(tree(dir.path()), before, "{extra:?}: nothing written");
    }
}

/// A chart converted before the manifest named its file hash (every file by sha256) is still
/// regenerated: its unchanged files are recognised as the tool's, a hand edit is still refused,
/// and the new manifest hashes files with BLAKE3 and says so.
#[test]
fn a_chart_whose_manifest_hashed_files_with_sha256_regenerates_and_still_catches_edits() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let input = fixture("minimal");
    ok(convert(&input, &chart, &[]));
    let mut m = manifest(&chart);
    assert_eq!(m["file_hash"], "blake3");
    let files: Vec<String> = m["files"].as_object().unwrap().keys().cloned().collect();
    for f in &files {
        let bytes = std::fs::read(chart.join(f)).unwrap();
        assert_eq!(m["files"][f], blake3::hash(&bytes).to_hex().as_str(), "{f}: the recorded hash is its BLAKE3");
    }
    // The manifest as the previous version wrote it.
    m.as_object_mut().unwrap().remove("file_hash");
    for f in &files {
        m["files"][f] = Value::String(sha256_hex(&std::fs::read(chart.join(f)).unwrap()));
    }
    let old_manifest = format!("{}\n", serde_json::to_string_pretty(&m).unwrap());
    std::fs::write(chart.join(".clowd2helm/manifest.json"), &old_manifest).unwrap();

    ok(convert(&input, &chart, &[]));
    assert_eq!(manifest(&chart)["file_hash"], "blake3", "the rewritten manifest uses BLAKE3");

    // Old manifest again, and one generated file edited by hand: refused, nothing written.
    std::fs::write(chart.join(".clowd2helm/manifest.json"), &old_manifest).unwrap();
    let edited = files.iter().find(|f| f.starts_with("templates/") && f.ends_with(".yaml")).expect("a template");
    let mut text = std::fs::read_to_string(chart.join(edited)).unwrap();
    text.push_str("# tuned by hand\n");
    std::fs::write(chart.join(edited), &text).unwrap();
    let before = tree(dir.path());
    let out = convert(&input, &chart, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains(edited.as_str()), "{}", stderr(&out));
    assert_eq!(tree(dir.path()), before, "nothing was written");
}
