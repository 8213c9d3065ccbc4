//! No declared parameter reaches a rendered manifest as `${NAME}` text (issue 11, class 4):
//! `oc process` substitutes every field, so a `${NAME}` left in the chart's output is a field the
//! conversion did not wire to its parameter (the literal `${INCOMING_TOPIC}` once found in a
//! cdappconfig.json). Every fixture of the repository and every upstream Koku version is
//! converted in both config modes and rendered twice: at its defaults, and with every optional
//! object switched on (bundled services, KafkaTopics, bucket jobs, ServiceMonitors, KEDA, the
//! ordered install), so that each place a name can land is rendered.

#[path = "common/tools.rs"]
mod tools;
#[path = "common/upstream.rs"]
mod upstream;
#[path = "common/args.rs"]
mod args;

use clowd2helm::source::yaml;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for dir in [root.clone(), root.join("realworld")] {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_file() && name.ends_with(".yaml") && !name.ends_with(".values.yaml") && !name.starts_with("error-") {
                out.push(p);
            }
        }
    }
    out.sort();
    out.extend(upstream::koku_all("no_declared_parameter_is_rendered_as_text"));
    out
}

/// Every values path (dotted, from the chart's values.yaml) that switches an optional object on.
fn switches(values: &Value, path: &str, out: &mut Vec<String>) {
    let Value::Object(m) = values else { return };
    for (k, v) in m {
        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        let on = (k == "enabled" && ["bundled", "createBuckets", "serviceMonitor", "keda"].iter().any(|s| path.ends_with(s))) || (k == "create" && path.ends_with("topics")) || (k == "ordered" && path == "install");
        if on && v.is_boolean() {
            out.push(format!("{p}=true"));
        } else if k == "prometheusServerAddress" {
            out.push(format!("{p}=http://prometheus:9090"));
        } else {
            switches(v, &p, out);
        }
    }
}

/// `--set` arguments for the required parameters without a default (from gap-report.json).
fn required_values(chart: &Path) -> Vec<String> {
    let report: Value = serde_json::from_str(&fs::read_to_string(chart.join("gap-report.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    for p in report["parameters"]["all"].as_array().unwrap() {
        if p["required"] != Value::Bool(true) || !p["default"].is_null() || !p["generate_from"].is_null() {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        match p["type"].as_str() {
            Some("integer") | Some("number") | Some("number-or-string") => out.extend(["--set".to_string(), format!("parameters.{name}=1")]),
            Some("boolean") => out.extend(["--set".to_string(), format!("parameters.{name}=true")]),
            _ => out.extend(["--set-string".to_string(), format!("parameters.{name}=set-{}", name.to_ascii_lowercase().replace('_', "-"))]),
        }
    }
    out
}

/// `${NAME}` / `${{NAME}}` of a declared parameter in `text`, unless the parameter's own value
/// holds that text (a default written as `${IMAGE}` substitutes to itself in OpenShift too).
fn leaks(text: &str, declared: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, default) in declared {
        for marker in [format!("${{{name}}}"), format!("${{{{{name}}}}}")] {
            if default.contains(&marker) {
                continue;
            }
            if let Some(i) = text.find(&marker) {
                let line = text[..i].lines().count();
                out.push(format!("{marker} on line {line}: {}", text[i.saturating_sub(60)..(i + marker.len() + 20).min(text.len())].replace('\n', "⏎")));
            }
        }
    }
    out
}

#[test]
fn no_declared_parameter_is_rendered_as_text() {
    let all = inputs();
    assert!(all.len() >= 15, "the repository's fixtures are all there: {all:?}");
    let mut failures = Vec::new();
    let mut renders = 0;
    for input in &all {
        let text = fs::read_to_string(input).unwrap();
        let parsed = clowd2helm::source::template::parse(&input.display().to_string(), &text).unwrap();
        let declared: Vec<(String, String)> = parsed.parameters.iter().map(|p| (p.name.clone(), p.value.clone().unwrap_or_default())).collect();
        let values_file = input.with_extension("values.yaml");
        for mode in ["env", "cdappconfig"] {
            let tmp = tempfile::tempdir().unwrap();
            let chart = tmp.path().join("chart");
            let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).arg("convert").arg(input).arg("-o").arg(&chart).args(["--config-mode", mode]).args(args::convert_args(input)).output().unwrap();
            assert!(out.status.success(), "convert {} --config-mode {mode}:\n{}", input.display(), String::from_utf8_lossy(&out.stderr));
            let values = yaml::load_documents("values.yaml", &fs::read_to_string(chart.join("values.yaml")).unwrap()).unwrap()[0].to_json();
            let mut on = Vec::new();
            switches(&values, "", &mut on);
            let mut base: Vec<String> = vec!["template".into(), "t".into(), chart.display().to_string()];
            if values_file.is_file() {
                base.extend(["-f".to_string(), values_file.display().to_string()]);
            } else {
                base.extend(required_values(&chart));
            }
            let everything: Vec<String> = base.iter().cloned().chain(on.iter().flat_map(|s| ["--set".to_string(), s.clone()])).collect();
            for (what, args) in [("defaults", &base), ("every switch on", &everything)] {
                let r = Command::new(tools::helm()).args(args).output().unwrap();
                let name = format!("{} ({mode}, {what})", input.display());
                if !r.status.success() {
                    failures.push(format!("{name}: helm template failed:\n{}", String::from_utf8_lossy(&r.stderr)));
                    continue;
                }
                renders += 1;
                let found = leaks(&String::from_utf8_lossy(&r.stdout), &declared);
                if !found.is_empty() {
                    failures.push(format!("{name}:\n  {}", found.join("\n  ")));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(renders >= 4 * 15, "every input rendered four ways ({renders} renders)");
}

#[test]
fn a_leak_is_found_where_one_is() {
    let declared = vec![("TOPIC".to_string(), "in".to_string()), ("IMAGE".to_string(), "${IMAGE}".to_string())];
    assert_eq!(leaks("topics: [{\"name\": \"${TOPIC}\"}]", &declared).len(), 1);
    assert_eq!(leaks("replicas: ${{TOPIC}}", &declared).len(), 1);
    assert!(leaks("image: ${IMAGE}:1", &declared).is_empty(), "a default that is itself `${{IMAGE}}` substitutes to itself");
    assert!(leaks("cmd: ${APP_HOME}/run", &declared).is_empty(), "undeclared names are shell variables");
}
