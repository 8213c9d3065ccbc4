//! `gap --against` on the patterns real hand-written charts show (issue 12), one fixture chart
//! each under `fixtures/charts/`, all against `fixtures/charts/cost-clowdapp.yaml`. What a
//! test expects of a chart is read from the chart as helm renders it (with serde_yaml_ng, not
//! the project's reader) or from its values.yaml, so changing a fixture changes the expectation.

#[path = "common/tools.rs"]
mod tools;

use serde_json::Value as J;
use serde_yaml_ng::Value as Y;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const APP: &str = "fixtures/charts/cost-clowdapp.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clowd2helm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(args).env("CLOWD2HELM_HELM", tools::helm()).current_dir(root()).output().expect("clowd2helm runs")
}

fn run(args: &[&str]) -> String {
    let out = clowd2helm(args);
    assert!(out.status.success(), "clowd2helm {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn validate(report: &J) {
    let schema: J = serde_json::from_str(&std::fs::read_to_string(root().join("docs/gap-report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(report).map(|e| format!("{} at {}", e, e.instance_path())).take(5).collect();
    assert!(errors.is_empty(), "schema errors: {errors:?}");
}

/// `gap APP --against fixtures/charts/CHART [extra] --format json`, schema-checked.
fn against(chart: &str, extra: &[&str]) -> J {
    let dir = format!("fixtures/charts/{chart}");
    let mut args = vec!["gap", APP, "--against", &dir, "--format", "json"];
    args.extend(extra);
    let report: J = serde_json::from_str(&run(&args)).unwrap();
    validate(&report);
    report
}

fn component<'a>(r: &'a J, name: &str) -> &'a J {
    r["comparison"]["components"].as_array().unwrap().iter().find(|c| c["component"] == name).unwrap_or_else(|| panic!("component {name} in the comparison"))
}

fn strings(v: &J) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn evidence_kinds(c: &J) -> BTreeSet<String> {
    c["evidence"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

/// The chart's documents as helm renders them (release = chart name, as `gap` does).
fn rendered(chart: &str, extra: &[&str]) -> Vec<Y> {
    let out = Command::new(tools::helm()).args(["template", chart, &format!("fixtures/charts/{chart}")]).args(extra).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "helm template {chart}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // serde_yaml_ng refuses duplicate keys; the duplicate-key chart is read through its names only.
    serde_yaml_ng::Deserializer::from_str(&text).filter_map(|d| <Y as serde::Deserialize>::deserialize(d).ok()).filter(|d| !d.is_null()).collect()
}

fn workload_names(docs: &[Y]) -> Vec<String> {
    docs.iter().filter(|d| ["Deployment", "StatefulSet", "Job", "CronJob"].contains(&d["kind"].as_str().unwrap_or(""))).map(|d| d["metadata"]["name"].as_str().unwrap().to_string()).collect()
}

fn values(chart: &str) -> Y {
    serde_yaml_ng::from_str(&std::fs::read_to_string(root().join(format!("fixtures/charts/{chart}/values.yaml"))).unwrap()).unwrap()
}

#[test]
fn one_api_deployment_serves_reads_and_writes() {
    let r = against("merged-api", &[]);
    let names = workload_names(&rendered("merged-api", &[]));
    assert_eq!(names.len(), 1, "the fixture has one API Deployment");
    for c in ["api-reads", "api-writes"] {
        let m = component(&r, c);
        assert_eq!(m["status"], "matched", "{c}");
        assert_eq!(strings(&m["matched_with"]), names, "{c} is served by the one API Deployment");
        let kinds = evidence_kinds(m);
        assert!(kinds.contains("image") && kinds.contains("name"), "{c}: {kinds:?}");
        assert!(m["confidence"].is_string());
    }
    // The nginx router and the internal API are not that Deployment, and the report says why.
    let nginx = component(&r, "clowder-api");
    assert_eq!(nginx["status"], "missing");
    assert_eq!(nginx["closest"]["workload"].as_str(), Some(names[0].as_str()));
    assert!(nginx["closest"]["rejected_because"].as_str().unwrap().contains("reverse proxy"), "{}", nginx["closest"]);
    assert_eq!(component(&r, "masu")["status"], "missing");
    assert_eq!(r["comparison"]["totals"]["matched"], 2);
}

/// Queues a rendered worker consumes: `-Q` after expanding `$(VAR)` and `$VAR` from its env,
/// Celery's `celery` when it names none. Beat is not a worker.
fn chart_queues(docs: &[Y]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in docs.iter().filter(|d| d["kind"].as_str() == Some("Deployment")) {
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        let mut words: Vec<String> = ["command", "args"].iter().flat_map(|k| c[*k].as_sequence().cloned().unwrap_or_default()).map(|w| w.as_str().unwrap().to_string()).collect::<Vec<_>>().join(" ").split_whitespace().map(str::to_string).collect();
        if !words.iter().any(|w| w == "worker") {
            continue;
        }
        for e in c["env"].as_sequence().into_iter().flatten() {
            let (n, v) = (e["name"].as_str().unwrap(), e["value"].as_str().unwrap_or(""));
            for w in &mut words {
                *w = w.replace(&format!("$({n})"), v).replace(&format!("${n}"), v);
            }
        }
        match words.iter().position(|w| w == "-Q") {
            Some(i) => out.extend(words[i + 1].split(',').map(str::to_string)),
            None => {
                out.insert("celery".to_string());
            }
        }
    }
    out
}

/// Queues the ClowdApp's workers consume (the fixture writes `-Q NAME` or `-Q $WORKER_QUEUES`).
fn app_queues() -> BTreeSet<String> {
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(root().join(APP)).unwrap()).unwrap();
    let app = doc["objects"].as_sequence().unwrap().iter().find(|o| o["kind"].as_str() == Some("ClowdApp")).unwrap();
    let mut out = BTreeSet::new();
    for d in app["spec"]["deployments"].as_sequence().unwrap() {
        let cmd: Vec<String> = d["podSpec"]["command"].as_sequence().cloned().unwrap_or_default().iter().map(|w| w.as_str().unwrap().to_string()).collect::<Vec<_>>().join(" ").split_whitespace().map(str::to_string).collect();
        if let Some(i) = cmd.iter().position(|w| w == "-Q") {
            let q = if cmd[i + 1] == "$WORKER_QUEUES" {
                d["podSpec"]["env"].as_sequence().unwrap().iter().find(|e| e["name"] == "WORKER_QUEUES").unwrap()["value"].as_str().unwrap().to_string()
            } else {
                cmd[i + 1].clone()
            };
            out.extend(q.split(',').map(str::to_string));
        }
    }
    out
}

#[test]
fn renamed_workers_are_matched_by_the_queues_their_env_names() {
    let r = against("renamed-workers", &[]);
    let rel = "renamed-workers";
    let pairs = [("worker-celery", "celery-worker-default"), ("worker-priority", "celery-worker-priority"), ("worker-summary", "reports-worker")];
    for (ours, theirs) in pairs {
        let m = component(&r, ours);
        assert_eq!((m["status"].as_str(), strings(&m["matched_with"])), (Some("matched"), vec![format!("{rel}-{theirs}")]), "{ours}");
        assert!(evidence_kinds(m).contains("queues"), "{ours} is matched on its queue");
    }
    // Beat has another name and no queue: the only Celery beat on either side.
    let beat = component(&r, "scheduler");
    assert_eq!(strings(&beat["matched_with"]), [format!("{rel}-celery-beat")]);
    assert!(evidence_kinds(beat).contains("unique-role"));
    // A worker whose queue nobody consumes, with its nearest worker and why that is not it.
    let xl = component(&r, "worker-priority-xl");
    assert_eq!(xl["status"], "missing");
    assert_eq!(xl["closest"]["workload"].as_str(), Some(format!("{rel}-celery-worker-priority").as_str()));
    assert!(xl["closest"]["rejected_because"].as_str().unwrap().contains("priority_xl"));
    // Unconsumed queues: the app's minus the chart's, both computed here.
    let want: BTreeSet<String> = app_queues().difference(&chart_queues(&rendered(rel, &[]))).cloned().collect();
    let got: BTreeSet<String> = r["comparison"]["queues"].as_array().unwrap().iter().filter(|q| q["status"] == "unconsumed").map(|q| q["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, want);
    assert!(got.contains("download") && got.contains("priority_xl"));
    // The scheduler lists them: the report calls that a risk.
    assert!(r["comparison"]["risks"][0].as_str().unwrap().contains("`priority_xl`"));
    let md = run(&["gap", APP, "--against", "fixtures/charts/renamed-workers"]);
    assert!(md.contains("**Queues no chart workload consumes** (2): `download`, `priority_xl`."), "{md}");
}

#[test]
fn a_gateway_replaces_the_nginx_router() {
    let r = against("gateway", &[]);
    let m = component(&r, "clowder-api");
    assert_eq!(m["status"], "replaced");
    assert_eq!(strings(&m["matched_with"]), workload_names(&rendered("gateway", &[])));
    let image = values("gateway")["gateway"]["image"].as_str().unwrap().to_string();
    let software = image.rsplit('/').next().unwrap().split(':').next().unwrap();
    let reason = m["replaced_reason"].as_str().unwrap();
    assert!(reason.contains("nginx-124") && reason.contains(software), "{reason}");
    assert!(evidence_kinds(m).contains("unique-role"));
    assert_eq!(r["comparison"]["totals"]["replaced"], 1);
}

#[test]
fn templates_switched_off_at_defaults_count_as_absent_and_are_named() {
    let r = against("gated", &[]);
    let rendered_names = workload_names(&rendered("gated", &[]));
    assert_eq!(rendered_names, ["gated-worker-summary"], "only the ungated template renders");
    assert_eq!(component(&r, "worker-summary")["status"], "matched");
    let listener = component(&r, "listener");
    assert_eq!(listener["status"], "missing", "its template is off at defaults");
    assert_eq!(strings(&listener["gated_templates"]), ["gated/templates/deployment-listener.yaml"]);
    let download = component(&r, "worker-download");
    assert_eq!(strings(&download["gated_templates"]), ["gated/templates/cloud-providers/deployment-worker-download.yaml"]);
    // `--set` reaches helm: with the listener switched on it is there and matched.
    let on = against("gated", &["--against-set", "listener.enabled=true"]);
    assert_eq!(component(&on, "listener")["status"], "matched");
    assert_eq!(on["comparison"]["chart"]["set"], serde_json::json!(["listener.enabled=true"]));
    assert!(on["comparison"]["chart"]["render"]["command"].as_str().unwrap().contains("--set listener.enabled=true"));
    // So does a values file.
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("on.yaml");
    std::fs::write(&v, "listener:\n  enabled: true\n").unwrap();
    let on = against("gated", &["--against-values", v.to_str().unwrap()]);
    assert_eq!(component(&on, "listener")["status"], "matched");
}

#[test]
fn a_duplicate_key_in_the_rendered_chart_keeps_the_last_value_with_a_note() {
    let r = against("duplicate-key", &[]);
    assert_eq!(component(&r, "worker-priority")["status"], "matched", "the document is read, not skipped");
    let notes = r["comparison"]["reading"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["kind"], "duplicate-key");
    assert_eq!(notes[0]["template"], "duplicate-key/templates/worker-priority.yaml");
    // The two lines, found here in helm's output.
    let out = Command::new(tools::helm()).args(["template", "duplicate-key", "fixtures/charts/duplicate-key"]).current_dir(root()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.trim() == "securityContext:").map(|(i, _)| i + 1).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(notes[0]["line"].as_u64(), Some(lines[1] as u64));
    assert!(notes[0]["message"].as_str().unwrap().contains(&format!("lines {} and {}", lines[0], lines[1])));
    let md = run(&["gap", APP, "--against", "fixtures/charts/duplicate-key"]);
    assert!(md.contains("### Reading the chart") && md.contains("securityContext"));
}

#[test]
fn an_unreadable_document_is_skipped_and_named_by_its_template() {
    let r = against("unreadable-document", &[]);
    let notes = r["comparison"]["reading"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0]["kind"].as_str(), notes[0]["template"].as_str()), (Some("skipped-document"), Some("unreadable-document/templates/settings.yaml")));
    assert_eq!(component(&r, "worker-summary")["status"], "matched", "the other documents are compared");
    assert!(r["comparison"]["risks"].as_array().unwrap().iter().any(|x| x.as_str().unwrap().contains("could not be read")));
}

#[test]
fn a_pre_install_migration_job_is_the_invoked_migration() {
    let r = against("migrate-job", &[]);
    let m = component(&r, "db-migrate");
    assert_eq!(strings(&m["matched_with"]), workload_names(&rendered("migrate-job", &[])));
    assert_eq!(m["status"], "matched");
    let docs = rendered("migrate-job", &[]);
    let hook = docs[0]["metadata"]["annotations"]["helm.sh/hook"].as_str().unwrap();
    let d = m["differences"].as_array().unwrap().iter().find(|d| d["field"] == "hook").expect("the hook phase differs");
    assert_eq!((d["clowdapp"].as_str(), d["chart"].as_str()), (Some("post-install,post-upgrade"), Some(hook)));
}

#[test]
fn kafka_behind_an_external_name_service_is_external() {
    let r = against("externalname-kafka", &[]);
    let kafka = r["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == "kafka").unwrap();
    assert_eq!(kafka["status"], "external");
    let target = values("externalname-kafka")["kafka"]["bootstrap"].as_str().unwrap().to_string();
    assert!(kafka["evidence"][0].as_str().unwrap().contains("ExternalName") && kafka["evidence"][0].as_str().unwrap().contains(&target), "{}", kafka["evidence"]);
}

#[test]
fn an_s3_endpoint_in_env_is_an_external_object_store() {
    let r = against("s3-endpoint", &[]);
    let store = r["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == "objectStore").unwrap();
    assert_eq!(store["status"], "external");
    let endpoint = values("s3-endpoint")["s3"]["endpoint"].as_str().unwrap().to_string();
    assert!(store["evidence"][0].as_str().unwrap().contains(&endpoint));
    // Without any evidence the same provider is missing.
    let other = against("merged-api", &[]);
    let store = other["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == "objectStore").unwrap();
    assert_eq!(store["status"], "missing");
}

#[test]
fn decisions_turn_gaps_into_accepted_ones_and_flag_stale_ones() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("decisions.yaml");
    std::fs::write(
        &f,
        "decisions:\n- component: sources-listener\n  reason: sources are integrated on-prem\n- component: \"*-xl\"\n  reason: cloud-scale workers are SaaS only\n- queue: priority_xl\n  reason: no xl worker on-prem\n- provider: featureFlags\n  reason: flags answered by a mock\n- secret: cost-gcp\n  reason: no GCP sources\n- component: no-such-thing\n  reason: stale\n",
    )
    .unwrap();
    let out = clowd2helm(&["gap", APP, "--against", "fixtures/charts/renamed-workers", "--decisions", f.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning:") && stderr.contains("decisions.yaml:12") && stderr.contains("no-such-thing"), "{stderr}");
    let r: J = serde_json::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    validate(&r);
    let c = &r["comparison"];
    assert_eq!((component(&r, "sources-listener")["status"].as_str(), component(&r, "sources-listener")["accepted_reason"].as_str()), (Some("accepted"), Some("sources are integrated on-prem")));
    assert_eq!(component(&r, "worker-priority-xl")["status"], "accepted", "the glob covers it");
    assert_eq!(component(&r, "worker-download")["status"], "missing", "nothing covers it");
    assert_eq!(c["queues"].as_array().unwrap().iter().find(|q| q["name"] == "priority_xl").unwrap()["status"], "accepted");
    assert_eq!(c["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == "featureFlags").unwrap()["status"], "accepted");
    assert_eq!(c["missing_secrets"].as_array().unwrap().iter().find(|s| s["name"] == "cost-gcp").unwrap()["status"], "accepted");
    assert_eq!(c["totals"]["accepted"], 2);
    assert_eq!(c["decisions"]["unused"].as_array().unwrap().len(), 1);
    let md = run(&["gap", APP, "--against", "fixtures/charts/renamed-workers", "--decisions", f.to_str().unwrap()]);
    assert!(md.contains("#### Accepted omissions (2)") && md.contains("| `cost-sources-listener` | sources are integrated on-prem |"));
    assert!(md.contains("- line 12: `component: no-such-thing`"));
    // A broken decisions file is bad input: exit 2, file and line named, nothing printed.
    std::fs::write(&f, "decisions:\n- component: x\n").unwrap();
    let out = clowd2helm(&["gap", APP, "--against", "fixtures/charts/renamed-workers", "--decisions", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("decisions.yaml:2:"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn without_helm_it_stops_and_says_why_or_reads_what_you_rendered() {
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["gap", APP, "--against", "fixtures/charts/renamed-workers", "--helm", "/nonexistent/helm"]).env_remove("CLOWD2HELM_HELM").current_dir(root()).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "a missing tool");
    assert!(out.stdout.is_empty(), "no report from unrendered templates");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--against-rendered"));
    // helm that fails: the chart cannot be compared.
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(["gap", APP, "--against", "fixtures/charts/renamed-workers", "--helm", "/bin/false"]).current_dir(root()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("helm template"));
    // The manifests rendered by hand give the same classification as helm's run.
    let text = Command::new(tools::helm()).args(["template", "renamed-workers", "fixtures/charts/renamed-workers"]).current_dir(root()).output().unwrap().stdout;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rendered.yaml");
    std::fs::write(&f, text).unwrap();
    let r: J = serde_json::from_str(&run(&["gap", APP, "--against-rendered", f.to_str().unwrap(), "--format", "json"])).unwrap();
    validate(&r);
    let by_helm = against("renamed-workers", &[]);
    let statuses = |r: &J| r["comparison"]["components"].as_array().unwrap().iter().map(|c| (c["component"].clone(), c["status"].clone(), c["matched_with"].clone())).collect::<Vec<_>>();
    assert_eq!(statuses(&r), statuses(&by_helm));
    assert_eq!(r["comparison"]["chart"]["render"]["method"], "file");
    assert_eq!(r["comparison"]["chart"]["name"], "renamed-workers", "named after the `# Source:` lines");
}

#[test]
fn reports_carry_no_absolute_path() {
    let abs_app = root().join(APP);
    let abs_chart = root().join("fixtures/charts/renamed-workers");
    let root_text = root().display().to_string();
    for format in ["json", "md"] {
        let out = run(&["gap", abs_app.to_str().unwrap(), "--against", abs_chart.to_str().unwrap(), "--format", format]);
        assert!(!out.contains(&root_text), "gap --format {format} names {root_text}");
    }
    // convert's reports too.
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    run(&["convert", abs_app.to_str().unwrap(), "-o", chart.to_str().unwrap()]);
    for f in ["GAP_REPORT.md", "gap-report.json"] {
        let text = std::fs::read_to_string(chart.join(f)).unwrap();
        assert!(!text.contains(&root_text), "{f} names {root_text}");
        assert!(text.contains(APP), "{f} names the input relative to the working folder");
    }
}

#[test]
fn no_credential_of_the_chart_reaches_the_report() {
    // A chart that writes credentials in plain env values (it happens): the evidence quotes
    // env values, so the report must leave these out.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rendered.yaml");
    let secret = "s3cr3t-value-1234";
    std::fs::write(
        &f,
        format!(
            "---\n# Source: plain/templates/worker.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker-priority\nspec:\n  template:\n    spec:\n      containers:\n      - name: w\n        image: quay.io/example/cost:2.4\n        command: [celery, -A, cost, worker, -Q, priority]\n        env:\n        - name: DATABASE_PASSWORD\n          value: {secret}\n        - name: REDIS_URL\n          value: redis://:{secret}@cache.example.com:6379/0\n        - name: API_TOKEN\n          value: {secret}\n"
        ),
    )
    .unwrap();
    for format in ["json", "md"] {
        let out = run(&["gap", APP, "--against-rendered", f.to_str().unwrap(), "--format", format]);
        assert!(!out.contains(secret), "--format {format} quotes a credential");
    }
    let r: J = serde_json::from_str(&run(&["gap", APP, "--against-rendered", f.to_str().unwrap(), "--format", "json"])).unwrap();
    assert_eq!(component(&r, "worker-priority")["status"], "matched");
    let cache = r["comparison"]["infrastructure"].as_array().unwrap().iter().find(|i| i["provider"] == "inMemoryDb").unwrap();
    assert_eq!(cache["status"], "external", "the URL still says where the cache is: {}", cache["evidence"]);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = run(&["gap", APP, "--against", "fixtures/charts/cost-onprem-like", "--format", "json"]);
    let b = run(&["gap", APP, "--against", "fixtures/charts/cost-onprem-like", "--format", "json"]);
    assert_eq!(a, b);
}

#[test]
fn the_report_opens_with_its_summary_and_folds_long_tables() {
    let md = run(&["gap", APP, "--against", "fixtures/charts/renamed-workers"]);
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.first(), Some(&"## Executive summary"));
    assert_eq!(headings.get(1), Some(&"## Comparison with chart `renamed-workers`"));
    assert_eq!(headings.last(), Some(&"## Appendix"));
    let appendix = md.split("## Appendix").nth(1).unwrap();
    assert!(appendix.contains("```mermaid") && appendix.contains("### Translation ledger"));
    assert!(md.contains("<details>"), "the ledger is folded");
    let summary = md.split("## Comparison").next().unwrap();
    assert!(summary.contains("**Components**") && summary.contains("**Top risks**"));
}

#[test]
fn the_pattern_charts_lint() {
    for chart in ["merged-api", "renamed-workers", "gateway", "gated", "duplicate-key", "unreadable-document", "migrate-job", "externalname-kafka", "s3-endpoint", "cost-onprem-like"] {
        let out = Command::new(tools::helm()).args(["lint"]).arg(Path::new("fixtures/charts").join(chart)).current_dir(root()).output().unwrap();
        assert!(out.status.success(), "helm lint {chart}: {}", String::from_utf8_lossy(&out.stdout));
    }
}
