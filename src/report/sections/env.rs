//! Section "Environment variables by category": every env var name of every container, grouped
//! by the categories of `mappings/env-categories.yaml`, with its users, value at defaults and
//! origin.

use crate::model::eval::Eval;
use crate::model::{EnvOrigin, EnvValue, SourceRef};
use crate::report::categories::Categories;
use crate::report::facts::{from_text, rendered, shown, WorkloadFacts};
use crate::report::md::{code, line_of, short, table};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct EnvVarInfo {
    pub name: String,
    /// `template`, `provider:<name>`, `clowder`.
    pub origins: Vec<String>,
    pub source: Option<SourceRef>,
    /// Distinct values at defaults (`secret NAME/KEY` for references).
    pub values: Vec<String>,
    pub workloads: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvCategoryReport {
    pub id: String,
    pub provider: Option<String>,
    pub title: String,
    pub vars: Vec<EnvVarInfo>,
}

pub fn build(ev: &Eval, cats: &Categories, facts: &[WorkloadFacts]) -> Vec<EnvCategoryReport> {
    let mut vars: BTreeMap<String, EnvVarInfo> = BTreeMap::new();
    // Distinct values per variable, beside the ordered list (keeps this linear in env entries).
    let mut seen_values: HashSet<(String, String)> = HashSet::new();
    for f in facts {
        for c in f.w.pod.containers.iter().chain(&f.w.pod.init_containers) {
            for e in c.env.iter().filter(|e| rendered(ev, e)) {
                let info = vars.entry(e.name.clone()).or_insert_with(|| EnvVarInfo { name: e.name.clone(), workloads: Vec::new(), origins: Vec::new(), values: Vec::new(), source: None });
                // Workloads are visited one after another, so a repeat can only be the last one.
                if info.workloads.last() != Some(&f.name) {
                    info.workloads.push(f.name.clone());
                }
                let origin = match &e.origin {
                    EnvOrigin::Template => "template".to_string(),
                    EnvOrigin::Provider(p) => format!("provider:{p}"),
                    EnvOrigin::Clowder => "clowder".to_string(),
                };
                if !info.origins.contains(&origin) {
                    info.origins.push(origin);
                }
                let value = match &e.value {
                    EnvValue::Value(v) => shown(ev, v),
                    EnvValue::From(v) => from_text(ev, v),
                };
                if seen_values.insert((e.name.clone(), value.clone())) {
                    info.values.push(value);
                }
                if info.source.is_none() {
                    info.source = e.source.clone();
                }
            }
        }
    }
    let mut out: Vec<EnvCategoryReport> = cats.env.iter().map(|c| EnvCategoryReport { id: c.id.clone(), title: c.title.clone(), provider: c.provider.clone(), vars: Vec::new() }).collect();
    for (name, info) in vars {
        let id = &cats.env_category(&name).id;
        if let Some(c) = out.iter_mut().find(|c| &c.id == id) {
            c.vars.push(info);
        }
    }
    out.retain(|c| !c.vars.is_empty());
    out
}

pub fn markdown(o: &mut String, categories: &[EnvCategoryReport]) {
    let total: usize = categories.iter().map(|c| c.vars.len()).sum();
    let _ = writeln!(o, "## Environment variables by category\n");
    if total == 0 {
        let _ = writeln!(o, "No container sets an env var.\n");
        return;
    }
    let _ = writeln!(o, "{total} distinct names. Categories come from `mappings/env-categories.yaml` (exact names, then prefixes, then suffixes).\n");
    let _ = writeln!(o, "| category | names |\n|---|---|");
    for c in categories {
        let _ = writeln!(o, "| {} | {} |", c.title, c.vars.len());
    }
    o.push('\n');
    for c in categories {
        let _ = writeln!(o, "### {} ({})\n", c.title, c.vars.len());
        let mut t = String::from("| name | workloads | value at defaults | from | source |\n|---|---|---|---|---|\n");
        for v in &c.vars {
            let value = match v.values.len() {
                0 => String::new(),
                1 => code(&short(&v.values[0], 60)),
                n => format!("{n} different values"),
            };
            let _ = writeln!(t, "| `{}` | {} | {} | {} | {} |", v.name, v.workloads.len(), value, v.origins.join(", "), line_of(&v.source));
        }
        table(o, &format!("All {} {} variables", c.vars.len(), c.title), c.vars.len(), &t);
    }
}
