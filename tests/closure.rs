//! Install closure, as a user relies on it: every object a pod needs exists in the release by the
//! time the pod is created, or it is an external that `gap-report.json` lists with the value that
//! resolves it; `verify` proves it and names the workload and the field when it breaks.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(file)
}

fn convert(template: &Path, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(template).arg("-o").arg(&chart).args(args).output().unwrap();
    assert!(out.status.success(), "convert {} failed:\n{}", template.display(), String::from_utf8_lossy(&out.stderr));
    (dir, chart)
}

use tools::verify;

fn show(o: &Output) -> String {
    format!("exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}", o.status.code(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn closure_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).lines().find(|l| l.starts_with("install closure: ")).unwrap_or_else(|| panic!("no closure line\n{}", show(o))).to_string()
}

fn render(chart: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(tools::helm()).args(["template", "t"]).arg(chart).args(args).output().unwrap();
    assert!(out.status.success(), "helm template failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    clowd2helm::source::yaml::load_documents("rendered", &text).unwrap().iter().filter(|d| !d.is_null()).map(|d| d.to_json()).collect()
}

/// (kind, name) of every non-optional Secret/ConfigMap/PVC reference in the rendered pods that
/// the rendered output does not create: computed here from the manifests alone.
fn uncreated(docs: &[Value]) -> BTreeSet<(String, String)> {
    let created: BTreeSet<(String, String)> = docs.iter().map(|d| (d["kind"].as_str().unwrap_or("").to_string(), d["metadata"]["name"].as_str().unwrap_or("").to_string())).collect();
    let mut out = BTreeSet::new();
    let mut visit = |kind: &str, r: &Value, name_key: &str| {
        if r.get("optional") != Some(&Value::Bool(true)) {
            let key = (kind.to_string(), r[name_key].as_str().unwrap_or("").to_string());
            if !created.contains(&key) {
                out.insert(key);
            }
        }
    };
    for d in docs {
        let pod = match d["kind"].as_str() {
            Some("Deployment" | "StatefulSet" | "Job") => &d["spec"]["template"]["spec"],
            Some("CronJob") => &d["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            _ => continue,
        };
        for c in pod["containers"].as_array().into_iter().chain(pod["initContainers"].as_array()).flatten() {
            for e in c["env"].as_array().into_iter().flatten() {
                if let Some(r) = e["valueFrom"].get("secretKeyRef") {
                    visit("Secret", r, "name");
                }
                if let Some(r) = e["valueFrom"].get("configMapKeyRef") {
                    visit("ConfigMap", r, "name");
                }
            }
        }
        for v in pod["volumes"].as_array().into_iter().flatten() {
            if let Some(r) = v.get("secret") {
                visit("Secret", r, "secretName");
            }
            if let Some(r) = v.get("configMap") {
                visit("ConfigMap", r, "name");
            }
            if let Some(r) = v.get("persistentVolumeClaim") {
                visit("PersistentVolumeClaim", r, "claimName");
            }
        }
    }
    out
}

fn externals(chart: &Path) -> Vec<Value> {
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    report["externals"].as_array().cloned().unwrap_or_default()
}

#[test]
fn koku_newest_at_defaults_lists_every_uncreated_reference_with_a_values_key() {
    let Some(template) = upstream::koku_latest("koku_newest_at_defaults_lists_every_uncreated_reference_with_a_values_key") else { return };
    let (_dir, chart) = convert(&template, &[]);
    let missing = uncreated(&render(&chart, &[]));
    assert!(missing.contains(&("Secret".into(), "koku-aws".into())) && missing.contains(&("Secret".into(), "koku-gcp".into())), "{missing:?}");
    let listed: BTreeSet<(String, String)> = externals(&chart)
        .iter()
        .filter(|e| e["needed_at_defaults"] == Value::Bool(true))
        .map(|e| {
            assert!(!e["values_key"].as_str().unwrap_or("").is_empty(), "external without values_key: {e}");
            assert!(e["source"]["line"].as_u64().unwrap_or(0) > 0, "external without a source line: {e}");
            (e["kind"].as_str().unwrap().to_string(), e["name"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(listed, missing, "externals needed at defaults = references the release does not create");
    let out = verify(&template, &chart, tools::NO_ARGS);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(closure_line(&out).ends_with(", 0 violated"), "{}", show(&out));
    // The decisions are in the report and in NOTES.txt.
    let md = fs::read_to_string(chart.join("GAP_REPORT.md")).unwrap();
    assert!(md.contains(&format!("## Decisions before install ({})", missing.len())), "{md}");
    let notes = Command::new(tools::helm()).args(["install", "t", "--dry-run=client"]).arg(&chart).output().unwrap();
    let notes = String::from_utf8_lossy(&notes.stdout);
    for (kind, name) in &missing {
        assert!(notes.contains(&format!("  - {kind} {name} (")), "NOTES.txt names {kind}/{name}:\n{notes}");
    }
    // Resolving them from values empties the list and closes the release.
    // (The object store reads the same credentials as the AWS_* variables, under their keys.)
    let sets = [
        "--set", "secrets.koku-aws.create=true",
        "--set", "secrets.koku-gcp.optional=true",
        "--set", "objectStore.external.existingSecret=koku-aws",
        "--set", "objectStore.external.accessKeyKey=aws_access_key_id",
        "--set", "objectStore.external.secretKeyKey=aws_secret_access_key",
    ];
    let out = verify(&template, &chart, &[&sets[..], &["--closed"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(uncreated(&render(&chart, &sets)).is_empty());
}

/// The small shop fixture with its one required parameter set.
fn shop() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let template = fixture("report-small.yaml");
    let (dir, chart) = convert(&template, &[]);
    (dir, chart, template)
}

const SHOP_SET: [&str; 2] = ["--set", "parameters.LICENSE_KEY=x"];

#[test]
fn the_fixture_verifies_and_names_its_external() {
    let (_d, chart, template) = shop();
    let out = verify(&template, &chart, &SHOP_SET);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(closure_line(&out).contains("1 external (Secret/shop-aws via secrets.shop-aws)"), "{}", show(&out));
    // --closed refuses externals, until the chart creates the Secret.
    let out = verify(&template, &chart, &[&SHOP_SET[..], &["--closed"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let out = verify(&template, &chart, &[&SHOP_SET[..], &["--closed", "--set", "secrets.shop-aws.create=true"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn a_created_secret_removed_fails_naming_workload_and_field() {
    let (_d, chart, template) = shop();
    fs::remove_file(chart.join("templates/secret-shop-secret.yaml")).unwrap();
    let out = verify(&template, &chart, &SHOP_SET);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("install closure violated: Deployment/shop-api (release resource): container shop-api: env DJANGO_SECRET_KEY: Secret/shop-secret is not created by the release and not listed in gap-report.json externals[]"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_hook_ordered_before_what_it_needs_fails() {
    let (_d, chart, template) = shop();
    let job = chart.join("templates/job-migrate.yaml");
    let text = fs::read_to_string(&job).unwrap();
    assert!(text.contains("post-install,post-upgrade"));
    // Run the migration before the release's ServiceAccount and config Secret exist.
    fs::write(&job, text.replace("post-install,post-upgrade", "pre-install,pre-upgrade")).unwrap();
    let out = verify(&template, &chart, &SHOP_SET);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Job/shop-migrate (pre-install hook, weight 0): serviceAccountName: ServiceAccount/shop-app is created only later (release resource), after the pod"), "{}", show(&out));
}

#[test]
fn an_external_without_a_values_key_fails() {
    let (_d, chart, template) = shop();
    let path = chart.join("gap-report.json");
    let mut report: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    for e in report["externals"].as_array_mut().unwrap() {
        e["values_key"] = Value::String(String::new());
    }
    fs::write(&path, serde_json::to_string(&report).unwrap()).unwrap();
    let out = verify(&template, &chart, &SHOP_SET);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Secret/shop-aws is listed in gap-report.json externals[] without a values_key"), "{}", show(&out));
    // Without the report nothing proves the closure.
    fs::remove_file(&path).unwrap();
    let out = verify(&template, &chart, &SHOP_SET);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Secret/shop-aws is not created by the release (the chart has no gap-report.json listing externals)"), "{}", show(&out));
}

/// The rule holds for every app of ours: each fixture converts to a chart whose pods only
/// reference what the release creates or what the report lists.
#[test]
fn every_fixture_app_satisfies_the_closure_rule() {
    let required: &[(&str, &[&str])] = &[("report-small.yaml", &SHOP_SET), ("required-parameter.yaml", &["--set", "parameters.DATABASE_HOST=db"])];
    let mut checked = 0;
    for entry in fs::read_dir(fixture("")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".yaml") || name.starts_with("error-") {
            continue;
        }
        let sets = required.iter().find(|(f, _)| *f == name).map(|(_, s)| *s).unwrap_or(&[]);
        let (_d, chart) = convert(&path, &[]);
        let out = verify(&path, &chart, sets);
        let line = closure_line(&out);
        assert!(line.ends_with(", 0 violated"), "{name}: {}", show(&out));
        let listed: BTreeSet<(String, String)> = externals(&chart).iter().map(|e| (e["kind"].as_str().unwrap().to_string(), e["name"].as_str().unwrap().to_string())).collect();
        for m in uncreated(&render(&chart, sets)) {
            assert!(listed.contains(&m), "{name}: {m:?} is not created and not listed");
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} fixtures found");
}
