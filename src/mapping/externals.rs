//! Install closure at conversion time (docs/standalone.md): every Secret, ConfigMap and
//! PersistentVolumeClaim a pod reads is either created by the chart or recorded as an external
//! with the value that resolves it.
//!
//! References the template writes itself (`secretKeyRef: {name: koku-aws}`) are wired to a values
//! entry `secrets.<name>` / `configMaps.<name>` / `persistentVolumeClaims.<name>`. At defaults they
//! render exactly as written (Clowder parity); values can make the chart create the object, point
//! the references at another object (name and keys), or make them optional. References a
//! provider adds (`database.external.existingSecret`) are externals of that provider's values.

use super::Ctx;
use crate::model::k8s::label_map;
use crate::model::value::path_key;
use crate::model::{Cond, Entry, External, ExtraObject, Model, Outcome, Part, SourceRef, Text, Val, ValuesBlock, ValuesNode, Workload};
use std::collections::BTreeMap;

/// The three kinds of object a pod can need by name, with their values block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Secret,
    ConfigMap,
    Claim,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Secret => "Secret",
            Kind::ConfigMap => "ConfigMap",
            Kind::Claim => "PersistentVolumeClaim",
        }
    }
    fn block(self) -> &'static str {
        match self {
            Kind::Secret => "secrets",
            Kind::ConfigMap => "configMaps",
            Kind::Claim => "persistentVolumeClaims",
        }
    }
}

/// One place in a pod that names an object: the map holding the name (`secretKeyRef`, a volume's
/// `secret`/`configMap`/`persistentVolumeClaim`, a projected source).
struct Site<'a> {
    kind: Kind,
    node: &'a mut Val,
    /// Key of the name inside `node`.
    name_key: &'static str,
    field: String,
    /// The reference exists only when this holds (a conditional env var).
    when: Option<Cond>,
    source: Option<SourceRef>,
}

impl Site<'_> {
    fn optional(&self) -> bool {
        matches!(self.node.get("optional"), Some(Val::Bool(true)))
    }
    /// The keys read: `key` of a key reference, `items[].key` of a volume.
    fn keys(&self) -> Vec<&Val> {
        let mut out: Vec<&Val> = self.node.get("key").into_iter().collect();
        if let Some(items) = self.node.get("items") {
            out.extend(items.items().iter().filter_map(|it| it.val.get("key")));
        }
        out
    }
}

/// A volume's source key, the kind of object it names, and the key of the name.
const VOLUME_SOURCES: [(&str, Kind, &str); 3] = [("secret", Kind::Secret, "secretName"), ("configMap", Kind::ConfigMap, "name"), ("persistentVolumeClaim", Kind::Claim, "claimName")];

/// Every reference in a workload's pod, main and init containers first, then volumes.
fn each_site(w: &mut Workload, f: &mut dyn FnMut(Site)) {
    let pod = &mut w.pod;
    for c in pod.containers.iter_mut().chain(pod.init_containers.iter_mut()) {
        let cname = c.name.display();
        for e in c.env.iter_mut() {
            let crate::model::workload::EnvValue::From(from) = &mut e.value else { continue };
            for (key, kind) in [("secretKeyRef", Kind::Secret), ("configMapKeyRef", Kind::ConfigMap)] {
                if let Some(node) = from.get_mut(key) {
                    f(Site { kind, node, name_key: "name", field: format!("container {cname}: env {}", e.name), when: e.when.clone(), source: e.source.clone() });
                }
            }
        }
    }
    // Fields borrowed apart: the volumes change, their sources are only read.
    let sources = &pod.volume_sources;
    for v in pod.volumes.iter_mut() {
        let vname = v.get("name").and_then(Val::as_literal_str).unwrap_or_default();
        let source = sources.iter().find(|(n, _)| *n == vname).map(|(_, s)| s.clone());
        let field = format!("volume {vname}");
        let Val::Map(entries) = v else { continue };
        for Entry { key, val, .. } in entries.iter_mut() {
            // Keys compared in place: `as_literal` would copy every key of every volume.
            if let Some(&(_, kind, name_key)) = VOLUME_SOURCES.iter().find(|(k, ..)| key.is_literal(k)) {
                f(Site { kind, node: val, name_key, field: field.clone(), when: None, source: source.clone() });
            } else if key.is_literal("projected") {
                let Some(Val::Seq(srcs)) = val.get_mut("sources") else { continue };
                for item in srcs.iter_mut() {
                    for (k, kind) in [("secret", Kind::Secret), ("configMap", Kind::ConfigMap)] {
                        if let Some(node) = item.val.get_mut(k) {
                            f(Site { kind, node, name_key: "name", field: field.clone(), when: None, source: source.clone() });
                        }
                    }
                }
            }
        }
    }
}

