//! Template parameters as a chart user relies on them, rendered with the real helm: `${{X}}`
//! takes the JSON type of its value as in OpenShift, a generated parameter has one value
//! everywhere, required parameters stop the render naming every missing one, and
//! values.schema.json refuses misspelt keys in every block.

#[path = "common/tools.rs"]
mod tools;

use clowd2helm::model::{ValuesBlock, ValuesNode};
use clowd2helm::source::yaml;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn realworld(name: &str) -> PathBuf {
    repo().join("fixtures/realworld").join(format!("{name}.yaml"))
}

/// `clowd2helm convert INPUT -o <tmp>/chart`, which must succeed.
fn convert(input: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(input).arg("-o").arg(&chart).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
    (dir, chart)
}

/// `helm template t CHART ARGS...`: the manifests, or helm's error output.
fn render(chart: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(tools::helm()).arg("template").arg("t").arg(chart).args(args).output().unwrap();
    if out.status.success() { Ok(String::from_utf8_lossy(&out.stdout).into_owned()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

fn render_ok(chart: &Path, args: &[&str]) -> String {
    render(chart, args).unwrap_or_else(|e| panic!("helm template {args:?} failed:\n{e}"))
}

fn objects(manifests: &str) -> Vec<Value> {
    yaml::load_documents("helm-output", manifests).expect("helm output is YAML").iter().map(yaml::Node::to_json).filter(|v| !v.is_null()).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name} rendered"))
}

fn env_value(workload: &Value, var: &str) -> Value {
    let env = &workload["spec"]["template"]["spec"]["containers"][0]["env"];
    env.as_array().and_then(|l| l.iter().find(|e| e["name"] == var)).map(|e| e["value"].clone()).unwrap_or_else(|| panic!("no env {var} in {env}"))
}

fn schema(chart: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(chart.join("values.schema.json")).unwrap()).unwrap()
}

fn b64decode(s: &str) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | alphabet.iter().position(|a| *a == c).expect("base64") as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ------------------------------------------------------------------------------------------
// Generated parameters (issue 15, bug 1)
// ------------------------------------------------------------------------------------------

#[test]
fn a_generated_parameter_has_one_value_in_every_secret_and_env_var() {
    let (_dir, chart) = convert(&realworld("generated-parameter"));
    let rendered = objects(&render_ok(&chart, &[]));
    let server = named(&rendered, "Secret", "relay-server")["stringData"]["token"].as_str().expect("server token").to_string();
    let client = b64decode(named(&rendered, "Secret", "relay-client")["data"]["token"].as_str().expect("client token"));
    let env = env_value(named(&rendered, "Deployment", "relay-hub"), "SHARED_TOKEN");
    assert!(server.len() == 40 && server.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "generated from [a-f0-9]{{40}}: {server}");
    assert_eq!(client, server, "both Secrets hold the same generated value");
    assert_eq!(env, json!(server), "the direct env use gets the same value, not an empty string");
    // Another generated parameter gets its own value, from its own pattern.
    let session = named(&rendered, "Secret", "relay-session")["stringData"]["key"].as_str().unwrap().to_string();
    assert!(session.len() == 12 && session.bytes().all(|b| b.is_ascii_alphanumeric()), "[a-zA-Z0-9]{{12}}: {session}");
    assert_ne!(session, server);
    // Generated parameters no Secret holds: one value per render each, the same in every use.
    let hub = named(&rendered, "Deployment", "relay-hub");
    let nonce = env_value(hub, "NONCE");
    assert!(nonce.as_str().is_some_and(|n| n.len() == 20), "NONCE generated: {nonce}");
    assert_eq!(env_value(named(&rendered, "Deployment", "relay-edge"), "NONCE"), nonce, "NONCE is the same in both Deployments");
    assert_ne!(env_value(hub, "SALT"), nonce, "each parameter has its own value");

    // A value the user sets replaces the generated one everywhere.
    let rendered = objects(&render_ok(&chart, &["--set", "parameters.SHARED_TOKEN=chosen"]));
    assert_eq!(named(&rendered, "Secret", "relay-server")["stringData"]["token"], json!("chosen"));
    assert_eq!(b64decode(named(&rendered, "Secret", "relay-client")["data"]["token"].as_str().unwrap()), "chosen");
    assert_eq!(env_value(named(&rendered, "Deployment", "relay-hub"), "SHARED_TOKEN"), json!("chosen"));
}

// ------------------------------------------------------------------------------------------
// Typed parameters (issue 15 bug 2, issue 11 class 7)
// ------------------------------------------------------------------------------------------

#[test]
fn typed_parameters_take_the_json_type_of_their_default() {
    let (_dir, chart) = convert(&realworld("typed-parameters"));
    // The schema type is the default's JSON type, for a `${{X}}` use; `${X}` is always text.
    let params = &schema(&chart)["properties"]["parameters"]["properties"];
    let types: Vec<(&str, Value)> = ["DATABASE_VERSION", "REPLICAS", "COMMAND", "GREETING", "MODE", "PDB_SELECTOR", "SETTINGS", "RATIO", "VERBOSE"]
        .iter()
        .map(|n| (*n, params[*n]["type"].clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("DATABASE_VERSION", json!("integer")),
            ("REPLICAS", json!("integer")),
            ("COMMAND", json!("array")),
            ("GREETING", json!("string")),
            ("MODE", json!("string")),
            ("PDB_SELECTOR", json!("object")),
            ("SETTINGS", json!("string")),
            ("RATIO", json!("string")),
            ("VERBOSE", json!("string")),
        ]
    );
    assert!(params["EVICTION_POLICY"].get("type").is_none(), "a null default accepts any value: {}", params["EVICTION_POLICY"]);

    let rendered = objects(&render_ok(&chart, &[]));
    let api = named(&rendered, "Deployment", "tuner-api");
    assert_eq!(api["spec"]["replicas"], json!(3));
    assert_eq!(api["spec"]["template"]["spec"]["containers"][0]["command"], json!(["/usr/bin/tuner", "--serve"]), "a JSON array default renders as a list");
    assert_eq!(env_value(api, "GREETING"), json!("hello, world"), "a JSON string default renders without its quotes");
    assert_eq!(env_value(api, "MODE"), json!("fast"), "a default that is not JSON stays the text");
    assert_eq!(env_value(api, "SETTINGS_JSON"), json!("{\"cache\": true}"), "`${{X}}` substitutes the text");
    assert_eq!(api["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSeconds"], json!(15));
    let pdb = named(&rendered, "PodDisruptionBudget", "tuner-api");
    assert_eq!(pdb["spec"]["selector"]["matchLabels"], json!({"pod": "tuner-api"}), "a JSON object default renders as a map");
    assert_eq!(pdb["spec"]["maxUnavailable"], json!(1));
    assert!(pdb["spec"]["unhealthyPodEvictionPolicy"].is_null(), "a null default renders null (the field stays unset)");
    let settings = named(&rendered, "ConfigMap", "tuner-settings");
    assert_eq!(settings["data"], json!({"ratio": "0.75", "verbose": "true"}), "`${{X}}` values stay strings");

    // Values of the user take the parameter's type; the schema refuses another type.
    let rendered = objects(&render_ok(&chart, &["--set", "parameters.REPLICAS=5", "--set-json", "parameters.COMMAND=[\"run\"]", "--set", "parameters.EVICTION_POLICY=AlwaysAllow"]));
    assert_eq!(named(&rendered, "Deployment", "tuner-api")["spec"]["replicas"], json!(5));
    assert_eq!(named(&rendered, "Deployment", "tuner-api")["spec"]["template"]["spec"]["containers"][0]["command"], json!(["run"]));
    assert_eq!(named(&rendered, "PodDisruptionBudget", "tuner-api")["spec"]["unhealthyPodEvictionPolicy"], json!("AlwaysAllow"));
    let err = render(&chart, &["--set", "parameters.COMMAND=run"]).expect_err("a string for an array parameter");
    assert!(err.contains("COMMAND"), "{err}");
}

// ------------------------------------------------------------------------------------------
// Required parameters (issue 15 bug 9, issue 11 class 6)
// ------------------------------------------------------------------------------------------

const REQUIRED_SET: &[&str] = &["--set-string", "parameters.IMAGE=quay.io/example/mailer,parameters.FUTURE_QUOTA=10"];

#[test]
fn every_missing_required_parameter_is_named_whether_used_or_not() {
    let (_dir, chart) = convert(&realworld("required-parameters"));
    let err = render(&chart, &[]).expect_err("IMAGE and FUTURE_QUOTA are required without defaults");
    assert!(err.contains("'IMAGE'") && err.contains("'FUTURE_QUOTA'"), "both missing parameters are named, the unused one too:\n{err}");
    assert!(!err.contains("SIGNING_KEY"), "a generated parameter needs no value:\n{err}");
    let err = render(&chart, &["--set", "parameters.IMAGE=quay.io/example/mailer"]).expect_err("FUTURE_QUOTA is still missing");
    assert!(err.contains("FUTURE_QUOTA") && !err.contains("'IMAGE'"), "{err}");

    let rendered = objects(&render_ok(&chart, REQUIRED_SET));
    let sender = named(&rendered, "Deployment", "mailer-sender");
    assert_eq!(sender["spec"]["template"]["spec"]["containers"][0]["image"], json!("quay.io/example/mailer:latest"));
}

#[test]
fn a_null_or_empty_required_value_fails_like_a_missing_one() {
    let (_dir, chart) = convert(&realworld("required-parameters"));
    for (args, what) in [(&["--set", "parameters.IMAGE_TAG=null"][..], "null"), (&["--set", "parameters.IMAGE_TAG="][..], "empty")] {
        let mut all = REQUIRED_SET.to_vec();
        all.extend_from_slice(args);
        let err = render(&chart, &all).expect_err(what);
        assert!(err.contains("IMAGE_TAG"), "a {what} IMAGE_TAG is refused, naming it:\n{err}");
    }
    // Without the schema the templates' own guard still refuses it (never `<nil>:latest`).
    let mut all = REQUIRED_SET.to_vec();
    all.extend_from_slice(&["--skip-schema-validation", "--set", "parameters.IMAGE_TAG=null"]);
    let err = render(&chart, &all).expect_err("required guard");
    assert!(err.contains("parameter IMAGE_TAG is required"), "{err}");
    // A parameter that is not required: null is refused too (Helm would drop the key and
    // render `<nil>`); an empty string is a value, as for `oc process`.
    let mut all = REQUIRED_SET.to_vec();
    all.extend_from_slice(&["--set", "parameters.RELAY_HOST=null"]);
    let err = render(&chart, &all).expect_err("null RELAY_HOST");
    assert!(err.contains("RELAY_HOST"), "{err}");
    let mut all = REQUIRED_SET.to_vec();
    all.extend_from_slice(&["--set", "parameters.RELAY_HOST="]);
    let rendered = render_ok(&chart, &all);
    assert!(!rendered.contains("<nil>"), "{rendered}");
    assert_eq!(env_value(named(&objects(&rendered), "Deployment", "mailer-sender"), "RELAY"), json!(""));
}

#[test]
fn required_parameters_are_required_in_the_schema() {
    let (_dir, chart) = convert(&realworld("required-parameters"));
    let params = &schema(&chart)["properties"]["parameters"];
    let required: Vec<&str> = params["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for name in ["IMAGE", "IMAGE_TAG", "FUTURE_QUOTA", "RELAY_HOST"] {
        assert!(required.contains(&name), "{name} in {required:?}");
    }
    assert_eq!(params["properties"]["IMAGE"]["minLength"], json!(1), "OpenShift refuses an empty required value");
    assert!(params["properties"]["RELAY_HOST"].get("minLength").is_none(), "an optional parameter may be empty");
}

#[test]
fn a_chart_whose_parameters_are_all_required_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("all-required.yaml");
    fs::write(
        &input,
        "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata:\n  name: strict\nobjects:\n- apiVersion: cloud.redhat.com/v1alpha1\n  kind: ClowdApp\n  metadata:\n    name: strict\n  spec:\n    envName: env\n    deployments:\n    - name: api\n      podSpec:\n        image: ${IMAGE}\nparameters:\n- name: IMAGE\n  required: true\n- name: REGION\n  required: true\n",
    )
    .unwrap();
    let (_dir, chart) = convert(&input);
    let err = render(&chart, &[]).expect_err("nothing is set");
    assert!(err.contains("'IMAGE'") && err.contains("'REGION'"), "{err}");
    render_ok(&chart, &["--set", "parameters.IMAGE=x,parameters.REGION=eu"]);
}

