//! Shapes of ClowdApp templates teams write besides Koku's (issue 11): a bare ClowdApp without a
//! Template, resource quantities in every notation, CronJob-only apps, apps without deployments,
//! jobs no ClowdJobInvocation runs, KEDA on a bare ClowdApp, and the parameter constructs of
//! `fixtures/realworld/`. Every fixture there converts, passes `helm lint --strict`, renders,
//! passes `kubernetes-validate --strict` and `clowd2helm verify`; each shape then shows the
//! behaviour a user relies on.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/args.rs"]
mod args;

use clowd2helm::source::{process, template, yaml};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/realworld")
}

fn fixture(name: &str) -> PathBuf {
    dir().join(format!("{name}.yaml"))
}

/// Every fixture of the folder, with the values file that sets its required parameters, if any
/// (`<name>.values.yaml`).
fn fixtures() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out: Vec<(PathBuf, Option<PathBuf>)> = fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.to_string_lossy().ends_with(".values.yaml"))
        .map(|p| {
            let values = p.with_extension("values.yaml");
            let values = values.is_file().then_some(values);
            (p, values)
        })
        .collect();
    out.sort();
    out
}

fn convert(input: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(input).arg("-o").arg(&chart).args(args::convert_args(input)).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
    (tmp, chart)
}

fn helm(args: &[&str]) -> Result<String, String> {
    let out = Command::new(tools::helm()).args(args).output().unwrap();
    if out.status.success() { Ok(String::from_utf8_lossy(&out.stdout).into_owned()) } else { Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))) }
}

fn render(chart: &Path, args: &[&str]) -> String {
    let mut all = vec!["template", "t", chart.to_str().unwrap()];
    all.extend_from_slice(args);
    helm(&all).unwrap_or_else(|e| panic!("helm template {args:?}:\n{e}"))
}

fn objects(manifests: &str) -> Vec<Value> {
    yaml::load_documents("helm-output", manifests).expect("helm output is YAML").iter().map(yaml::Node::to_json).filter(|v| !v.is_null()).collect()
}

fn kinds(objects: &[Value]) -> BTreeSet<String> {
    objects.iter().map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap())).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name} in {:?}", kinds(objects)))
}

fn has_keda(chart: &Path) -> bool {
    fs::read_to_string(chart.join("values.yaml")).unwrap().lines().any(|l| l == "autoscaling:")
}

fn findings(chart: &Path, rule: &str) -> Vec<Value> {
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).cloned().collect()
}

/// The ClowdApp as `oc process` outputs it with the parameter defaults.
fn processed_app(input: &Path) -> Value {
    let text = fs::read_to_string(input).unwrap();
    let parsed = template::parse(&input.display().to_string(), &text).unwrap();
    let values = process::parameter_values(&parsed, &BTreeMap::new());
    let app = parsed.objects.iter().find(|o| o.get("kind").and_then(yaml::Node::as_str) == Some("ClowdApp")).expect("a ClowdApp");
    process::process_node(app, &values)
}

