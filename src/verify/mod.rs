//! `clowd2helm verify`: render the chart with helm, process the template independently with the
//! same parameter values, and compare every field of every object Clowder would have made; then
//! check invariants any correct chart satisfies. See docs/verify.md.

pub mod closure;
pub mod compare;
pub mod exp;
pub mod helm;
pub mod invariants;
pub mod oracle;
pub mod validate;
pub mod values;

use crate::error::{Error, InputError, Result};
use crate::mapping::Options;
use crate::source::process::{parameter_values, process_node};
use crate::source::template::{self, Input};
use crate::source::yaml::{Node, Pos};
use compare::{Difference, Tally};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Values in a difference are cut at this many characters unless `--full` is given.
pub const CUT_AT: usize = 160;

/// What to verify.
pub struct Request {
    /// Template file name (for messages) and text.
    pub template: (String, String),
    pub chart_dir: PathBuf,
    /// `-f` files, `--set` and `--set-string` arguments, given to helm and read for parameter
    /// values.
    pub values_files: Vec<String>,
    pub sets: Vec<String>,
    pub set_strings: Vec<String>,
    pub helm: PathBuf,
    /// kubernetes-validate, when available.
    pub validator: Option<PathBuf>,
    pub options: Options,
    /// Notes from the caller, printed with verify's own.
    pub notes: Vec<String>,
    /// Fail when any reference is external: the release must create everything its pods need.
    pub closed: bool,
}

/// The result of one verification.
#[derive(Debug)]
pub struct Outcome {
    pub compared: usize,
    pub equal: usize,
    pub differences: Vec<Difference>,
    pub objects_expected: usize,
    /// Rendered objects Clowder would not have made (the chart's own infrastructure).
    pub extra_objects: Vec<String>,
    /// Env vars, volumes and mounts the chart adds to Clowder's lists.
    pub extra_entries: usize,
    pub invariants_checked: Vec<&'static str>,
    pub violations: Vec<String>,
    /// Install closure: what pods reference exists in time, or is a listed external.
    pub closure: closure::Closure,
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.differences.is_empty() && self.violations.is_empty() && self.closure.violations.is_empty()
    }

    /// The report `verify` prints: fidelity first, then every difference and violation. Values
    /// longer than [`CUT_AT`] characters are cut unless `full`; a closing note then says so.
    pub fn render(&self, full: bool) -> String {
        let mut s = format!("fidelity: {}/{} fields\n", self.equal, self.compared);
        let mut cut_any = false;
        let mut show = |v: &str| -> String {
            if full || v.chars().count() <= CUT_AT {
                return v.to_string();
            }
            cut_any = true;
            let kept: String = v.chars().take(CUT_AT).collect();
            format!("{kept}… ({} more characters)", v.chars().count() - CUT_AT)
        };
        for d in &self.differences {
            let (expected, rendered) = (show(&d.expected), show(&d.rendered));
            s.push_str(&format!("{} {}: expected {expected}, rendered {rendered}\n", d.object, d.path));
        }
        if cut_any {
            s.push_str(&format!("note: values longer than {CUT_AT} characters are cut; pass --full to see them whole\n"));
        }
        for v in &self.violations {
            s.push_str(&format!("invariant violated: {v}\n"));
        }
        s.push_str(&format!(
            "objects: {} compared; {} more rendered that Clowder would not make{}\n",
            self.objects_expected,
            self.extra_objects.len(),
            if self.extra_objects.is_empty() { String::new() } else { format!(" ({})", self.extra_objects.join(", ")) }
        ));
        if self.extra_entries > 0 {
            s.push_str(&format!("entries added by the chart to Clowder's env/volume lists: {}\n", self.extra_entries));
        }
        s.push_str(&format!("invariants: {} checked ({}), {} violated\n", self.invariants_checked.len(), self.invariants_checked.join("; "), self.violations.len()));
        for v in &self.closure.violations {
            s.push_str(&format!("install closure violated: {v}\n"));
        }
        s.push_str(&self.closure.summary());
        s.push('\n');
        for n in &self.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        s.push_str(if self.passed() {
            "verify: the chart renders what Clowder would have run\n"
        } else {
            "verify: the chart differs from what Clowder would have run\n"
        });
        s
    }
}