/// A name as alternatives under conditions: `If(c, a, b)` is `a` when `c`, else `b`.
pub fn alternatives(v: &Val, when: Option<Cond>, out: &mut Vec<(Option<Cond>, Text)>) {
    match v {
        Val::If(c, a, b) => {
            alternatives(a, and(when.clone(), Some(c.clone())), out);
            alternatives(b, and(when, Some(c.clone().negated())), out);
        }
        Val::Str(t) => out.push((when, t.clone())),
        Val::Typed(p) => out.push((when, Text::param(p))),
        _ => {}
    }
}

fn and(a: Option<Cond>, b: Option<Cond>) -> Option<Cond> {
    Cond::and(a, b)
}

/// Does `needed` (the condition a reference exists under) imply `created` (the condition the
/// object is rendered under)? Decided on the shapes the mapping produces.
fn implies(needed: &Option<Cond>, created: &Option<Cond>) -> bool {
    match (created, needed) {
        (None, _) => true,
        (Some(c), Some(n)) if c == n => true,
        (Some(c), Some(Cond::And(parts))) => parts.contains(c) || matches!(c, Cond::And(cs) if cs.iter().all(|x| parts.contains(x))),
        _ => false,
    }
}

/// A values path inside a name: the value that decides it.
fn value_path(t: &Text) -> Option<&str> {
    t.0.iter().find_map(|p| match p {
        Part::Value(v) | Part::RequiredValue(v) => Some(v.as_str()),
        _ => None,
    })
}

/// (kind, name, condition) of everything the chart renders.
fn created(model: &Model) -> Vec<(String, Text, Option<Cond>)> {
    let mut out: Vec<(String, Text, Option<Cond>)> = model.objects.iter().map(|o| (o.kind.clone(), o.name.clone(), o.when.clone())).collect();
    for x in &model.extra {
        let kind = x.body.get("kind").and_then(Val::as_literal_str).unwrap_or_default();
        if let Some(Val::Str(name)) = x.body.get("metadata").and_then(|m| m.get("name")) {
            out.push((kind, name.clone(), x.when.clone()));
        }
    }
    out
}

/// A template-written external, gathered over all its references.
struct Written {
    kind: Kind,
    name: Text,
    key: String,
    keys: Vec<String>,
    optional: bool,
    used_by: Vec<String>,
    fields: Vec<String>,
    source: Option<SourceRef>,
}

