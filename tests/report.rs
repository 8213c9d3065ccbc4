//! The gap report (issue 4): what it says about Koku, checked against facts computed here
//! independently from the YAML (serde_yaml_ng, not the project's parser); the JSON against its
//! schema; the Markdown against a golden file; the Mermaid block for well-formedness.

#[path = "common/upstream.rs"]
mod upstream;

use serde_json::Value as J;
use serde_yaml_ng::Value as Y;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// Koku's newest upstream template, or `None` after a visible skip line.
fn koku(test: &str) -> Option<String> {
    upstream::koku_latest(test).map(|p| p.display().to_string())
}
const SMALL: &str = "fixtures/report-small.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run clowd2helm in the repository root; returns stdout (panics on failure).
pub fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(args).current_dir(root()).output().expect("clowd2helm runs");
    assert!(out.status.success(), "clowd2helm {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn gap_json(file: &str) -> J {
    serde_json::from_str(&run(&["gap", file, "--format", "json"])).expect("gap prints JSON")
}

// ---------- an independent reading of the template ----------

struct Template {
    params: BTreeMap<String, String>,
    app: Y,
}

fn load(path: &str) -> Template {
    let text = std::fs::read_to_string(path).expect("input readable");
    let doc: Y = serde_yaml_ng::from_str(&text).expect("YAML");
    let mut params = BTreeMap::new();
    for p in doc["parameters"].as_sequence().into_iter().flatten() {
        let name = p["name"].as_str().unwrap().to_string();
        let value = match &p["value"] {
            Y::String(s) => s.clone(),
            Y::Number(n) => n.to_string(),
            Y::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        // A parameter declared twice keeps its first value (as `oc process` does).
        params.entry(name).or_insert(value);
    }
    let app = doc["objects"].as_sequence().unwrap().iter().find(|o| o["kind"].as_str() == Some("ClowdApp")).expect("a ClowdApp").clone();
    Template { params, app }
}

impl Template {
    /// `${X}` and `${{X}}` replaced by parameter defaults.
    fn subst(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let (typed, after) = match after.strip_prefix('{') {
                Some(a) => (true, a),
                None => (false, after),
            };
            let end = after.find('}').unwrap();
            let name = &after[..end];
            match self.params.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(&rest[i..i + 2 + usize::from(typed) + end + 1 + usize::from(typed)]),
            }
            rest = &after[end + 1 + usize::from(typed)..];
        }
        out.push_str(rest);
        out
    }
    fn scalar(&self, v: &Y) -> String {
        match v {
            Y::String(s) => self.subst(s),
            Y::Number(n) => n.to_string(),
            Y::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }
    fn deployments(&self) -> &Vec<Y> {
        self.app["spec"]["deployments"].as_sequence().unwrap()
    }
    fn jobs(&self) -> Vec<Y> {
        self.app["spec"]["jobs"].as_sequence().cloned().unwrap_or_default()
    }
    fn app_name(&self) -> String {
        self.app["metadata"]["name"].as_str().unwrap().to_string()
    }
}

/// Millicores of a CPU quantity.
fn millicores(q: &str) -> u64 {
    match q.strip_suffix('m') {
        Some(m) => m.parse().unwrap(),
        None => (q.parse::<f64>().unwrap() * 1000.0).round() as u64,
    }
}

/// Bytes of a memory quantity.
fn bytes(q: &str) -> u64 {
    for (suffix, mult) in [("Ki", 1u64 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000)] {
        if let Some(n) = q.strip_suffix(suffix) {
            return (n.parse::<f64>().unwrap() * mult as f64).round() as u64;
        }
    }
    q.parse().unwrap()
}

// ---------- JSON Schema ----------