// ------------------------------------------------------------------------------------------
// A strict values schema (issue 15, bug 6)
// ------------------------------------------------------------------------------------------

#[test]
fn misspelt_values_keys_fail_in_every_block() {
    let (_dir, chart) = convert(&repo().join("fixtures/koku-like.yaml"));
    for (set, typo) in [
        ("databse.bundled.enabled=false", "databse"),
        ("database.bundled.enabeld=false", "enabeld"),
        ("database.bundled.resources.limits.cpus=2", "cpus"),
        ("metrics.serviceMonitor.enable=true", "enable"),
        ("kafka.topics.nmes.x=y", "nmes"),
        ("resourceDefaults.limit.cpu=1", "limit"),
    ] {
        let err = render(&chart, &["--set", set]).expect_err(set);
        assert!(err.contains(&format!("'{typo}'")) && err.contains("not allowed"), "--set {set}: the error names `{typo}`:\n{err}");
    }
    // The right keys still work.
    render_ok(&chart, &["--set", "metrics.serviceMonitor.enabled=true", "--set", "database.bundled.resources.limits.cpu=2"]);
}

#[test]
fn a_values_map_declared_open_accepts_keys_of_the_user() {
    // A block another part of clowd2helm may add for user-supplied env vars: declared open.
    let text = fs::read_to_string(repo().join("fixtures/minimal.yaml")).unwrap();
    let mut model = clowd2helm::model_from_text("minimal.yaml", &text, &Default::default()).unwrap();
    model.values.push(ValuesBlock { key: "extraEnv".into(), comment: "Env vars of your own.".into(), value: ValuesNode::open(json!({})) });
    model.values.push(ValuesBlock { key: "closed".into(), comment: String::new(), value: ValuesNode::map(vec![("a", "", ValuesNode::leaf(1))]) });
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in clowd2helm::chart_files(&model, "0.1.0") {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    render_ok(dir.path(), &["--set", "extraEnv.ANY_NAME=x,extraEnv.OTHER=y"]);
    let err = render(dir.path(), &["--set", "closed.b=2"]).expect_err("a closed map refuses keys");
    assert!(err.contains("'b'"), "{err}");
}

#[test]
fn secret_content_the_chart_creates_is_free_form_the_rest_of_its_block_is_not() {
    // A Secret the pods read but the template does not define: values declare its content open.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("external.yaml");
    fs::write(
        &input,
        "apiVersion: cloud.redhat.com/v1alpha1\nkind: ClowdApp\nmetadata:\n  name: ext\nspec:\n  envName: env\n  deployments:\n  - name: api\n    podSpec:\n      image: quay.io/example/ext:1\n      env:\n      - name: TOKEN\n        valueFrom:\n          secretKeyRef:\n            name: creds\n            key: token\n",
    )
    .unwrap();
    let (_dir, chart) = convert(&input);
    let rendered = objects(&render_ok(&chart, &["--set", "secrets.creds.create=true", "--set", "secrets.creds.stringData.token=t,secrets.creds.stringData.extra=x"]));
    assert_eq!(named(&rendered, "Secret", "creds")["stringData"], json!({"extra": "x", "token": "t"}));
    let err = render(&chart, &["--set", "secrets.creds.craete=true"]).expect_err("a misspelt switch of the block");
    assert!(err.contains("'craete'"), "{err}");
}