/// Record every external, rewire template-written references to values, add the values blocks
/// and the objects the chart creates on request.
pub fn resolve(ctx: &mut Ctx, model: &mut Model) {
    let made = created(model);
    let is_created = |kind: Kind, name: &Text, when: &Option<Cond>| made.iter().any(|(k, n, c)| k == kind.as_str() && n == name && implies(when, c));
    let defaults: BTreeMap<String, String> = ctx.input.parameters.iter().filter_map(|p| Some((p.name.clone(), p.value.clone()?))).collect();
    let mut written: Vec<Written> = Vec::new();
    let mut provided: Vec<External> = Vec::new();

    for w in model.workloads.iter_mut() {
        let wname = w.name.display();
        let wsource = w.source.clone();
        each_site(w, &mut |site: Site| {
            let Some(name_val) = site.node.get(site.name_key) else { return };
            let mut alts = Vec::new();
            alternatives(name_val, site.when.clone(), &mut alts);
            // Keys written as parameters are resolved by the parameter; only literal keys can be remapped.
            let keys: Vec<String> = site.keys().into_iter().filter_map(Val::as_literal_str).collect();
            for (cond, name) in alts {
                if is_created(site.kind, &name, &cond) {
                    continue;
                }
                if let Some(path) = value_path(&name) {
                    // A provider's external service: its own values name the object.
                    let e = match provided.iter_mut().find(|e| e.kind == site.kind.as_str() && e.values_key == path) {
                        Some(e) => e,
                        None => {
                            provided.push(External {
                                kind: site.kind.as_str().into(),
                                name: name.clone(),
                                values_key: path.to_string(),
                                keys: Vec::new(),
                                optional: site.optional(),
                                used_by: Vec::new(),
                                fields: Vec::new(),
                                source: site.source.clone().unwrap_or_else(|| wsource.clone()),
                                when: cond.clone(),
                                pending: cond.clone(),
                                resolve: format!("create the {} named by `{path}` before installing, or set `{path}` to one that exists", site.kind.as_str()),
                            });
                            provided.last_mut().expect("just pushed")
                        }
                    };
                    for k in site.keys().into_iter().filter_map(Val::as_text) {
                        if !e.keys.contains(k) {
                            e.keys.push(k.clone());
                        }
                    }
                    add_unique(&mut e.used_by, &wname);
                    add_unique_field(&mut e.fields, &wname, &site.field);
                    e.optional &= site.optional();
                    continue;
                }
                let w = match written.iter_mut().find(|x| x.kind == site.kind && x.name == name) {
                    Some(x) => x,
                    None => {
                        written.push(Written { kind: site.kind, name: name.clone(), key: String::new(), keys: Vec::new(), optional: true, used_by: Vec::new(), fields: Vec::new(), source: None });
                        written.last_mut().expect("just pushed")
                    }
                };
                for k in &keys {
                    add_unique(&mut w.keys, k);
                }
                add_unique(&mut w.used_by, &wname);
                add_unique_field(&mut w.fields, &wname, &site.field);
                w.optional &= site.optional();
                if w.source.is_none() {
                    w.source = site.source.clone().or(Some(wsource.clone()));
                }
            }
        });
    }

    // Values keys: the literal name, or the name at parameter defaults.
    written.sort_by_key(|a| (a.kind, a.name.display()));
    let mut taken: Vec<(Kind, String)> = Vec::new();
    for x in written.iter_mut() {
        let base: String = x.name.0.iter().map(|p| match p {
            Part::Lit(s) => s.clone(),
            Part::Param(n) => defaults.get(n).filter(|d| !d.is_empty()).cloned().unwrap_or_else(|| n.to_ascii_lowercase()),
            _ => String::new(),
        }).collect();
        let mut key = base.clone();
        let mut i = 2;
        while taken.contains(&(x.kind, key.clone())) {
            key = format!("{base}-{i}");
            i += 1;
        }
        taken.push((x.kind, key.clone()));
        x.key = key;
    }

    for w in model.workloads.iter_mut() {
        each_site(w, &mut |site: Site| {
            let Some(Val::Str(name)) = site.node.get(site.name_key) else { return };
            let Some(x) = written.iter().find(|x| x.kind == site.kind && x.name == *name) else { return };
            rewire(site, x);
        });
    }

    let file = "externals.yaml";
    let mut blocks: BTreeMap<Kind, Vec<(String, String, ValuesNode)>> = BTreeMap::new();
    for x in &written {
        let base = format!("{}.{}", x.kind.block(), path_key(&x.key));
        let literal = x.name.as_literal().is_some();
        let shown = x.name.display();
        let mut entry: Vec<(&str, String, ValuesNode)> = vec![("create", format!("Create this {} from the values below (true), or use one that exists (false).", x.kind.as_str()), ValuesNode::leaf(false))];
        if literal {
            entry.push(("name", format!("Name of the {} the pods read.", x.kind.as_str()), ValuesNode::leaf(shown.as_str())));
        }
        // A volume claim cannot be optional in Kubernetes.
        let can_be_optional = !x.optional && x.kind != Kind::Claim;
        if can_be_optional {
            entry.push(("optional", "Mark every reference optional: pods start without it (the app must cope).".into(), ValuesNode::leaf(false)));
        }
        match x.kind {
            Kind::Secret | Kind::ConfigMap => {
                let data = if x.kind == Kind::Secret { "stringData" } else { "data" };
                if !x.keys.is_empty() {
                    entry.push(("keys", "Key the pods read → key in the object (rename to read another key).".into(), ValuesNode::Map(x.keys.iter().map(|k| (k.clone(), String::new(), ValuesNode::leaf(k.as_str()))).collect())));
                }
                entry.push((
                    data,
                    format!("Content when `create` is true: key → value{}.", if x.kind == Kind::Secret { " (never commit real credentials; prefer an existing Secret)" } else { "" }),
                    // Open: the object may need keys the pods do not read (values.schema.json).
                    ValuesNode::open(serde_json::Value::Object(x.keys.iter().map(|k| (k.clone(), serde_json::Value::from(""))).collect())),
                ));
                let body = Val::map()
                    .with("apiVersion", Val::str("v1"))
                    .with("kind", Val::str(x.kind.as_str()))
                    .with("metadata", Val::map().with("name", if literal { Val::Str(Text::value(format!("{base}.name"))) } else { Val::Str(x.name.clone()) }).with("labels", label_map(&[("app".into(), Val::str(model.apps.first().cloned().unwrap_or_default()))])).build());
                let body = if x.kind == Kind::Secret { body.with("type", Val::str("Opaque")) } else { body };
                model.extra.push(ExtraObject { file: file.into(), body: body.with(data, Val::ValueRef(format!("{base}.{data}"))).build(), when: Some(Cond::value(&format!("{base}.create"))), infra: false });
            }
            Kind::Claim => {
                entry.push(("size", "Requested size when `create` is true.".into(), ValuesNode::leaf("1Gi")));
                entry.push(("accessModes", String::new(), ValuesNode::leaf(serde_json::json!(["ReadWriteOnce"]))));
                entry.push(("storageClassName", "Storage class; empty uses the cluster default.".into(), ValuesNode::leaf("")));
                let spec = Val::map()
                    .with("accessModes", Val::ValueRef(format!("{base}.accessModes")))
                    .with("resources", Val::map().with("requests", Val::map().with("storage", Val::Str(Text::value(format!("{base}.size")))).build()).build())
                    .when(Cond::value(&format!("{base}.storageClassName")), "storageClassName", Val::Str(Text::value(format!("{base}.storageClassName"))))
                    .build();
                let body = Val::map()
                    .with("apiVersion", Val::str("v1"))
                    .with("kind", Val::str("PersistentVolumeClaim"))
                    .with("metadata", Val::map().with("name", if literal { Val::Str(Text::value(format!("{base}.name"))) } else { Val::Str(x.name.clone()) }).build())
                    .with("spec", spec)
                    .build();
                model.extra.push(ExtraObject { file: file.into(), body, when: Some(Cond::value(&format!("{base}.create"))), infra: false });
            }
        }
        blocks.entry(x.kind).or_default().push((x.key.clone(), format!("{} `{shown}`: read by {} but not defined in the template.", x.kind.as_str(), count(x.used_by.len(), "workload")), ValuesNode::Map(entry.into_iter().map(|(k, c, v)| (k.to_string(), c, v)).collect())));

        let source = x.source.clone().unwrap_or_else(|| ctx.src(crate::source::yaml::Pos::default()));
        let create = Cond::value(&format!("{base}.create"));
        let pending = match (x.optional, can_be_optional) {
            (true, _) => None,
            (false, true) => Some(Cond::And(vec![create.clone().negated(), Cond::value(&format!("{base}.optional")).negated()])),
            (false, false) => Some(create.clone().negated()),
        };
        let resolve = format!(
            "create {} `{shown}` before installing, or set `{base}.create=true` with its {}{}{}",
            x.kind.as_str(),
            if x.kind == Kind::Claim { "size" } else { "content" },
            if literal { format!(", or point `{base}.name` at one that exists") } else { String::new() },
            if can_be_optional { format!(", or set `{base}.optional=true`") } else { String::new() }
        );
        let outcome = if x.optional { Outcome::Translated } else { Outcome::NeedsInput };
        let msg = format!(
            "{} `{shown}` is read by {} ({}) but the template does not define it: Clowder's environment provided it{}",
            x.kind.as_str(),
            count(x.used_by.len(), "workload"),
            if x.keys.is_empty() { "whole".to_string() } else { format!("keys {}", x.keys.join(", ")) },
            if x.optional { "; every reference is optional" } else { "" }
        );
        let f = ctx.findings.add("external.reference", outcome, source.clone(), format!("values.yaml:{base}"), msg);
        f.hint(resolve.clone());
        model.externals.push(External {
            kind: x.kind.as_str().into(),
            name: x.name.clone(),
            values_key: base,
            keys: x.keys.iter().map(Text::lit).collect(),
            optional: x.optional,
            used_by: x.used_by.clone(),
            fields: x.fields.clone(),
            source,
            when: None,
            pending,
            resolve,
        });
    }
    model.externals.extend(provided);
    // Pull secrets reach pods through their ServiceAccounts (Clowder's pullSecrets provider).
    let accounts: Vec<String> = model.workloads.iter().map(|w| w.pod.service_account.display()).fold(Vec::new(), |mut v, s| {
        add_unique(&mut v, &s);
        v
    });
    for name in &ctx.env.pull_secrets {
        model.externals.push(External {
            kind: "Secret".into(),
            name: Text::lit(name),
            values_key: "imagePullSecrets".into(),
            keys: vec![Text::lit(".dockerconfigjson")],
            optional: false,
            used_by: accounts.clone(),
            fields: vec!["ServiceAccount imagePullSecrets".into()],
            source: model.workloads.first().map(|w| w.source.clone()).unwrap_or_else(|| ctx.src(crate::source::yaml::Pos::default())),
            when: None,
            pending: None,
            resolve: format!("create the pull Secret `{name}` (type kubernetes.io/dockerconfigjson), or change `imagePullSecrets`"),
        });
    }
    for (kind, entries) in blocks {
        let comment = match kind {
            Kind::Secret => "Secrets the pods read that the template does not define (Clowder's environment provided them). Each must exist before install: create it, let the chart create it (`create: true` and `stringData`), point `name`/`keys` at one that exists, or make the references `optional`.",
            Kind::ConfigMap => "ConfigMaps the pods read that the template does not define. Each must exist before install: create it, let the chart create it (`create: true` and `data`), point `name`/`keys` at one that exists, or make the references `optional`.",
            Kind::Claim => "PersistentVolumeClaims the pods mount that the template does not define: create them, or let the chart create them (`create: true`).",
        };
        model.values.push(ValuesBlock { key: kind.block().into(), comment: comment.into(), value: ValuesNode::Map(entries) });
    }
}