pub fn run(req: &Request) -> Result<Outcome> {
    let (name, text) = &req.template;
    let mut input = template::parse(name, text)?;
    // Clowder sees the template as `oc process -p` made it with the values given at conversion.
    input.give_parameters(&req.options.params)?;
    check_chart_dir(&req.chart_dir)?;
    let user = values::UserValues::load(&req.values_files, &req.sets, &req.set_strings)?;
    let typing = values::set_typing_problems(&req.chart_dir, &req.sets)?;
    if !typing.is_empty() {
        return Err(Error::Usage(typing.join("\n")));
    }
    let effective = values::effective(&req.chart_dir, &user)?;
    let rendered = helm::documents(&helm::template(&req.helm, &req.chart_dir, &req.values_files, &req.sets, &req.set_strings)?)?;

    let overrides = user.parameter_overrides();
    let mut processed = oracle::process(&input, &overrides);
    oracle::overrides::apply(&mut processed.objects, &processed.raw, &input, &effective, &req.options)?;
    let setting = oracle::Setting::new(&effective, &req.options);
    let mut expected = oracle::expected(&processed, &setting, &req.options)?;
    let left_out = oracle::overrides::disabled_workloads(&processed.objects, &processed.raw, &effective, &req.options)?;
    expected.retain(|e| !left_out.contains(&e.name) && !e.name.strip_suffix("-hpa").is_some_and(|n| left_out.contains(n)));
    oracle::operations::apply(&mut expected, &processed.objects, &processed.raw, &effective);

    let comparable: Vec<Value> = rendered.iter().map(with_parsed_config).collect();
    let mut tally = Tally::default();
    let mut matched = BTreeSet::new();
    for e in &expected {
        let found = comparable.iter().position(|d| doc_kind(d) == e.kind && doc_name(d) == e.name);
        if let Some(i) = found {
            matched.insert(i);
        }
        tally.object(&e.id(), &e.body, found.map(|i| &comparable[i]));
    }
    let extra_objects = rendered.iter().enumerate().filter(|(i, _)| !matched.contains(i)).map(|(_, d)| format!("{}/{}", doc_kind(d), doc_name(d))).collect();
    let recorded = recorded_input(&req.chart_dir);
    if matched.is_empty() && !expected.is_empty() {
        // Not one object of the template is in the chart: the wrong template, or the wrong chart.
        let from = recorded.as_ref().map(|(file, _)| format!(" (the chart was generated from {file})")).unwrap_or_default();
        return Err(Error::Input(
            InputError::whole(name, format!("this template does not match the chart {}{from}: none of the {} objects Clowder would make from it is rendered by the chart", req.chart_dir.display(), expected.len()))
                .hint("pass the template the chart was converted from, or convert this one first"),
        ));
    }

    let externals = chart_externals(&req.chart_dir, &input, &overrides, &effective)?;
    let checks = invariants::check(&rendered, &oracle::template_duplicates(&processed.objects));
    let mut closure = closure::check(&rendered, externals.as_ref());
    if req.closed {
        for (kind, name, key, user) in &closure.externals {
            closure.violations.push(format!("{user}: {kind}/{name} is external (resolve it with {key}); --closed asks for a release that creates everything its pods need"));
        }
    }
    let mut outcome = Outcome {
        compared: tally.compared,
        equal: tally.equal,
        differences: tally.differences,
        objects_expected: expected.len(),
        extra_objects,
        extra_entries: tally.extra_entries,
        invariants_checked: checks.checked,
        violations: checks.violations,
        closure,
        notes: req.notes.iter().cloned().chain(checks.notes).collect(),
    };
    if let Some((file, sha)) = recorded
        && sha != crate::source::template::sha256_hex(text.as_bytes())
    {
        outcome.notes.insert(0, format!("{name} is not the file the chart was generated from ({file}, by its sha256): differences may come from the template having changed since; `clowd2helm check {name} -o {}` shows what regenerating would change", req.chart_dir.display()));
    }
    match &req.validator {
        Some(v) => {
            outcome.invariants_checked.push("kubernetes-validate --strict");
            let (count, problems) = validate::run(v, &rendered)?;
            outcome.notes.push(format!("kubernetes-validate --strict checked {count} objects of built-in kinds"));
            outcome.violations.extend(problems.into_iter().map(|p| format!("kubernetes-validate: {p}")));
        }
        None => outcome.notes.push("kubernetes-validate not found: schema validation skipped (install it with scripts/install-tools.sh or pass --kubernetes-validate PATH)".into()),
    }
    Ok(outcome)
}

