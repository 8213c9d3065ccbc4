//! `clowd2helm convert` end to end, with the real helm: the charts of the upstream Koku
//! templates and of our fixtures lint, render and validate, and they behave as a user of the
//! chart relies on (counts and names of the objects, typed parameters, schema checks, required
//! and generated parameters, literal braces, deterministic output, user files kept).

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use clowd2helm::source::{process, template, yaml};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn convert(input: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .current_dir(repo())
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run clowd2helm")
}

/// Convert into `<scratch>/chart`, failing the test when the conversion fails.
fn convert_ok(input: &Path, scratch: &Path) -> PathBuf {
    let out = scratch.join("chart");
    let result = convert(input, &out);
    assert!(result.status.success(), "convert {} failed ({}):\n{}", input.display(), result.status, text(&result.stderr));
    out
}

fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(format!("{name}.yaml"))
}

fn helm(args: &[&str]) -> Output {
    Command::new(tools::helm()).args(args).output().expect("run helm")
}

/// `helm template t CHART ARGS...`: the manifests, or helm's error output.
fn render(chart: &Path, args: &[&str]) -> Result<String, String> {
    let mut all = vec!["template", "t", chart.to_str().unwrap()];
    all.extend_from_slice(args);
    let result = helm(&all);
    if result.status.success() {
        Ok(text(&result.stdout))
    } else {
        Err(text(&result.stderr))
    }
}

fn render_ok(chart: &Path, args: &[&str]) -> String {
    render(chart, args).unwrap_or_else(|e| panic!("helm template {} {args:?} failed:\n{e}", chart.display()))
}

/// Lint, render and validate a chart; returns what went wrong, if anything.
fn lint_render_validate(chart: &Path, args: &[&str]) -> Result<(), String> {
    let mut lint = vec!["lint", "--strict", chart.to_str().unwrap()];
    lint.extend_from_slice(args);
    let result = helm(&lint);
    if !result.status.success() {
        return Err(format!("helm lint --strict failed:\n{}{}", text(&result.stdout), text(&result.stderr)));
    }
    let manifests = render(chart, args).map_err(|e| format!("helm template failed:\n{e}"))?;
    tools::validate_manifests(&manifests)
}

/// The chart defaults, and KEDA switched on when the chart has KEDA objects (values.schema.json
/// refuses `autoscaling` in a chart without them).
fn keda_settings(chart: &Path) -> Vec<&'static [&'static str]> {
    let values = fs::read_to_string(chart.join("values.yaml")).expect("values.yaml");
    if values.lines().any(|l| l == "autoscaling:") {
        vec![&[], &["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]]
    } else {
        vec![&[]]
    }
}

/// Rendered objects as JSON (parsed with our own YAML loader).
fn objects(manifests: &str) -> Vec<Value> {
    yaml::load_documents("helm-output", manifests)
        .expect("helm output is valid YAML")
        .iter()
        .map(yaml::Node::to_json)
        .filter(|v| !v.is_null())
        .collect()
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} rendered"))
}

fn names(objects: &[&Value]) -> BTreeSet<String> {
    objects.iter().map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_string()).collect()
}

/// The ClowdApps of an input, processed with the parameter defaults as `oc process` would.
fn processed_apps(path: &Path) -> Vec<Value> {
    let source = fs::read_to_string(path).expect("read template");
    let input = template::parse(&path.display().to_string(), &source).expect("template parses");
    let values = process::parameter_values(&input, &BTreeMap::new());
    input
        .objects
        .iter()
        .filter(|o| o.get("kind").and_then(yaml::Node::as_str) == Some("ClowdApp"))
        .map(|o| process::process_node(o, &values))
        .collect()
}