#[test]
fn every_realworld_fixture_converts_lints_renders_validates_and_verifies() {
    let all = fixtures();
    assert!(all.len() >= 9, "the shapes of issue 11 are all there: {all:?}");
    let mut failures = Vec::new();
    for (input, values) in &all {
        let (_tmp, chart) = convert(input);
        let chart_s = chart.to_str().unwrap();
        let values_args: Vec<&str> = values.iter().flat_map(|v| ["-f", v.to_str().unwrap()]).collect();
        let mut settings: Vec<Vec<&str>> = vec![values_args.clone()];
        if has_keda(&chart) {
            settings.push([values_args.clone(), vec!["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]].concat());
        }
        for args in settings {
            let name = format!("{} {args:?}", input.file_name().unwrap().to_string_lossy());
            if let Err(e) = helm(&[&["lint", "--strict", chart_s][..], &args].concat()) {
                failures.push(format!("{name}: helm lint --strict:\n{e}"));
                continue;
            }
            let manifests = match helm(&[&["template", "t", chart_s][..], &args].concat()) {
                Ok(m) => m,
                Err(e) => {
                    failures.push(format!("{name}: helm template:\n{e}"));
                    continue;
                }
            };
            if let Err(e) = tools::validate_manifests(&manifests) {
                failures.push(format!("{name}: {e}"));
            }
            let verify = tools::verify(input, &chart, &args);
            if !verify.status.success() {
                failures.push(format!("{name}: verify exited {:?}:\n{}{}", verify.status.code(), String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_bare_clowdapp_becomes_a_chart_named_after_it() {
    let (_tmp, chart) = convert(&fixture("bare-clowdapp"));
    assert!(fs::read_to_string(chart.join("Chart.yaml")).unwrap().contains("name: notebook\n"));
    assert!(fs::read_to_string(chart.join("values.yaml")).unwrap().contains("parameters: {}\n"), "no parameters, still a map");
    let rendered = objects(&render(&chart, &[]));
    let web = named(&rendered, "Deployment", "notebook-web");
    assert_eq!(web["spec"]["replicas"], json!(2));
    assert_eq!(web["spec"]["selector"]["matchLabels"], json!({"app": "notebook", "team": "paper", "pod": "notebook-web"}), "ClowdApp labels select the pods, as under Clowder");
    assert_eq!(web["spec"]["template"]["spec"]["containers"][0]["image"], json!("quay.io/example/notebook:1.4.2"));
    named(&rendered, "Service", "notebook-web");
}

#[test]
fn quantities_render_as_written() {
    let input = fixture("quantities");
    let app = processed_app(&input);
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    for dep in app["spec"]["deployments"].as_array().unwrap() {
        let name = format!("sizes-{}", dep["name"].as_str().unwrap());
        let got = &named(&rendered, "Deployment", &name)["spec"]["template"]["spec"]["containers"][0]["resources"];
        assert_eq!(got, &dep["podSpec"]["resources"], "{name}: every quantity as the template wrote it (0.5Gi, 500m, 1.5, a parameter)");
    }
    // A quantity set by the user may be a number or a string, for a typed parameter too.
    let rendered = objects(&render(&chart, &["--set", "parameters.MEMORY_REQUEST=1Gi", "--set", "resourceDefaults.limits.cpu=2", "--set-string", "parameters.WORKER_CPU=500m"]));
    assert_eq!(named(&rendered, "Deployment", "sizes-api")["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"], json!("1Gi"));
    assert_eq!(named(&rendered, "Deployment", "sizes-worker")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"], json!("500m"));
    let rendered = objects(&render(&chart, &["--set", "parameters.WORKER_CPU=2"]));
    assert_eq!(named(&rendered, "Deployment", "sizes-worker")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"], json!(2));
}

#[test]
fn a_cronjob_only_app_renders_its_cronjobs_and_no_deployment() {
    let (_tmp, chart) = convert(&fixture("cronjob-only"));
    let rendered = objects(&render(&chart, &[]));
    assert!(!rendered.iter().any(|o| o["kind"] == "Deployment" || o["kind"] == "Service"), "{:?}", kinds(&rendered));
    let purge = named(&rendered, "CronJob", "nightly-purge");
    assert_eq!(purge["spec"]["schedule"], json!("0 2 * * *"), "schedule from its parameter");
    assert_eq!(purge["spec"]["concurrencyPolicy"], json!("Forbid"));
    let digest = named(&rendered, "CronJob", "nightly-digest");
    assert_eq!(digest["spec"]["suspend"], json!(false), "a typed boolean");
    named(&rendered, "ServiceAccount", "nightly-app");
    let rendered = objects(&render(&chart, &["--set", "parameters.DIGEST_SUSPENDED=true", "--set-string", "parameters.PURGE_SCHEDULE=5 4 * * *"]));
    assert_eq!(named(&rendered, "CronJob", "nightly-digest")["spec"]["suspend"], json!(true));
    assert_eq!(named(&rendered, "CronJob", "nightly-purge")["spec"]["schedule"], json!("5 4 * * *"));
}

#[test]
fn an_app_without_deployments_renders_its_infrastructure_only() {
    let (_tmp, chart) = convert(&fixture("no-deployments"));
    let rendered = objects(&render(&chart, &[]));
    let workloads: Vec<&Value> = rendered.iter().filter(|o| ["Deployment", "CronJob", "Job"].contains(&o["kind"].as_str().unwrap()) && !o["metadata"]["labels"]["pod"].is_null()).collect();
    assert!(workloads.is_empty(), "the app runs nothing itself: {:?}", kinds(&rendered));
    // Its database is still provided (bundled by default) for the apps that share it.
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    let infra = serde_json::to_string(&report).unwrap();
    assert!(infra.contains("\"database\"") && infra.contains("ledger.entries"), "the report lists the database and the topic");
    assert!(rendered.iter().any(|o| o["kind"] == "StatefulSet" || o["kind"] == "Deployment"), "the bundled database runs: {:?}", kinds(&rendered));
}

#[test]
fn jobs_no_invocation_runs_render_nothing_and_are_reported() {
    let input = fixture("uninvoked-jobs");
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    assert!(!rendered.iter().any(|o| o["kind"] == "Job" || o["kind"] == "CronJob"), "Clowder creates nothing for them: {:?}", kinds(&rendered));
    named(&rendered, "Deployment", "ingest-service");
    let text = fs::read_to_string(&input).unwrap();
    let lines: Vec<usize> = ["backfill", "reindex"].iter().map(|j| text.lines().position(|l| l.trim() == format!("- name: {j}")).unwrap() + 1).collect();
    let found: Vec<u64> = findings(&chart, "job.never-invoked").iter().map(|f| f["source"]["line"].as_u64().unwrap()).collect();
    assert_eq!(found, lines.iter().map(|l| *l as u64).collect::<Vec<_>>(), "one finding per job, at its line");
}

#[test]
fn keda_on_a_bare_clowdapp_renders_behind_its_switch() {
    let (_tmp, chart) = convert(&fixture("keda-bare"));
    let off = objects(&render(&chart, &[]));
    assert!(!off.iter().any(|o| o["kind"] == "ScaledObject"));
    assert_eq!(named(&off, "Deployment", "render-worker")["spec"]["replicas"], json!(2), "minReplicaCount while KEDA is off");
    let on = objects(&render(&chart, &["--set", "autoscaling.keda.enabled=true", "--set", "autoscaling.keda.prometheusServerAddress=http://prometheus:9090"]));
    let so = named(&on, "ScaledObject", "render-worker");
    assert_eq!(so["spec"]["minReplicaCount"], json!(2));
    assert_eq!(so["spec"]["maxReplicaCount"], json!(6));
    assert_eq!(so["spec"]["triggers"].as_array().unwrap().iter().map(|t| t["type"].clone()).collect::<Vec<_>>(), vec![json!("cpu"), json!("cron")]);
    assert!(named(&on, "Deployment", "render-worker")["spec"].get("replicas").is_none(), "KEDA owns the replica count");
}

fn cdappconfig(rendered: &[Value], app: &str) -> Value {
    let secret = named(rendered, "Secret", app);
    serde_json::from_str(secret["stringData"]["cdappconfig.json"].as_str().expect("cdappconfig.json")).unwrap()
}

fn args(o: &Value) -> Value {
    let pod = if o["kind"] == "CronJob" { &o["spec"]["jobTemplate"]["spec"]["template"] } else { &o["spec"]["template"] };
    pod["spec"]["containers"][0]["args"].clone()
}

/// The line of the `occurrence`-th (1-based) line of `text` whose trimmed form is `line`.
fn line_of(text: &str, line: &str, occurrence: usize) -> u64 {
    text.lines().enumerate().filter(|(_, l)| l.trim() == line).nth(occurrence - 1).map(|(i, _)| i as u64 + 1).unwrap_or_else(|| panic!("no {line:?} #{occurrence}"))
}

fn render_err(chart: &Path, args: &[&str]) -> String {
    let mut all = vec!["template", "t", chart.to_str().unwrap()];
    all.extend_from_slice(args);
    helm(&all).expect_err("rendering must fail")
}

#[test]
fn a_name_from_a_parameter_names_every_object_with_its_default_and_pins_it() {
    let input = fixture("name-from-parameter");
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    // What `oc process` with the defaults hands Clowder: ClowdApp `exports`.
    for (kind, name) in [("Deployment", "exports-api"), ("Service", "exports-api"), ("ServiceAccount", "exports-api"), ("Secret", "exports"), ("Secret", "exports-db"), ("StatefulSet", "exports-db"), ("Job", "exports-migrate"), ("ServiceAccount", "exports-app"), ("ConfigMap", "exports-settings")] {
        named(&rendered, kind, name);
    }
    let api = named(&rendered, "Deployment", "exports-api");
    assert_eq!(api["spec"]["selector"]["matchLabels"], json!({"app": "exports", "service": "exports", "pod": "exports-api"}));
    assert_eq!(api["spec"]["template"]["spec"]["containers"][0]["env"][0], json!({"name": "APP_NAME", "value": "exports"}));
    let config = cdappconfig(&rendered, "exports");
    assert_eq!(config["metadata"]["name"], json!("exports"));
    assert_eq!(config["endpoints"][0]["apiPaths"], json!(["/api/exports/"]));
    assert_eq!(config["database"]["name"], json!("exports"));
    assert_eq!(config["database"]["hostname"], json!("exports-db"));
    // The bundled database sets `service: db` over the app's own `service` label: one key.
    let db = named(&rendered, "StatefulSet", "exports-db");
    assert_eq!(db["metadata"]["labels"]["service"], json!("db"));
    assert_eq!(db["spec"]["selector"]["matchLabels"]["service"], json!("db"));
    // The name is fixed: another value is refused, naming the parameter, instead of renaming
    // some objects and not others.
    let schema: Value = serde_json::from_str(&fs::read_to_string(chart.join("values.schema.json")).unwrap()).unwrap();
    assert_eq!(schema["properties"]["parameters"]["properties"]["APP_NAME"]["const"], json!("exports"));
    let err = render_err(&chart, &["--set-string", "parameters.APP_NAME=reports"]);
    assert!(err.contains("APP_NAME"), "{err}");
    let text = fs::read_to_string(&input).unwrap();
    let pins: Vec<u64> = findings(&chart, "parameter.pinned").iter().map(|f| f["source"]["line"].as_u64().unwrap()).collect();
    assert_eq!(pins, vec![line_of(&text, "name: ${APP_NAME}", 2), line_of(&text, "appName: ${APP_NAME}", 1)], "the ClowdApp name and the invocation's appName are reported where they are written");
    // Parameters that name nothing are not pinned.
    assert!(schema["properties"]["parameters"]["properties"]["IMAGE_TAG"].get("const").is_none());
}

#[test]
fn duplicate_job_names_run_as_clowder_runs_them_and_are_reported_with_both_lines() {
    let input = fixture("duplicate-job-names");
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    // The CronJob comes from the scheduled entry, the invoked Job from the first entry of the name.
    assert_eq!(args(named(&rendered, "CronJob", "ledger-rollup")), json!(["rollup", "--hourly"]));
    assert_eq!(args(named(&rendered, "Job", "ledger-rollup")), json!(["rollup", "--once"]));
    assert_eq!(args(named(&rendered, "CronJob", "ledger-compact")), json!(["compact"]));
    assert_eq!(args(named(&rendered, "Job", "ledger-compact")), json!(["compact"]), "the unscheduled repeat is never used");
    assert_eq!(rendered.iter().filter(|o| o["kind"] == "Job" || o["kind"] == "CronJob").count(), 4);
    let text = fs::read_to_string(&input).unwrap();
    let found: Vec<(u64, String)> = findings(&chart, "job.duplicate-name").iter().map(|f| (f["source"]["line"].as_u64().unwrap(), f["message"].as_str().unwrap().to_string())).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    for ((line, message), job) in found.iter().zip(["rollup", "compact"]) {
        let (first, second) = (line_of(&text, &format!("- name: {job}"), 1), line_of(&text, &format!("- name: {job}"), 2));
        assert_eq!(*line, second, "reported at the repeat");
        assert!(message.contains(&format!("lines {first} and {second}")), "both lines named: {message}");
    }
}

#[test]
fn parameters_reach_every_field_clowder_reads() {
    let input = fixture("parameters-everywhere");
    let (_tmp, chart) = convert(&input);
    let on = ["--set", "kafka.bundled.enabled=true", "--set", "kafka.topics.create=true", "--set", "objectStore.bundled.enabled=true"];
    let check = |extra: &[&str], incoming: &str, bucket: &str| {
        let rendered = objects(&render(&chart, &[&on[..], extra].concat()));
        let config = cdappconfig(&rendered, "results");
        let topics: Vec<(Value, Value)> = config["kafka"]["topics"].as_array().unwrap().iter().map(|t| (t["requestedName"].clone(), t["name"].clone())).collect();
        assert_eq!(topics, vec![(json!(incoming), json!(incoming)), (json!("results.outgoing.v1"), json!("results.outgoing.v1")), (json!("results.dead-letter"), json!("results.dead-letter"))]);
        named(&rendered, "KafkaTopic", incoming);
        assert_eq!(named(&rendered, "KafkaTopic", incoming)["spec"]["partitions"], json!(6));
        let kafka = named(&rendered, "StatefulSet", "results-kafka");
        let env = kafka["spec"]["template"]["spec"]["containers"][0]["env"].as_array().unwrap();
        let topics_env = env.iter().find(|e| e["name"] == "APP_TOPICS").unwrap()["value"].as_str().unwrap().to_string();
        assert_eq!(topics_env, format!("{incoming} results.outgoing.v1 results.dead-letter"), "the bundled Kafka creates the requested names");
        let buckets: Vec<Value> = config["objectStore"]["buckets"].as_array().unwrap().iter().map(|b| b["requestedName"].clone()).collect();
        assert_eq!(buckets, vec![json!(bucket), json!("results-results-env-exports")]);
        assert_eq!(config["database"]["name"], json!("results"));
        assert_eq!(config["endpoints"][0]["apiPaths"], json!(["/api/results/"]));
        assert!(config["featureFlags"].is_object(), "featureFlags: ${{FLAGS_ENABLED}} at its default true");
        assert!(config["inMemoryDb"].is_object());
    };
    check(&[], "results.incoming", "results-archive");
    // Set the parameters as a team would per environment: every place follows.
    check(&["--set-string", "parameters.INCOMING_TOPIC=results.incoming.stage", "--set-string", "parameters.ARCHIVE_BUCKET=archive-stage"], "results.incoming.stage", "archive-stage");
    // Parameters that name another app or decide which objects exist were fixed at conversion.
    let schema: Value = serde_json::from_str(&fs::read_to_string(chart.join("values.schema.json")).unwrap()).unwrap();
    let params = &schema["properties"]["parameters"]["properties"];
    for (name, value) in [("AUTH_APP", json!("gatekeeper")), ("NOTIFY_APP", json!("notifier")), ("CACHE_APP", json!("sessions")), ("CACHE_ENABLED", json!(true)), ("FLAGS_ENABLED", json!(true))] {
        assert_eq!(params[name]["const"], value, "{name} is pinned");
    }
    for name in ["INCOMING_TOPIC", "ARCHIVE_BUCKET", "DB_NAME", "API_NAME"] {
        assert!(params[name].get("const").is_none(), "{name} stays free");
    }
    let values = fs::read_to_string(chart.join("values.yaml")).unwrap();
    assert!(values.contains("\ndependencies:\n  gatekeeper:\n    host: gatekeeper\n"), "the dependency's values key and host are the app the parameter names");
    assert!(values.contains("\noptionalDependencies:\n  notifier:\n"));
    assert!(render_err(&chart, &["--set-string", "parameters.AUTH_APP=keycloak"]).contains("AUTH_APP"));
    assert_eq!(findings(&chart, "provider.kafka-topic-parameter").len(), 2, "each topic named by a parameter says it follows it");
}

#[test]
fn several_clowdapps_keep_their_own_values_and_share_as_clowder_does() {
    let input = fixture("several-apps");
    let (_tmp, chart) = convert(&input);
    let values_text = fs::read_to_string(chart.join("values.yaml")).unwrap();
    // Strict reading: no key twice at any level (Helm would silently keep the last one).
    let values = yaml::load_documents("values.yaml", &values_text).expect("values.yaml has no duplicate key")[0].to_json();
    for key in ["database", "inMemoryDb", "kafka", "objectStore", "featureFlags", "dependencies"] {
        assert!(values.get(key).is_none(), "no top-level `{key}`: each app has its own");
    }
    assert!(values["apps"]["catalog-api"]["database"].is_object());
    assert!(values["apps"]["catalog-api"]["inMemoryDb"].is_object());
    assert!(values["apps"]["catalog-indexer"].get("database").is_none(), "the indexer shares the API's database");
    assert!(values["apps"]["catalog-indexer"].get("inMemoryDb").is_none(), "and its cache");
    assert_eq!(values["apps"]["catalog-indexer"]["kafka"]["topics"]["names"], json!({"catalog.changes": "catalog.changes", "catalog.index-requests": "catalog.index-requests"}));
    assert_eq!(values["apps"]["catalog-indexer"]["dependencies"]["catalog-api"]["host"], json!("catalog-api-web"), "the dependency is the API's Service");

    let rendered = objects(&render(&chart, &[]));
    let (api, indexer) = (cdappconfig(&rendered, "catalog-api"), cdappconfig(&rendered, "catalog-indexer"));
    assert_eq!(indexer["database"], api["database"], "the same server, database and credentials");
    assert_eq!(indexer["database"]["hostname"], json!("catalog-api-db"));
    assert_eq!(indexer["inMemoryDb"]["hostname"], json!("catalog-api-redis"));
    assert!(!rendered.iter().any(|o| o["metadata"]["name"] == "catalog-indexer-db" || o["metadata"]["name"] == "catalog-indexer-redis"), "{:?}", kinds(&rendered));
    assert!(api.get("featureFlags").is_none() && indexer["featureFlags"].is_object(), "each app's own providers");

    // Moving the API's database out moves the indexer with it.
    let rendered = objects(&render(&chart, &["--set", "apps.catalog-api.database.bundled.enabled=false", "--set", "apps.catalog-api.database.external.host=pg.example.com", "--set", "apps.catalog-api.database.external.existingSecret=catalog-pg"]));
    assert!(!rendered.iter().any(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"] == "catalog-api-db"));
    for app in ["catalog-api", "catalog-indexer"] {
        assert_eq!(cdappconfig(&rendered, app)["database"]["hostname"], json!("pg.example.com"), "{app}");
    }
    // One app's bundled Kafka does not start the other's.
    let rendered = objects(&render(&chart, &["--set", "apps.catalog-indexer.kafka.bundled.enabled=true"]));
    named(&rendered, "StatefulSet", "catalog-indexer-kafka");
    assert!(!rendered.iter().any(|o| o["metadata"]["name"] == "catalog-api-kafka"));
    assert_eq!(cdappconfig(&rendered, "catalog-api")["kafka"]["brokers"][0]["hostname"], json!("kafka"));
    assert_eq!(cdappconfig(&rendered, "catalog-indexer")["kafka"]["brokers"][0]["hostname"], json!("catalog-indexer-kafka"));
    let shared: Vec<String> = findings(&chart, "provider.database-shared").iter().chain(&findings(&chart, "provider.in-memory-db-shared")).map(|f| f["outcome"].as_str().unwrap().to_string()).collect();
    assert_eq!(shared, vec!["translated", "translated"], "sharing an app of the chart needs no input");
}

#[test]
fn fields_written_where_clowder_has_none_are_left_out_and_reported_with_their_lines() {
    let input = fixture("misplaced-fields");
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    // Clowder never saw these fields (the API server pruned them), so it ran its defaults.
    let dispatcher = named(&rendered, "Deployment", "courier-dispatcher");
    assert_eq!(dispatcher["spec"]["replicas"], json!(1), "podSpec.minReplicas was pruned: one replica, as under Clowder");
    assert!(dispatcher["spec"].get("minReadySeconds").is_none());
    assert_eq!(dispatcher["spec"]["strategy"]["type"], json!("Recreate"), "privateStrategy, which Clowder does read, still applies");
    assert!(dispatcher["spec"]["template"]["spec"].get("imagePullSecrets").is_none());
    let sweep = named(&rendered, "CronJob", "courier-sweep");
    let limits = &sweep["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"];
    assert_ne!(limits["memory"], json!("1Gi"), "resources above podSpec were pruned: the environment's defaults apply");
    // Each one is a decision for the user, at the line it is written, saying where it belongs.
    let text = fs::read_to_string(&input).unwrap();
    let found: Vec<(u64, String)> = findings(&chart, "input.misplaced-field").iter().map(|f| (f["source"]["line"].as_u64().unwrap(), f["message"].as_str().unwrap().to_string())).collect();
    let expected = [("pullSecrets:", "global.imagePullSecrets"), ("rollingParams:", "privateStrategy"), ("minReplicas: ${{REPLICAS}}", "the deployment"), ("minReadySeconds: 20", "Kubernetes Deployment field"), ("resources:", "under `podSpec`")];
    let mut want: Vec<(u64, &str)> = expected.iter().map(|(l, why)| (line_of(&text, l, if *l == "resources:" { 2 } else { 1 }), *why)).collect();
    want.sort();
    assert_eq!(found.len(), want.len(), "{found:?}");
    for ((line, message), (want_line, why)) in found.iter().zip(&want) {
        assert_eq!(line, want_line, "{message}");
        assert!(message.contains(why), "line {line}: {message} should say {why}");
    }
    for f in findings(&chart, "input.misplaced-field") {
        assert_eq!(f["outcome"], json!("needs-input"), "{f}");
    }
}

#[test]
fn a_name_from_a_required_parameter_takes_the_value_given_with_param() {
    let input = fixture("name-from-required-parameter");
    let bin = env!("CARGO_BIN_EXE_clowd2helm");
    // Without the value the name is unknown: refused, pointing at --param, nothing written.
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(bin).arg("convert").arg(&input).arg("-o").arg(tmp.path().join("chart")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--param OWNER=VALUE"), "{stderr}");
    assert!(!tmp.path().join("chart").exists());
    // With it, as `oc process -p OWNER=inventory` would name them.
    assert_eq!(args::convert_args(&input), vec!["--param", "OWNER=inventory"]);
    let (_tmp, chart) = convert(&input);
    let rendered = objects(&render(&chart, &[]));
    named(&rendered, "CronJob", "inventory-export-export");
    named(&rendered, "Secret", "inventory-export");
    let env = &named(&rendered, "CronJob", "inventory-export-export")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(env.as_array().unwrap().contains(&json!({"name": "OWNER", "value": "inventory"})), "{env}");
    let given = findings(&chart, "parameter.given");
    assert_eq!(given.len(), 1);
    assert!(!given[0]["message"].as_str().unwrap().contains("inventory"), "a given value may be a secret: the report does not repeat it");
    // `check` rebuilds the chart with the recorded value and finds it up to date.
    let check = Command::new(bin).arg("check").arg(&input).arg("-o").arg(&chart).output().unwrap();
    assert!(check.status.success(), "{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stderr).contains("--param OWNER"), "check says it used the recorded value");
    // A parameter the template does not declare is a mistake: exit 2, named.
    let out = Command::new(bin).arg("convert").arg(&input).args(["--param", "OWNR=inventory", "-o"]).arg(tmp.path().join("other")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `OWNER`?"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!tmp.path().join("other").exists());
}