/// The input file and its sha256 as recorded in the chart's manifest, if there is one.
fn recorded_input(chart_dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(chart_dir.join(".clowd2helm/manifest.json")).ok()?;
    let m: Value = serde_json::from_str(&text).ok()?;
    Some((m["input"]["file"].as_str()?.to_string(), m["input"]["sha256"].as_str()?.to_string()))
}

fn check_chart_dir(dir: &Path) -> Result<()> {
    if !dir.join("Chart.yaml").is_file() {
        return Err(Error::Input(
            InputError::whole(&dir.display().to_string(), "not a chart folder: Chart.yaml is missing").hint("pass the folder `clowd2helm convert -o` wrote"),
        ));
    }
    Ok(())
}

/// A Secret's cdappconfig.json text, parsed, so that its fields compare one by one.
fn with_parsed_config(d: &Value) -> Value {
    let mut d = d.clone();
    if doc_kind(&d) == "Secret"
        && let Some(Value::String(text)) = d.get("stringData").and_then(|s| s.get(oracle::CONFIG_KEY))
        && let Ok(json @ Value::Object(_)) = serde_json::from_str::<Value>(text)
    {
        d["stringData"][oracle::CONFIG_KEY] = json;
    }
    d
}

fn doc_kind(d: &Value) -> String {
    d.get("kind").map(exp::as_text).unwrap_or_default()
}

fn doc_name(d: &Value) -> String {
    d.get("metadata").and_then(|m| m.get("name")).map(exp::as_text).unwrap_or_default()
}

/// The externals the chart's `gap-report.json` lists (`externals[]`), by (kind, name) as this
/// render names them: `name`, and `name_expr` resolved with the parameter values in use
/// (`${PARAM}`) and the effective values (`<values.path>`). None when the chart has no report.
fn chart_externals(chart_dir: &Path, input: &Input, overrides: &BTreeMap<String, String>, effective: &Value) -> Result<Option<closure::Externals>> {
    let path = chart_dir.join("gap-report.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let report: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Input(InputError::whole(&path.display().to_string(), format!("gap-report.json is not valid JSON: {e}"))))?;
    let params = parameter_values(input, overrides);
    // `<a.b>` pieces are values paths, the rest is template text with `${PARAM}`.
    let resolve = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('<') {
            out.push_str(&exp::as_text(&process_node(&Node::str(&rest[..i], Pos::default()), &params)));
            let Some(j) = rest[i..].find('>') else { break };
            out.push_str(&values::at(effective, &rest[i + 1..i + j]).map(exp::as_text).unwrap_or_default());
            rest = &rest[i + j + 1..];
        }
        out.push_str(&exp::as_text(&process_node(&Node::str(rest, Pos::default()), &params)));
        out
    };
    let mut out = closure::Externals::new();
    // Pull secrets the values name are the user's own: they resolve themselves.
    for s in values::at(effective, "imagePullSecrets").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        if let Some(n) = s.get("name").and_then(Value::as_str) {
            out.insert(("Secret".into(), n.to_string()), "imagePullSecrets".into());
        }
    }
    // So are the pull secrets and extra volumes of the operational values.
    for (object, key) in oracle::operations::user_objects(effective) {
        out.insert(object, key);
    }
    for e in report.get("externals").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let kind = e.get("kind").map(exp::as_text).unwrap_or_default();
        let key = e.get("values_key").map(exp::as_text).unwrap_or_default();
        for field in ["name", "name_expr"] {
            if let Some(Value::String(n)) = e.get(field) {
                out.insert((kind.clone(), resolve(n)), key.clone());
            }
        }
    }
    Ok(Some(out))
}
