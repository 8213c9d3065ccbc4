//! Section "Secrets and ConfigMaps": the ones the chart creates (template objects, or generated:
//! bundled infrastructure, cdappconfig) and the ones that must exist before install, with their
//! keys and the workloads that use them.

use crate::model::eval::Eval;
use crate::model::{EnvValue, Model, SourceRef, Val};
use crate::report::facts::{display_val, rendered, shown, WorkloadFacts};
use crate::report::md::{cell, code, line_of, list, table};
use serde::Serialize;
use serde_json::Value as J;
use std::collections::BTreeSet;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ConfigUse {
    pub key: Option<String>,
    pub optional: bool,
    pub source: Option<SourceRef>,
    /// `env NAME`, `volume NAME`.
    pub via: String,
    pub workload: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigObject {
    pub keys: Vec<String>,
    pub kind: &'static str,
    /// Name at the chart's defaults.
    pub name: String,
    /// Name as written (`${GLITCHTIP_SECRET_NAME}`).
    pub name_expr: String,
    /// Every reference is `optional: true` (the pods start without it).
    pub optional: bool,
    /// For chart objects: `template` (an object of the input) or `generated` (added by
    /// clowd2helm: bundled infrastructure, cdappconfig).
    pub origin: Option<&'static str>,
    /// `chart`: the chart creates it; `cluster`: it must exist before install.
    pub provided_by: &'static str,
    pub source: Option<SourceRef>,
    pub used_by: Vec<String>,
    pub uses: Vec<ConfigUse>,
}

/// `optional: true` at defaults (an entry may exist only under a condition).
fn is_optional(ev: &Eval, reference: &Val) -> bool {
    reference.entries().iter().any(|e| e.key.is_literal("optional") && e.when.as_ref().is_none_or(|c| ev.cond(c)) && ev.val(&e.val) == Some(J::Bool(true)))
}

/// Secret and ConfigMap references of every container and volume, plus the ones the chart
/// creates: (Secrets, ConfigMaps).
pub fn build(ev: &Eval, model: &Model, facts: &[WorkloadFacts]) -> (Vec<ConfigObject>, Vec<ConfigObject>) {
    let mut objs: Vec<ConfigObject> = Vec::new();
    let entry = |kind: &'static str, name_v: &Val, objs: &mut Vec<ConfigObject>| -> usize {
        let name = ev.string(name_v).filter(|n| !n.is_empty()).unwrap_or_else(|| display_val(name_v));
        if let Some(i) = objs.iter().position(|o| o.kind == kind && o.name == name) {
            return i;
        }
        // A reference the chart wires to `secrets.<name>` / `configMaps.<name>` is written as its default.
        let wired = matches!(name_v, Val::Str(t) if t.params().next().is_none() && t.as_literal().is_none() && t.display().starts_with(&['<'][..]) && ["<secrets.", "<configMaps."].iter().any(|p| t.display().starts_with(p)));
        let name_expr = if wired { name.clone() } else { display_val(name_v) };
        objs.push(ConfigObject { kind, name, name_expr, provided_by: "cluster", origin: None, optional: true, keys: Vec::new(), used_by: Vec::new(), uses: Vec::new(), source: None });
        objs.len() - 1
    };
    // Created by the chart: template objects, then extra objects.
    for o in &model.objects {
        let kind = match o.kind.as_str() {
            "Secret" => "Secret",
            "ConfigMap" => "ConfigMap",
            _ => continue,
        };
        let i = entry(kind, &Val::Str(o.name.clone()), &mut objs);
        objs[i].provided_by = "chart";
        objs[i].origin = Some("template");
        objs[i].optional = false;
        objs[i].source = Some(o.source.clone());
        objs[i].keys.extend(data_keys(ev, &o.body));
    }
    for x in &model.extra {
        let kind = match x.body.get("kind").and_then(Val::as_literal_str).as_deref() {
            Some("Secret") => "Secret",
            Some("ConfigMap") => "ConfigMap",
            _ => continue,
        };
        let Some(name) = x.body.get("metadata").and_then(|m| m.get("name")) else { continue };
        if x.when.as_ref().is_some_and(|c| !ev.cond(c)) {
            continue;
        }
        let i = entry(kind, name, &mut objs);
        objs[i].provided_by = "chart";
        objs[i].origin.get_or_insert("generated");
        objs[i].optional = false;
        objs[i].keys.extend(data_keys(ev, &x.body));
    }
    let created: BTreeSet<usize> = (0..objs.len()).collect();
    for f in facts {
        let w = f.w;
        for c in w.pod.containers.iter().chain(&w.pod.init_containers) {
            for e in &c.env {
                let EnvValue::From(v) = &e.value else { continue };
                if !rendered(ev, e) {
                    continue;
                }
                for (field, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
                    let Some(r) = v.get(field) else { continue };
                    let Some(n) = r.get("name") else { continue };
                    let i = entry(kind, n, &mut objs);
                    let key = r.get("key").map(|k| shown(ev, k));
                    let optional = is_optional(ev, r);
                    add_use(&mut objs[i], &f.name, format!("env {}", e.name), key, optional, e.source.clone());
                }
            }
        }
        for vol in &w.pod.volumes {
            let vname = vol.get("name").map(|n| shown(ev, n)).unwrap_or_default();
            let mut sources: Vec<(&'static str, &Val)> = Vec::new();
            if let Some(s) = vol.get("secret") {
                sources.push(("Secret", s));
            }
            if let Some(s) = vol.get("configMap") {
                sources.push(("ConfigMap", s));
            }
            for p in vol.get("projected").and_then(|p| p.get("sources")).map(|s| s.items()).unwrap_or(&[]) {
                if let Some(s) = p.val.get("secret") {
                    sources.push(("Secret", s));
                }
                if let Some(s) = p.val.get("configMap") {
                    sources.push(("ConfigMap", s));
                }
            }
            for (kind, s) in sources {
                let name_field = if kind == "Secret" && s.get("secretName").is_some() { "secretName" } else { "name" };
                let Some(n) = s.get(name_field) else { continue };
                let i = entry(kind, n, &mut objs);
                let optional = is_optional(ev, s);
                let source = w.pod.volume_sources.iter().find(|(n, _)| *n == vname).map(|(_, s)| s.clone());
                let items = s.get("items").map(|i| i.items()).unwrap_or(&[]);
                if items.is_empty() {
                    add_use(&mut objs[i], &f.name, format!("volume {vname}"), None, optional, source.clone());
                }
                for it in items {
                    let key = it.val.get("key").map(|k| shown(ev, k));
                    add_use(&mut objs[i], &f.name, format!("volume {vname}"), key, optional, source.clone());
                }
            }
        }
    }
    for (i, o) in objs.iter_mut().enumerate() {
        if !created.contains(&i) && o.uses.iter().any(|u| !u.optional) {
            o.optional = false;
        }
        if o.source.is_none() {
            o.source = o.uses.iter().find_map(|u| u.source.clone());
        }
        o.keys.sort();
        o.keys.dedup();
        o.used_by.sort();
        o.used_by.dedup();
    }
    objs.sort_by(|a, b| (a.kind, a.provided_by != "chart", &a.name).cmp(&(b.kind, b.provided_by != "chart", &b.name)));
    objs.into_iter().partition(|o| o.kind == "Secret")
}

fn add_use(o: &mut ConfigObject, workload: &str, via: String, key: Option<String>, optional: bool, source: Option<SourceRef>) {
    if let Some(k) = &key {
        o.keys.push(k.clone());
    }
    o.used_by.push(workload.to_string());
    o.uses.push(ConfigUse { workload: workload.to_string(), via, key, optional, source });
}

fn data_keys(ev: &Eval, body: &Val) -> Vec<String> {
    let mut keys = Vec::new();
    for section in ["data", "stringData", "binaryData"] {
        for e in body.get(section).map(|s| s.entries()).unwrap_or(&[]) {
            keys.push(ev.text_or_display(&e.key));
        }
    }
    keys
}

/// `chart`, `chart (generated)`, `must exist`, `must exist (optional)`.
pub fn provided_by_text(c: &ConfigObject) -> &'static str {
    match (c.provided_by, c.optional) {
        ("chart", _) if c.origin == Some("generated") => "chart (generated)",
        ("chart", _) => "chart",
        (_, true) => "must exist (optional)",
        _ => "must exist",
    }
}

