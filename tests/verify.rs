//! `clowd2helm verify` as a user runs it: it proves a converted chart renders what Clowder would
//! have run, and it names the field when someone edits a chart by hand.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}


fn fixture(file: &str) -> PathBuf {
    repo().join("fixtures").join(file)
}

/// `clowd2helm convert TEMPLATE -o <tmp>/chart`.
fn convert(template: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(template).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", template.display(), String::from_utf8_lossy(&out.stderr));
    (dir, chart)
}

use tools::verify;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn show(o: &Output) -> String {
    format!("exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}", o.status.code(), stdout(o), String::from_utf8_lossy(&o.stderr))
}

/// (equal, compared) from the `fidelity: E/C fields` line.
fn fidelity(o: &Output) -> (usize, usize) {
    let text = stdout(o);
    let line = text.lines().find_map(|l| l.strip_prefix("fidelity: ")).unwrap_or_else(|| panic!("no fidelity line\n{}", show(o)));
    let (e, c) = line.trim_end_matches(" fields").split_once('/').unwrap();
    (e.parse().unwrap(), c.parse().unwrap())
}

/// Replace the first occurrence of `from` in a chart file (the test fails if it is not there).
fn edit(chart: &Path, file: &str, from: &str, to: &str) {
    let path = chart.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn assert_verified(template: &Path) {
    assert_verified_min(template, 1000);
}

/// Verifies with exit 0, every compared field equal, and at least `min_fields` compared.
fn assert_verified_min(template: &Path, min_fields: usize) {
    let (_dir, chart) = convert(template);
    let out = verify(template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let (equal, compared) = fidelity(&out);
    assert_eq!(equal, compared, "{}", show(&out));
    assert!(compared > min_fields, "expected more than {min_fields} fields compared\n{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains(", 0 violated"), "{}", show(&out));
    assert!(text.contains("note: kubernetes-validate --strict checked"), "{}", show(&out));
}

#[test]
fn koku_2024_06_28_chart_verifies() {
    if let Some(template) = upstream::koku("koku_2024_06_28_chart_verifies", "2024-06-28") {
        assert_verified(&template);
    }
}

#[test]
fn koku_2025_05_06_chart_verifies() {
    if let Some(template) = upstream::koku("koku_2025_05_06_chart_verifies", "2025-05-06") {
        assert_verified(&template);
    }
}

#[test]
fn koku_2025_10_27_chart_verifies() {
    if let Some(template) = upstream::koku("koku_2025_10_27_chart_verifies", "2025-10-27") {
        assert_verified(&template);
    }
}

#[test]
fn koku_2026_08_14_chart_verifies() {
    if let Some(template) = upstream::koku("koku_2026_08_14_chart_verifies", "2026-08-14") {
        assert_verified(&template);
    }
}

#[test]
fn a_default_changed_by_hand_in_values_yaml_is_named() {
    let Some(template) = upstream::koku_latest("a_default_changed_by_hand_in_values_yaml_is_named") else { return };
    let (_dir, chart) = convert(&template);
    edit(&chart, "values.yaml", "\n  IMAGE_TAG: latest\n", "\n  IMAGE_TAG: hand-edited\n");
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let (equal, compared) = fidelity(&out);
    assert!(equal < compared);
    assert!(
        stdout(&out).contains(
            "Deployment/koku-api-reads spec.template.spec.containers[koku-api-reads].image: expected \"quay.io/redhat-services-prod/cost-mgmt-dev-tenant/koku:latest\", rendered \"quay.io/redhat-services-prod/cost-mgmt-dev-tenant/koku:hand-edited\"\n"
        ),
        "{}",
        show(&out)
    );
}

#[test]
fn a_replicas_default_changed_by_hand_is_named_and_the_same_set_on_both_sides_agrees() {
    let Some(template) = upstream::koku_latest("a_replicas_default_changed_by_hand_is_named_and_the_same_set_on_both_sides_agrees") else { return };
    let (_dir, chart) = convert(&template);
    edit(&chart, "values.yaml", "\n  KOKU_READS_REPLICAS: 3\n", "\n  KOKU_READS_REPLICAS: 7\n");
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("Deployment/koku-api-reads spec.replicas: expected 3, rendered 7\n"), "{}", show(&out));
    // A user value reaches both helm and the template processing: then they agree again.
    let out = verify(&template, &chart, &["--set", "parameters.KOKU_READS_REPLICAS=7"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn a_parameter_set_on_both_sides_verifies() {
    let Some(template) = upstream::koku_latest("a_parameter_set_on_both_sides_verifies") else { return };
    let (_dir, chart) = convert(&template);
    let out = verify(&template, &chart, &["--set", "parameters.KOKU_READS_REPLICAS=7"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let values = tempfile::NamedTempFile::new().unwrap();
    fs::write(values.path(), "parameters:\n  IMAGE_TAG: abc1234\n  KOKU_READS_REPLICAS: 5\n").unwrap();
    let out = verify(&template, &chart, &["-f", values.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn a_template_changed_by_hand_is_named() {
    let Some(template) = upstream::koku_latest("a_template_changed_by_hand_is_named") else { return };
    let (_dir, chart) = convert(&template);
    edit(&chart, "templates/deployment-clowder-listener.yaml", "containerPort: {{ $.Values.metrics.port | toJson }}", "containerPort: 9001");
    edit(
        &chart,
        "templates/deployment-api-reads.yaml",
        "- name: TRINO_S3A_OR_S3\n          value: {{ (print $.Values.parameters.TRINO_S3A_OR_S3) | toJson }}",
        "- name: TRINO_S3A_OR_S3\n          value: s3n",
    );
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.contains("Deployment/koku-clowder-listener spec.template.spec.containers[koku-clowder-listener].ports[metrics].containerPort: expected 9000, rendered 9001\n"), "{}", show(&out));
    assert!(text.contains("Deployment/koku-api-reads spec.template.spec.containers[koku-api-reads].env[TRINO_S3A_OR_S3].value: expected \"s3a\", rendered \"s3n\"\n"), "{}", show(&out));
}

#[test]
fn every_construct_chart_verifies_with_and_without_keda() {
    let template = fixture("every-construct.yaml");
    let (_dir, chart) = convert(&template);
    let off = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(off.status.code(), Some(0), "{}", show(&off));
    let on = verify(&template, &chart, &["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]);
    assert_eq!(on.status.code(), Some(0), "{}", show(&on));
    // With KEDA on there is a ScaledObject more to compare, and the Deployment loses replicas.
    assert!(fidelity(&on).1 > fidelity(&off).1);
}

#[test]
fn a_cdappconfig_chart_verifies_with_the_options_convert_recorded() {
    let Some(template) = upstream::koku_latest("a_cdappconfig_chart_verifies_with_the_options_convert_recorded") else { return };
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(&template).arg("-o").arg(&chart).args(["--config-mode", "cdappconfig"]).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(stdout(&out).contains("note: mapping options recorded by convert in the chart's manifest: config-mode cdappconfig\n"), "{}", show(&out));
    // The other mode expects CLOWDER_ENABLED=false where the chart keeps the template's value.
    let out = verify(&template, &chart, &["--config-mode", "env"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("Deployment/koku-api-reads spec.template.spec.containers[koku-api-reads].env[CLOWDER_ENABLED].value: expected \"false\", rendered \"True\"\n"), "{}", show(&out));
}

#[test]
fn bad_input_exits_2_and_tool_failures_exit_3() {
    let template = fixture("minimal.yaml");
    let (dir, chart) = convert(&template);

    let not_a_chart = verify(&template, dir.path(), tools::NO_ARGS);
    assert_eq!(not_a_chart.status.code(), Some(2), "{}", show(&not_a_chart));
    assert!(String::from_utf8_lossy(&not_a_chart.stderr).contains("Chart.yaml is missing"), "{}", show(&not_a_chart));

    let bad_set = verify(&template, &chart, &["--set", "parameters.IMAGE_TAG"]);
    assert_eq!(bad_set.status.code(), Some(2), "{}", show(&bad_set));
    assert!(String::from_utf8_lossy(&bad_set.stderr).contains("has no `=`"), "{}", show(&bad_set));

    let no_helm = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("verify").arg(&template).arg(&chart).arg("--helm").arg(dir.path().join("no-such-helm")).output().unwrap();
    assert_eq!(no_helm.status.code(), Some(3), "{}", show(&no_helm));

    // helm refuses a value its schema rejects: the user's input (exit 2), helm's message shown.
    let rejected = verify(&template, &chart, &["--set", "resourceDefaults=oops"]);
    assert_eq!(rejected.status.code(), Some(2), "{}", show(&rejected));
    let err = String::from_utf8_lossy(&rejected.stderr);
    assert!(err.contains("values.schema.json") && err.contains("resourceDefaults"), "{}", show(&rejected));

    // helm itself failing (here on a chart template that is broken) is a tool failure.
    fs::write(chart.join("templates/broken.yaml"), "{{ include \"no-such-template\" . }}\n").unwrap();
    let failed = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(failed.status.code(), Some(3), "{}", show(&failed));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("helm template failed"), "{}", show(&failed));
}

// ------------------------------------------------------------------------------------------
// Typing of --set and --set-string, the wrong template, cut values (fixtures only)
// ------------------------------------------------------------------------------------------

#[test]
fn a_number_for_a_string_parameter_is_explained_and_set_string_verifies() {
    // fixtures/every-construct.yaml: IMAGE_TAG is a string parameter (`${IMAGE_TAG}`).
    let template = fixture("every-construct.yaml");
    let (_dir, chart) = convert(&template);
    let out = verify(&template, &chart, &["--set", "parameters.IMAGE_TAG=1234567"]);
    assert_eq!(out.status.code(), Some(2), "typing is the user's input, not a tool failure\n{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("IMAGE_TAG is a string parameter") && err.contains("--set-string parameters.IMAGE_TAG=1234567"), "{}", show(&out));

    let out = verify(&template, &chart, &["--set-string", "parameters.IMAGE_TAG=1234567"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // The value reached both sides: a hand-edited tag in values.yaml is still caught with it.
    edit(&chart, "values.yaml", "\n  IMAGE_TAG: \"1.4.2\"\n", "\n  IMAGE_TAG: \"9.9.9\"\n");
    let out = verify(&template, &chart, &["--set-string", "parameters.IMAGE_TAG=1234567"]);
    assert_eq!(out.status.code(), Some(0), "the --set-string value wins over values.yaml on both sides\n{}", show(&out));
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains(":1.4.2\", rendered \"quay.io/example/shop:9.9.9\""), "{}", show(&out));
}

#[test]
fn the_wrong_template_is_named_as_such() {
    let (_dir, chart) = convert(&fixture("every-construct.yaml"));
    let out = verify(&fixture("minimal.yaml"), &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the chart") && err.contains("generated from") && err.contains("every-construct.yaml"), "{}", show(&out));
    assert!(out.stdout.is_empty(), "no fidelity report for the wrong template\n{}", show(&out));
}

#[test]
fn a_missing_object_is_a_difference() {
    let template = fixture("every-construct.yaml");
    let (_dir, chart) = convert(&template);
    fs::remove_file(chart.join("templates/deployment-worker.yaml")).unwrap();
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("Deployment/shop-worker (object): expected present, rendered (absent)\n"), "{}", show(&out));
    let (equal, compared) = fidelity(&out);
    assert!(equal + 50 < compared, "every field of the missing Deployment counts as not equal: {equal}/{compared}");
}

#[test]
fn a_quoted_number_is_not_the_number() {
    let template = fixture("every-construct.yaml");
    let (_dir, chart) = convert(&template);
    edit(&chart, "templates/deployment-api.yaml", "replicas: {{ $.Values.parameters.API_REPLICAS | toJson }}", "replicas: {{ $.Values.parameters.API_REPLICAS | toString | quote }}");
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains("Deployment/shop-api spec.replicas: expected 2, rendered \"2\"\n"), "{}", show(&out));
}

#[test]
fn long_values_are_cut_with_a_note_and_full_shows_them_whole() {
    let template = fixture("every-construct.yaml");
    let (_dir, chart) = convert(&template);
    let long = "x".repeat(400);
    edit(&chart, "values.yaml", "\n  SHOP_MODE: retail\n", &format!("\n  SHOP_MODE: {long}\n"));
    let cut = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(cut.status.code(), Some(1), "{}", show(&cut));
    let text = stdout(&cut);
    assert!(!text.contains(&long) && text.contains("more characters)"), "{}", show(&cut));
    assert!(text.contains("pass --full to see them whole"), "{}", show(&cut));
    let full = verify(&template, &chart, &["--full"]);
    assert!(stdout(&full).contains(&long) && !stdout(&full).contains("more characters)"), "{}", show(&full));
}

#[test]
fn edge_cases_and_multi_app_charts_verify() {
    // Invocation labels and annotations, a scheduled job also run by an invocation, a typed
    // env value, and two apps with a deployment of the same name.
    assert_verified_min(&fixture("verify-edge.yaml"), 300);
    assert_verified_min(&fixture("multi-document.yaml"), 100);
}