fn validate(report: &J) {
    let schema: J = serde_json::from_str(&std::fs::read_to_string(root().join("docs/gap-report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(report).map(|e| format!("{} at {}", e, e.instance_path())).take(10).collect();
    assert!(errors.is_empty(), "gap-report.json does not match docs/gap-report.schema.json:\n{}", errors.join("\n"));
}

// ---------- Koku: the "must show" list ----------

#[test]
fn koku_report_names_all_deployments_and_jobs() {
    let Some(koku) = koku("koku_report_names_all_deployments_and_jobs") else { return };
    let koku = koku.as_str();
    let t = load(koku);
    let report = gap_json(koku);
    let md = run(&["gap", koku]);
    let app = t.app_name();
    let deployments: Vec<String> = t.deployments().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect();
    let jobs: Vec<String> = t.jobs().iter().map(|j| j["name"].as_str().unwrap().to_string()).collect();
    assert!(deployments.len() > 16, "the input has {} deployments", deployments.len());

    let comps = report["components"].as_array().unwrap();
    let kinds = |k: &str| comps.iter().filter(|c| c["kind"] == k).map(|c| c["component"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(kinds("Deployment"), deployments);
    assert_eq!(kinds("Job"), jobs);
    assert_eq!(report["summary"]["components"]["deployments"], deployments.len());
    assert_eq!(report["summary"]["components"]["jobs"], jobs.len());
    assert!(md.contains(&format!("| Deployments | {} |", deployments.len())), "summary counts the deployments");
    assert!(md.contains(&format!("### Deployments ({})", deployments.len())));
    for d in &deployments {
        assert!(md.contains(&format!("| `{app}-{d}` |")), "the Markdown lists deployment {d}");
    }
    for j in &jobs {
        assert!(md.contains(&format!("`{j}`")), "the Markdown lists job {j} as written");
    }
}

#[test]
fn koku_worker_queues_from_worker_queues_env_and_q_argument() {
    let Some(koku) = koku("koku_worker_queues_from_worker_queues_env_and_q_argument") else { return };
    let koku = koku.as_str();
    let t = load(koku);
    // Independently: every WORKER_QUEUES env value and every literal `-Q x` in a command.
    let mut expected = BTreeSet::new();
    let mut consumers = BTreeSet::new();
    for d in t.deployments() {
        let ps = &d["podSpec"];
        let words: Vec<String> = ps["command"].as_sequence().into_iter().flatten().chain(ps["args"].as_sequence().into_iter().flatten()).map(|w| t.scalar(w)).collect();
        let tokens: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
        let q_arg = tokens.iter().position(|w| *w == "-Q").map(|i| tokens[i + 1]);
        for e in ps["env"].as_sequence().into_iter().flatten() {
            if e["name"].as_str() == Some("WORKER_QUEUES") {
                for q in t.scalar(&e["value"]).split(',').filter(|q| !q.is_empty()) {
                    expected.insert(q.to_string());
                }
            }
        }
        if let Some(a) = q_arg {
            consumers.insert(d["name"].as_str().unwrap().to_string());
            if !a.starts_with('$') {
                expected.extend(a.split(',').map(str::to_string));
            }
        }
    }
    let report = gap_json(koku);
    let got: BTreeSet<String> = report["worker_queues"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, expected);
    assert_eq!(report["summary"]["worker_queues"], expected.len());
    // Each queue is consumed by some worker that has `-Q`.
    for q in report["worker_queues"].as_array().unwrap() {
        assert!(!q["consumed_by"].as_array().unwrap().is_empty(), "queue {} has a consumer", q["name"]);
    }
    let with_q: BTreeSet<String> = report["components"].as_array().unwrap().iter().filter(|c| c["consumes_queues"] == true).map(|c| c["component"].as_str().unwrap().to_string()).collect();
    assert_eq!(with_q, consumers);
    let md = run(&["gap", koku]);
    assert!(md.contains(&format!("### Worker queues ({})", expected.len())));
    for q in &expected {
        assert!(md.contains(&format!("| `{q}` |")), "queue {q} in the Markdown");
    }
}

#[test]
fn koku_secrets_and_the_trino_reference() {
    let Some(koku) = koku("koku_secrets_and_the_trino_reference") else { return };
    let koku = koku.as_str();
    let t = load(koku);
    let report = gap_json(koku);
    let secrets = report["secrets"].as_array().unwrap();
    let secret = |n: &str| secrets.iter().find(|s| s["name"] == n).unwrap_or_else(|| panic!("Secret {n} reported"));
    assert_eq!(secret("koku-secret")["provided_by"], "chart");
    assert!(secret("koku-secret")["keys"].as_array().unwrap().contains(&J::from("django-secret-key")));
    assert_eq!(secret("koku-aws")["provided_by"], "cluster", "koku-aws is not in the template: it must exist");
    let aws_users = secret("koku-aws")["used_by"].as_array().unwrap().len();
    // Independently: containers with a secretKeyRef to koku-aws.
    let refs = t.deployments().iter().chain(t.jobs().iter()).filter(|d| d["podSpec"]["env"].as_sequence().into_iter().flatten().any(|e| e["valueFrom"]["secretKeyRef"]["name"].as_str() == Some("koku-aws"))).count();
    assert_eq!(aws_users, refs);
    let md = run(&["gap", koku]);
    assert!(md.contains("`koku-secret`") && md.contains("`koku-aws`"));

    let trino_host = t.params["TRINO_HOST"].clone();
    let unserved = report["unserved_services"].as_array().unwrap();
    let trino = unserved.iter().find(|s| s["env"] == "TRINO_HOST").expect("TRINO_HOST is reported as a service nothing deploys");
    assert_eq!(trino["host"], trino_host.as_str());
    assert!(trino["what"].as_str().unwrap().contains("Trino"));
    assert!(md.contains("## Services referenced but not deployed") && md.contains(&format!("`{trino_host}`")));
}

#[test]
fn koku_resource_totals_match_a_hand_computation() {
    let Some(koku) = koku("koku_resource_totals_match_a_hand_computation") else { return };
    let koku = koku.as_str();
    let t = load(koku);
    let int = |v: &Y| t.scalar(v).parse::<u64>().unwrap();
    let (mut pods, mut req_cpu, mut req_mem, mut lim_cpu, mut lim_mem) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut max_pods, mut max_req_cpu) = (0u64, 0u64);
    for d in t.deployments() {
        let (n, max) = match d.get("autoScaler") {
            Some(a) => (int(&a["minReplicaCount"]), int(&a["maxReplicaCount"])),
            None => (int(&d["replicas"]), int(&d["replicas"])),
        };
        let r = &d["podSpec"]["resources"];
        for k in ["cpu", "memory"] {
            assert!(!r["requests"][k].is_null() && !r["limits"][k].is_null(), "{} sets requests and limits", d["name"].as_str().unwrap());
        }
        pods += n;
        max_pods += max;
        req_cpu += n * millicores(&t.scalar(&r["requests"]["cpu"]));
        max_req_cpu += max * millicores(&t.scalar(&r["requests"]["cpu"]));
        req_mem += n * bytes(&t.scalar(&r["requests"]["memory"]));
        lim_cpu += n * millicores(&t.scalar(&r["limits"]["cpu"]));
        lim_mem += n * bytes(&t.scalar(&r["limits"]["memory"]));
    }
    let report = gap_json(koku);
    let d = &report["summary"]["deployments"];
    assert_eq!(d["unresolved"], J::Array(vec![]));
    assert_eq!(d["at_defaults"]["pods"], pods);
    assert_eq!(d["at_defaults"]["requests"]["cpu_millicores"], req_cpu);
    assert_eq!(d["at_defaults"]["requests"]["memory_bytes"], req_mem);
    assert_eq!(d["at_defaults"]["limits"]["cpu_millicores"], lim_cpu);
    assert_eq!(d["at_defaults"]["limits"]["memory_bytes"], lim_mem);
    let fixed = d["fixed"]["pods"].as_u64().unwrap();
    assert_eq!(fixed + d["autoscaled"]["max_pods"].as_u64().unwrap(), max_pods);
    assert_eq!(d["fixed"]["requests"]["cpu_millicores"].as_u64().unwrap() + d["autoscaled"]["requests_at_max"]["cpu_millicores"].as_u64().unwrap(), max_req_cpu);
    // Jobs are counted apart from Deployments.
    let job_cpu: u64 = t.jobs().iter().map(|j| millicores(&t.scalar(&j["podSpec"]["resources"]["requests"]["cpu"]))).sum();
    assert_eq!(report["summary"]["jobs"]["requests"]["cpu_millicores"], job_cpu);
    // The Markdown shows the same totals in cores.
    let md = run(&["gap", koku]);
    let cores = format!("{}", req_cpu as f64 / 1000.0);
    assert!(md.contains(&format!("| **total at defaults** | **{}** | **{pods}** | **{cores}** |", t.deployments().len())), "Markdown total row shows {pods} pods and {cores} cores");
}

// ---------- every line points into the input; JSON validates ----------

fn check_lines(report: &J, path: &str) {
    let lines = std::fs::read_to_string(path).unwrap().lines().count() as u64;
    let within = |what: &str, s: &J| {
        let l = s["line"].as_u64().unwrap_or_else(|| panic!("{what}: no line"));
        assert!((1..=lines).contains(&l), "{what}: line {l} is outside the input (1..={lines})");
    };
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        within(&format!("finding {}", f["rule"]), &f["source"]);
    }
    for c in report["components"].as_array().unwrap() {
        within("component", &c["source"]);
    }
    for p in report["parameters"]["all"].as_array().unwrap() {
        within("parameter", &p["source"]);
    }
    for cat in report["env_categories"].as_array().unwrap() {
        for v in cat["vars"].as_array().unwrap().iter().filter(|v| !v["source"].is_null()) {
            within("env var", &v["source"]);
        }
    }
}

#[test]
fn every_line_is_inside_the_input_and_the_json_matches_its_schema() {
    // Every fixture that converts, and every Koku version when they are there.
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    inputs.sort();
    assert!(inputs.len() >= 5);
    inputs.extend(upstream::koku_all("every_line_is_inside_the_input_and_the_json_matches_its_schema"));
    for path in inputs {
        let f = path.display().to_string();
        let report = gap_json(&f);
        check_lines(&report, &f);
        validate(&report);
    }
}

#[test]
fn lines_point_at_the_construct() {
    let Some(koku) = koku("lines_point_at_the_construct") else { return };
    let koku = koku.as_str();
    let text = std::fs::read_to_string(koku).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let report = gap_json(koku);
    for c in report["components"].as_array().unwrap() {
        let l = c["source"]["line"].as_u64().unwrap() as usize;
        let name = c["component"].as_str().unwrap();
        assert!(lines[l - 1].contains(&format!("name: {name}")), "component {name} points at line {l}: {:?}", lines[l - 1]);
    }
    for p in report["parameters"]["all"].as_array().unwrap() {
        let l = p["source"]["line"].as_u64().unwrap() as usize;
        let name = p["name"].as_str().unwrap();
        let around = &lines[l.saturating_sub(1)..(l + 6).min(lines.len())];
        assert!(around.iter().any(|x| x.trim_start_matches("- ").trim() == format!("name: {name}")), "parameter {name} at line {l}");
    }
    let trino = report["unserved_services"].as_array().unwrap().iter().find(|s| s["env"] == "TRINO_HOST").unwrap();
    let l = trino["source"]["line"].as_u64().unwrap() as usize;
    assert!(lines[l - 1].contains("name: TRINO_HOST"));
}

// ---------- one list, two views ----------

#[test]
fn convert_writes_the_same_report_gap_prints() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chart");
    run(&["convert", SMALL, "-o", out.to_str().unwrap()]);
    let written = std::fs::read_to_string(out.join("gap-report.json")).unwrap();
    assert_eq!(written, run(&["gap", SMALL, "--format", "json"]));
    let md = std::fs::read_to_string(out.join("GAP_REPORT.md")).unwrap();
    assert_eq!(md, run(&["gap", SMALL]));
    // Every finding of the JSON is a ledger row of the Markdown.
    let report: J = serde_json::from_str(&written).unwrap();
    let ledger = md.split("## Translation ledger").nth(1).unwrap();
    let rows = ledger.lines().filter(|l| l.starts_with("| fixtures/")).count();
    assert_eq!(rows, report["findings"].as_array().unwrap().len());
    for f in report["findings"].as_array().unwrap() {
        let s = &f["source"];
        assert!(ledger.contains(&format!("| {}:{}:{} | {} | `{}` |", s["file"].as_str().unwrap(), s["line"], s["column"], f["outcome"].as_str().unwrap(), f["rule"].as_str().unwrap())));
    }
}

// ---------- golden Markdown of a small fixture ----------

#[test]
fn small_fixture_markdown_matches_golden() {
    let md = run(&["gap", SMALL]);
    let golden = root().join("tests/golden-report/report-small.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &md).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("tests/golden-report/report-small.md (UPDATE_GOLDEN=1 writes it)");
    if md != want {
        let diff = similar::TextDiff::from_lines(want.as_str(), md.as_str());
        panic!("GAP_REPORT.md of {SMALL} differs from the golden file (review, then UPDATE_GOLDEN=1):\n{}", diff.unified_diff().context_radius(2));
    }
}

#[test]
fn small_fixture_facts() {
    let t = load(&root().join(SMALL).display().to_string());
    let report = gap_json(SMALL);
    let decisions: Vec<&str> = report["parameters"]["decisions_needed"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    let doc: Y = serde_yaml_ng::from_str(&std::fs::read_to_string(root().join(SMALL)).unwrap()).unwrap();
    let required_no_default: Vec<&str> = doc["parameters"].as_sequence().unwrap().iter().filter(|p| p["required"].as_bool() == Some(true) && p.get("value").is_none() && p.get("generate").is_none()).map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(decisions, required_no_default);
    let generated: Vec<&str> = report["parameters"]["generated"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(generated, vec!["SECRET_KEY"]);
    let search = report["unserved_services"].as_array().unwrap().iter().find(|s| s["env"] == "SEARCH_HOST").expect("SEARCH_HOST names a service nothing deploys");
    assert_eq!(search["host"], t.params["SEARCH_HOST"].as_str());
    assert_eq!(search["port"], "9200", "the port comes from the sibling SEARCH_PORT");
    let worker = report["components"].as_array().unwrap().iter().find(|c| c["component"] == "worker").unwrap();
    assert_eq!(worker["queues"], serde_json::json!(["emails", "reports"]));
    assert_eq!(worker["autoscaler"]["min"], 1);
    assert_eq!(worker["autoscaler"]["max"], 6);
    let sentry = report["secrets"].as_array().unwrap().iter().find(|s| s["name_expr"] == "${SENTRY_SECRET_NAME}").unwrap();
    assert_eq!(sentry["name"], t.params["SENTRY_SECRET_NAME"].as_str());
    assert_eq!(sentry["optional"], true);
}

// ---------- the Mermaid block parses ----------

fn valid_id(s: &str) -> bool {
    let mut ch = s.chars();
    matches!(ch.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && ch.all(|c| c.is_ascii_alphanumeric() || c == '_') && !["end", "subgraph", "graph", "flowchart", "style", "class", "click"].contains(&s)
}

/// Split `ID<shape>` into the id and the shape, checking that the shape is a quoted label
/// inside one of `["…"]`, `[("…")]`, `{{"…"}}` and that the label has no bare quote.
fn node(s: &str) -> Result<String, String> {
    let i = s.find(['[', '{']).ok_or(format!("no shape in `{s}`"))?;
    let (id, shape) = s.split_at(i);
    let label = shape
        .strip_prefix("[(\"")
        .and_then(|r| r.strip_suffix("\")]"))
        .or_else(|| shape.strip_prefix("[\"").and_then(|r| r.strip_suffix("\"]")))
        .or_else(|| shape.strip_prefix("{{\"").and_then(|r| r.strip_suffix("\"}}")))
        .ok_or(format!("unknown or unbalanced shape `{shape}`"))?;
    if label.contains('"') {
        return Err(format!("bare quote in label `{label}`"));
    }
    if !valid_id(id) {
        return Err(format!("invalid id `{id}`"));
    }
    Ok(id.to_string())
}

pub fn check_mermaid(md: &str) {
    let block = md.split("```mermaid\n").nth(1).expect("a mermaid block").split("```").next().unwrap();
    let mut lines = block.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut defined = BTreeSet::new();
    let mut edges = Vec::new();
    let mut depth = 0i32;
    for line in lines {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(rest) = l.strip_prefix("subgraph ") {
            depth += 1;
            defined.insert(node(rest).unwrap_or_else(|e| panic!("{e} in `{l}`")));
        } else if l == "end" {
            depth -= 1;
            assert!(depth >= 0, "`end` without subgraph");
        } else if let Some((a, b)) = l.split_once(" --> ") {
            assert!(valid_id(a) && valid_id(b), "edge ids in `{l}`");
            edges.push((a.to_string(), b.to_string()));
        } else {
            defined.insert(node(l).unwrap_or_else(|e| panic!("{e} in `{l}`")));
        }
    }
    assert_eq!(depth, 0, "every subgraph is closed");
    for (a, b) in edges {
        assert!(defined.contains(&a) && defined.contains(&b), "edge {a} --> {b} uses an undefined id");
    }
}

#[test]
fn mermaid_blocks_parse() {
    let Some(koku) = koku("mermaid_blocks_parse") else { return };
    let koku = koku.as_str();
    check_mermaid(&run(&["gap", SMALL]));
    let md = run(&["gap", koku]);
    check_mermaid(&md);
    let t = load(koku);
    let block = md.split("```mermaid\n").nth(1).unwrap();
    for d in t.deployments() {
        assert!(block.contains(&format!("[\"{}-{}<br/>", t.app_name(), d["name"].as_str().unwrap())), "diagram shows {:?}", d["name"]);
    }
    assert!(block.contains("trino"), "the diagram shows the Trino reference");
}

#[test]
fn categories_file_can_be_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string(root().join("mappings/env-categories.yaml")).unwrap();
    let edited = builtin.replace("    prefixes: [TRINO_, HIVE_, PRESTO_]\n", "    prefixes: [TRINO_, HIVE_, PRESTO_, SEARCH_]\n");
    assert_ne!(edited, builtin);
    let f = dir.path().join("cats.yaml");
    std::fs::write(&f, edited).unwrap();
    let report: J = serde_json::from_str(&run(&["gap", SMALL, "--format", "json", "--categories", f.to_str().unwrap()])).unwrap();
    let trino = report["env_categories"].as_array().unwrap().iter().find(|c| c["id"] == "trino").expect("trino category");
    assert!(trino["vars"].as_array().unwrap().iter().any(|v| v["name"] == "SEARCH_HOST"));
}

#[test]
fn the_schema_rejects_broken_reports() {
    let report = gap_json(SMALL);
    validate(&report);
    let schema: J = serde_json::from_str(&std::fs::read_to_string(root().join("docs/gap-report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut no_line = report.clone();
    no_line["findings"][0]["source"]["line"] = J::from(0);
    assert!(!validator.is_valid(&no_line), "line 0 is rejected");
    let mut bad_outcome = report.clone();
    bad_outcome["findings"][0]["outcome"] = J::from("fine");
    assert!(!validator.is_valid(&bad_outcome));
    let mut extra = report.clone();
    extra["surprise"] = J::from(1);
    assert!(!validator.is_valid(&extra), "unknown top-level fields are rejected");
    let mut no_version = report;
    no_version.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&no_version));
}