pub fn markdown(o: &mut String, secrets: &[ConfigObject], config_maps: &[ConfigObject]) {
    let _ = writeln!(o, "## Secrets and ConfigMaps\n");
    if secrets.is_empty() && config_maps.is_empty() {
        let _ = writeln!(o, "None are created or referenced.\n");
        return;
    }
    let _ = writeln!(o, "\"Chart\" objects are rendered by the chart (from the template, or generated by clowd2helm); \"must exist\" objects are only referenced and must be in the namespace before install, unless every reference is optional.\n");
    let mut t = String::from("| kind | name | as written | provided by | keys | used by | source |\n|---|---|---|---|---|---|---|\n");
    for c in secrets.iter().chain(config_maps) {
        let users = if c.used_by.len() > 6 { format!("{} workloads", c.used_by.len()) } else { list(&c.used_by) };
        let _ = writeln!(t, "| {} | `{}` | {} | {} | {} | {} | {} |", c.kind, cell(&c.name), if c.name_expr != c.name { code(&c.name_expr) } else { String::new() }, provided_by_text(c), cell(&list(&c.keys)), cell(&users), line_of(&c.source));
    }
    let n = secrets.len() + config_maps.len();
    table(o, &format!("All {n} Secrets and ConfigMaps"), n, &t);
}