fn app_name(app: &Value) -> &str {
    app["metadata"]["name"].as_str().expect("ClowdApp name")
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// (objects labelled with Clowder's `pod` label, the rest)
fn split_app_and_infra(objects: Vec<&Value>) -> (Vec<&Value>, Vec<&Value>) {
    objects.into_iter().partition(|o| !o["metadata"]["labels"]["pod"].is_null())
}

// ------------------------------------------------------------------------------------------
// Upstream Koku
// ------------------------------------------------------------------------------------------

#[test]
fn every_upstream_koku_version_converts_lints_renders_and_validates() {
    let mut failures = Vec::new();
    for input in upstream::koku_all("every_upstream_koku_version_converts_lints_renders_and_validates") {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("chart");
        let result = convert(&input, &out);
        if !result.status.success() {
            failures.push(format!("{}: convert exited {}:\n{}", input.display(), result.status, text(&result.stderr)));
            continue;
        }
        for args in keda_settings(&out) {
            if let Err(e) = lint_render_validate(&out, args) {
                failures.push(format!("{} {args:?}: {e}", input.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn koku_latest_has_every_deployment_service_and_job_of_the_template() {
    let Some(input) = upstream::koku_latest("koku_latest_has_every_deployment_service_and_job_of_the_template") else { return };
    let apps = processed_apps(&input);
    assert_eq!(apps.len(), 1, "Koku has one ClowdApp");
    let app = &apps[0];
    let name = app_name(app);
    let deployments = list(&app["spec"]["deployments"]);
    assert_eq!(deployments.len(), 30, "the 2026-08-14 template declares 30 deployments");
    let expected: BTreeSet<String> = deployments.iter().map(|d| format!("{name}-{}", d["name"].as_str().unwrap())).collect();
    assert_eq!(expected.len(), 30, "deployment names are unique");

    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&input, scratch.path());
    let rendered = objects(&render_ok(&chart, &[]));

    // The app's own workloads carry Clowder's `pod` label; bundled infrastructure (the local
    // database and Redis Clowder would have run) carries its `service` label instead.
    let (app_deployments, infra_deployments) = split_app_and_infra(of_kind(&rendered, "Deployment"));
    assert_eq!(app_deployments.len(), 30);
    assert_eq!(names(&app_deployments), expected, "one Deployment `<app>-<deployment>` per deployment");
    assert!(infra_deployments.iter().all(|d| !d["metadata"]["labels"]["service"].is_null()), "only bundled infrastructure beside the app's Deployments: {:?}", names(&infra_deployments));

    let (services, infra_services) = split_app_and_infra(of_kind(&rendered, "Service"));
    assert_eq!(services.len(), 30);
    assert_eq!(names(&services), expected, "one Service `<app>-<deployment>` per deployment");
    assert!(infra_services.iter().all(|d| !d["metadata"]["labels"]["service"].is_null()), "only bundled infrastructure beside the app's Services: {:?}", names(&infra_services));
    for dep in deployments {
        let full = format!("{name}-{}", dep["name"].as_str().unwrap());
        let svc = named(&rendered, "Service", &full);
        assert_eq!(svc["spec"]["selector"], json!({ "pod": full }), "Service {full} selects only its pod label");
        // Clowder's Service ports (other apps reach this one through them), in Clowder's order.
        let public = dep["webServices"]["public"]["enabled"] == true || dep["web"] == true;
        let private = dep["webServices"]["private"]["enabled"] == true;
        let mut want = Vec::new();
        if public {
            want.push(("public".to_string(), json!(8000)));
        }
        if private {
            want.push(("private".to_string(), json!(10000)));
        }
        want.push(("metrics".to_string(), json!(9000)));
        let ports = list(&svc["spec"]["ports"]);
        let got: Vec<(String, Value)> = ports.iter().map(|p| (p["name"].as_str().unwrap_or_default().to_string(), p["port"].clone())).collect();
        assert_eq!(got, want, "Service {full} has Clowder's ports");
        // Each targetPort is the number the container listens on under Clowder's port name.
        let container = &named(&rendered, "Deployment", &full)["spec"]["template"]["spec"]["containers"][0];
        for p in ports {
            let container_name = if p["name"] == "public" { "web" } else { p["name"].as_str().unwrap() };
            let listening = list(&container["ports"]).iter().find(|c| c["name"] == container_name).map(|c| c["containerPort"].clone());
            assert_eq!(Some(p["targetPort"].clone()), listening, "Service {full} port {} targets the container port `{container_name}`", p["name"]);
        }
    }

    // Both jobs are run by ClowdJobInvocations: hook Jobs named `<app>-<job>` (job names are
    // parameterised; at the defaults they resolve as oc process resolves them).
    let jobs = list(&app["spec"]["jobs"]);
    assert_eq!(jobs.len(), 2);
    let expected_jobs: BTreeSet<String> = jobs.iter().map(|j| format!("{name}-{}", j["name"].as_str().unwrap())).collect();
    let rendered_jobs = of_kind(&rendered, "Job");
    assert_eq!(names(&rendered_jobs), expected_jobs);
    for job in rendered_jobs {
        let hook = job["metadata"]["annotations"]["helm.sh/hook"].as_str().unwrap_or_default();
        assert!(hook.contains("post-install") && hook.contains("post-upgrade"), "{} is a post-install/post-upgrade hook, got {hook:?}", job["metadata"]["name"]);
    }
    assert!(of_kind(&rendered, "CronJob").is_empty(), "Koku has no scheduled job");
}

#[test]
fn koku_latest_scaled_objects_render_only_when_keda_is_enabled() {
    let Some(input) = upstream::koku_latest("koku_latest_scaled_objects_render_only_when_keda_is_enabled") else { return };
    let app = &processed_apps(&input)[0];
    let name = app_name(app);
    let autoscaled: BTreeSet<String> = list(&app["spec"]["deployments"])
        .iter()
        .filter(|d| d.get("autoScaler").is_some())
        .map(|d| format!("{name}-{}", d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(autoscaled.len(), 12, "the 2026-08-14 template has 12 KEDA autoscalers");

    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&input, scratch.path());

    let off = objects(&render_ok(&chart, &[]));
    assert!(of_kind(&off, "ScaledObject").is_empty(), "no ScaledObject at the chart defaults");
    for dep in &autoscaled {
        let d = named(&off, "Deployment", dep);
        assert!(d["spec"]["replicas"].is_i64(), "{dep} runs a fixed replica count while KEDA is off, got {}", d["spec"]["replicas"]);
    }

    let on = objects(&render_ok(&chart, &["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]));
    let scaled = of_kind(&on, "ScaledObject");
    assert_eq!(scaled.len(), 12);
    assert_eq!(names(&scaled), autoscaled, "one ScaledObject `<app>-<deployment>` per autoScaler");
    for so in scaled {
        let target = &so["spec"]["scaleTargetRef"];
        assert_eq!(target["name"], so["metadata"]["name"], "ScaledObject scales its own Deployment");
        let d = named(&on, "Deployment", so["metadata"]["name"].as_str().unwrap());
        assert!(d["spec"].get("replicas").is_none(), "{} leaves replicas to KEDA", so["metadata"]["name"]);
    }
}

#[test]
fn a_typed_parameter_set_on_the_command_line_renders_as_an_integer() {
    // fixtures/koku-like.yaml: `replicas: ${{API_REPLICAS}}` on deployment `api` of app `koku`.
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&fixture("koku-like"), scratch.path());
    let rendered = objects(&render_ok(&chart, &["--set", "parameters.API_REPLICAS=7"]));
    assert_eq!(named(&rendered, "Deployment", "koku-api")["spec"]["replicas"], json!(7));
    // The raw text too: an integer, not the string "7".
    let manifests = render_ok(&chart, &["--set", "parameters.API_REPLICAS=7", "--show-only", "templates/deployment-api.yaml"]);
    assert!(manifests.lines().any(|l| l.trim() == "replicas: 7"), "replicas is written as a bare integer:\n{manifests}");
}

#[test]
fn values_of_the_wrong_type_fail_schema_validation() {
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&fixture("koku-like"), scratch.path());
    let err = render(&chart, &["--set", "parameters.API_REPLICAS=abc"]).expect_err("a non-integer replica count must be refused");
    assert!(err.contains("API_REPLICAS") && err.contains("schema"), "the error names the parameter and the schema:\n{err}");
    // An unknown parameter is a typo the schema catches too.
    let err = render(&chart, &["--set", "parameters.API_REPLICA=3"]).expect_err("an undeclared parameter must be refused");
    assert!(err.contains("API_REPLICA"), "the error names the unknown parameter:\n{err}");
    // String parameters stay strings: numbers-looking values go through --set-string.
    let rendered = objects(&render_ok(&chart, &["--set-string", "parameters.IMAGE_TAG=1234567"]));
    let image = named(&rendered, "Deployment", "koku-api")["spec"]["template"]["spec"]["containers"][0]["image"].clone();
    assert!(image.as_str().is_some_and(|i| i.ends_with(":1234567")), "IMAGE_TAG reaches the image: {image}");
}

#[test]
fn two_conversions_of_the_same_input_are_byte_identical() {
    let mut inputs = vec![fixture("every-construct"), fixture("koku-like")];
    inputs.extend(upstream::koku_latest("two_conversions_of_the_same_input_are_byte_identical"));
    for input in inputs {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let first = tree(&convert_ok(&input, a.path()));
        let second = tree(&convert_ok(&input, b.path()));
        assert!(first.contains_key(".clowd2helm/manifest.json"), "the manifest is part of the comparison");
        assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>(), "same files");
        for (path, bytes) in &first {
            assert!(bytes == &second[path], "{}: {path} differs between two conversions", input.display());
        }
    }
}

/// The chart itself does not depend on where the input was or how its path was spelled: the
/// same template converted by absolute path, and by a relative path from another folder, gives
/// the same Chart.yaml, values files and templates, and none of them holds an absolute path.
/// (The reports name the input relative to the working folder; the manifest keeps the path as
/// given, to find the input again.)
#[test]
fn the_chart_does_not_carry_the_inputs_folder() {
    let scratch = tempfile::tempdir().unwrap();
    let folder = scratch.path().join("somewhere").join("deep");
    fs::create_dir_all(&folder).unwrap();
    fs::copy(fixture("minimal"), folder.join("minimal.yaml")).unwrap();
    let absolute = convert_ok(&folder.join("minimal.yaml"), &scratch.path().join("a"));
    let relative = scratch.path().join("b").join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm"))
        .current_dir(scratch.path().join("somewhere"))
        .args(["convert", "deep/minimal.yaml", "-o"])
        .arg(&relative)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (a, b) = (tree(&absolute), tree(&relative));
    let chart_files = |t: &BTreeMap<String, Vec<u8>>| -> Vec<String> { t.keys().filter(|k| !k.starts_with(".clowd2helm/") && !k.contains("gap-report") && !k.contains("GAP_REPORT")).cloned().collect() };
    assert_eq!(chart_files(&a), chart_files(&b));
    let root = scratch.path().to_string_lossy().into_owned();
    for f in chart_files(&a) {
        assert!(a[&f] == b[&f], "{f} differs with the input's path");
        assert!(!text(&a[&f]).contains(&root), "{f} holds the absolute path of the input's folder");
    }
    assert!(text(&a["Chart.yaml"]).contains("from minimal.yaml"), "{}", text(&a["Chart.yaml"]));
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn files_the_user_added_survive_a_second_conversion() {
    let input = fixture("every-construct");
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&input, scratch.path());
    let generated = tree(&chart);
    fs::write(chart.join("OWNERS"), "storefront-team\n").unwrap();
    fs::create_dir_all(chart.join("ci")).unwrap();
    fs::write(chart.join("ci/prod-values.yaml"), "parameters:\n  API_REPLICAS: 5\n").unwrap();

    let again = convert(&input, &chart);
    assert!(again.status.success(), "second convert failed:\n{}", text(&again.stderr));
    assert_eq!(fs::read_to_string(chart.join("OWNERS")).unwrap(), "storefront-team\n");
    assert_eq!(fs::read_to_string(chart.join("ci/prod-values.yaml")).unwrap(), "parameters:\n  API_REPLICAS: 5\n");
    let now = tree(&chart);
    for (path, bytes) in &generated {
        assert!(now.get(path) == Some(bytes), "generated {path} changed on regeneration");
    }
    // And the chart still works with the user's values file.
    let rendered = objects(&render_ok(&chart, &["-f", chart.join("ci/prod-values.yaml").to_str().unwrap()]));
    assert_eq!(named(&rendered, "Deployment", "shop-api")["spec"]["replicas"], json!(5));
}

// ------------------------------------------------------------------------------------------
// Our fixtures
// ------------------------------------------------------------------------------------------

/// Fixtures that must work at their chart defaults, with and without KEDA.
#[test]
fn fixtures_lint_render_and_validate() {
    let mut failures = Vec::new();
    for name in ["every-construct", "kafka-trigger-without-topics", "koku-like", "minimal", "multi-document", "release-name"] {
        let scratch = tempfile::tempdir().unwrap();
        let chart = convert_ok(&fixture(name), scratch.path());
        for args in keda_settings(&chart) {
            if let Err(e) = lint_render_validate(&chart, args) {
                failures.push(format!("fixtures/{name}.yaml {args:?}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_clowdapp_of_a_multi_document_input_is_converted() {
    let input = fixture("multi-document");
    let apps = processed_apps(&input);
    assert_eq!(apps.len(), 2, "the fixture holds two ClowdApps");
    let expected: BTreeSet<String> = apps
        .iter()
        .flat_map(|app| list(&app["spec"]["deployments"]).iter().map(move |d| format!("{}-{}", app_name(app), d["name"].as_str().unwrap())))
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&input, scratch.path());
    let rendered = objects(&render_ok(&chart, &[]));
    assert_eq!(names(&split_app_and_infra(of_kind(&rendered, "Deployment")).0), expected);
    assert_eq!(names(&split_app_and_infra(of_kind(&rendered, "Service")).0), expected);
    assert_eq!(names(&of_kind(&rendered, "ConfigMap")), BTreeSet::from(["beta-settings".to_string()]));
    assert_eq!(named(&rendered, "Deployment", "alpha-api")["spec"]["replicas"], json!(3), "typed parameter of the Template");
}

#[test]
fn braces_from_the_input_render_literally() {
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&fixture("release-name"), scratch.path());
    let rendered = objects(&render_ok(&chart, &[]));
    let d = named(&rendered, "Deployment", "mustache-api");
    let container = &d["spec"]["template"]["spec"]["containers"][0];
    let env: BTreeMap<String, Value> =
        list(&container["env"]).iter().map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].clone())).collect();
    assert_eq!(env["RELEASE_NAME"], json!("{{ .Release.Name }}"));
    assert_eq!(env["GREETING"], json!("hello from {{ .Release.Name }}"), "literal braces next to a parameter");
    assert_eq!(env["CLOSING"], json!("}}{{"));
    assert_eq!(container["command"][2], json!("echo '{{ .Release.Name }}' && exec mustache"));
    assert_eq!(d["metadata"]["annotations"]["note"], json!("{{ .Values.secret }}"));
    let cm = named(&rendered, "ConfigMap", "mustache-templates");
    assert_eq!(cm["data"]["page.html"], json!("<h1>{{ title }}</h1>\n{{- range .items }}{{ . }}{{ end }}\n"));
}

#[test]
fn a_required_parameter_without_default_must_be_set() {
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&fixture("required-parameter"), scratch.path());
    let err = render(&chart, &[]).expect_err("rendering without DATABASE_HOST must fail");
    assert!(err.contains("DATABASE_HOST"), "the error names the parameter:\n{err}");

    let args = ["--set", "parameters.DATABASE_HOST=db.example.com"];
    lint_render_validate(&chart, &args).unwrap();
    let rendered = objects(&render_ok(&chart, &args));
    let env = &named(&rendered, "Deployment", "ledger-api")["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(list(env).contains(&json!({"name": "DATABASE_HOST", "value": "db.example.com"})), "env: {env}");
}

/// `from: '[a-zA-Z0-9]{24}'` in fixtures/every-construct.yaml.
fn matches_api_key_pattern(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[test]
fn a_generated_parameter_is_generated_from_its_pattern_unless_given() {
    let scratch = tempfile::tempdir().unwrap();
    let chart = convert_ok(&fixture("every-construct"), scratch.path());

    let rendered = objects(&render_ok(&chart, &[]));
    let key = named(&rendered, "Secret", "shop-secrets")["stringData"]["api-key"].clone();
    assert!(key.as_str().is_some_and(matches_api_key_pattern), "generated api-key {key} matches [a-zA-Z0-9]{{24}}");

    let rendered = objects(&render_ok(&chart, &["--set", "parameters.API_KEY=chosen-by-the-user"]));
    assert_eq!(named(&rendered, "Secret", "shop-secrets")["stringData"]["api-key"], json!("chosen-by-the-user"));
}