/// Point one template-written reference at its values entry. At defaults it renders as written.
fn rewire(site: Site, x: &Written) {
    let base = format!("{}.{}", x.kind.block(), path_key(&x.key));
    let node = site.node;
    if x.name.as_literal().is_some() {
        node.set(site.name_key, Val::Str(Text::value(format!("{base}.name"))));
    }
    let key_path = |k: &str| Val::Str(Text::value(format!("{base}.keys.{}", path_key(k))));
    if let Some(k) = node.get("key").and_then(Val::as_literal_str) {
        node.set("key", key_path(&k));
    }
    if let Some(Val::Seq(items)) = node.get_mut("items") {
        for it in items.iter_mut() {
            if let Some(k) = it.val.get("key").and_then(Val::as_literal_str) {
                it.val.set("key", key_path(&k));
            }
        }
    }
    if x.optional || x.kind == Kind::Claim {
        return;
    }
    let optional = format!("{base}.optional");
    match node.get("optional") {
        Some(Val::Bool(true)) => {}
        Some(_) => node.set("optional", Val::ValueRef(optional)),
        None => {
            if let Val::Map(m) = node {
                m.push(Entry { key: Text::lit("optional"), val: Val::Bool(true), when: Some(Cond::value(&optional)) });
            }
        }
    }
}

fn add_unique(list: &mut Vec<String>, s: &str) {
    if !list.iter().any(|x| x == s) {
        list.push(s.to_string());
    }
}

/// `add_unique` of `"{workload}: {field}"`, formatted only when it is new (the same workload and
/// field come back once per alternative name).
fn add_unique_field(list: &mut Vec<String>, workload: &str, field: &str) {
    // Lengths first: most entries differ in length, and then no byte is compared.
    let len = workload.len() + 2 + field.len();
    let is_it = |x: &String| x.len() == len && x.starts_with(workload) && x[workload.len()..].starts_with(": ") && x.ends_with(field);
    if !list.iter().any(is_it) {
        list.push(format!("{workload}: {field}"));
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
