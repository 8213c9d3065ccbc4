//! Plain Kubernetes objects in the template (Secret, ConfigMap, Route, Service, PDB, ...): carried
//! into the chart with their parameters wired to values, as `oc process` would emit them.

use super::Ctx;
use crate::error::InputError;
use crate::model::value::GenRecipe;
use crate::model::{Entry, Model, Outcome, PassObject, Text, Val};
use crate::source::template::err;
use crate::source::yaml::Node;

pub fn map_objects(ctx: &mut Ctx, model: &mut Model) -> Result<(), InputError> {
    let objects = ctx.input.objects.clone();
    for obj in &objects {
        let kind = obj.get("kind").and_then(Node::as_str).unwrap_or_default().to_string();
        if obj.get("apiVersion").is_none() {
            return Err(err(&ctx.input.file, obj.pos, format!("{kind} object has no apiVersion")).hint("every template object needs apiVersion and kind"));
        }
        let md = obj.get("metadata").filter(|m| m.is_map()).ok_or_else(|| err(&ctx.input.file, obj.pos, format!("{kind} object has no metadata")))?;
        let name_node = md.get("name").ok_or_else(|| err(&ctx.input.file, md.pos, format!("{kind} object has no metadata.name")))?;
        let name = ctx.text(name_node)?;
        if let Some(lit) = name.as_literal()
            && (lit.contains('/') || lit.contains("..") || lit.is_empty()) {
                return Err(err(&ctx.input.file, name_node.pos, format!("{kind} name `{lit}` is not a valid Kubernetes name")).hint("use lowercase letters, digits, `-` and `.`"));
            }
        let mut body = ctx.val(obj)?;
        if let Some(metadata) = body.get_mut("metadata") {
            if let Some(ns) = md.get("namespace") {
                let literal = matches!(metadata.get("namespace"), Some(Val::Str(t)) if t.as_literal().is_some());
                if literal {
                    if let Val::Map(m) = metadata {
                        m.retain(|e| e.key.as_literal().as_deref() != Some("namespace"));
                    }
                    ctx.find("object.namespace", Outcome::Translated, ns.pos, format!("{kind}/{}", name.display()), "literal metadata.namespace removed (oc process does the same); the object goes to the release namespace", None);
                }
            }
            merge_template_labels(ctx, metadata)?;
        }
        if kind == "Secret" {
            wire_generated(ctx, &mut body, &name, obj)?;
        }
        let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or_default();
        let when = api.starts_with("keda.sh/").then(super::cond_keda);
        let (outcome, msg) = match kind.as_str() {
            _ if when.is_some() => (Outcome::Translated, format!("KEDA {kind} carried into the chart; rendered when autoscaling.keda.enabled is true")),
            "Route" => (Outcome::Approximated, "OpenShift Route carried as is: it renders only on OpenShift".to_string()),
            "Template" => return Err(err(&ctx.input.file, obj.pos, "a Template nested inside a Template's objects is not supported")),
            _ => (Outcome::Translated, format!("{kind} carried into the chart with its parameters wired to values")),
        };
        ctx.find("object.passthrough", outcome, obj.pos, format!("{kind}/{}", name.display()), msg, None);
        let stem: String = name.display().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c.to_ascii_lowercase() } else { '-' }).collect();
        model.objects.push(PassObject { file: format!("{}-{}.yaml", kind.to_ascii_lowercase(), stem.trim_matches('-')), kind, name, body, source: ctx.src(obj.pos), when });
    }
    Ok(())
}

fn merge_template_labels(ctx: &Ctx, metadata: &mut Val) -> Result<(), InputError> {
    if ctx.input.labels.is_empty() {
        return Ok(());
    }
    if metadata.get("labels").is_none() {
        metadata.set("labels", Val::Map(Vec::new()));
    }
    let labels = metadata.get_mut("labels").expect("just set");
    for (k, v) in &ctx.input.labels {
        labels.set(&k.text, ctx.val(v)?);
    }
    Ok(())
}

/// `generate:` parameters used as a whole Secret value: generated once, then kept (the chart
/// looks the live Secret up before generating).
fn wire_generated(ctx: &mut Ctx, body: &mut Val, secret: &Text, obj: &Node) -> Result<(), InputError> {
    for section in ["stringData", "data"] {
        let Some(Val::Map(entries)) = body.get_mut(section) else { continue };
        for Entry { key, val, .. } in entries.iter_mut() {
            let Val::Str(t) = val else { continue };
            let [crate::model::Part::Param(p)] = t.0.as_slice() else { continue };
            let Some(param) = ctx.input.parameter(p) else { continue };
            let Some(from) = &param.generate_from else { continue };
            let key_s = key.as_literal().unwrap_or_default();
            let (recipe, exact) = recipe(from);
            let pos = obj.get(section).and_then(|s| s.get(&key_s)).map(|n| n.pos).unwrap_or(obj.pos);
            ctx.find(
                "parameter.generated",
                if exact { Outcome::Translated } else { Outcome::Approximated },
                pos,
                format!("Secret/{}:{section}.{key_s}", secret.display()),
                format!("parameter `{p}` (generate from `{from}`) is generated at install, kept on upgrade by reading the live Secret, and can be set with parameters.{p}{}", if exact { String::new() } else { format!("; the pattern is approximated by {recipe:?}") }),
                None,
            );
            *val = Val::Generated(crate::model::value::Generated { param: Some(p.clone()), secret: secret.clone(), key: key_s, base64: section == "data", recipe });
        }
    }
    Ok(())
}

/// Map OpenShift's `from` pattern (`[a-f0-9]{20}`, `[a-zA-Z0-9]{16}`, `\w{8}`) to a generator.
pub fn recipe(from: &str) -> (GenRecipe, bool) {
    let (class, n) = match from.rfind('{') {
        Some(i) if from.ends_with('}') => (&from[..i], from[i + 1..from.len() - 1].parse::<usize>().unwrap_or(16)),
        _ => (from, 1),
    };
    
    match class {
        "[a-f0-9]" | "[0-9a-f]" => (GenRecipe::LowerHex(n), true),
        "[A-F0-9]" | "[0-9A-F]" => (GenRecipe::UpperHex(n), true),
        "[a-zA-Z0-9]" | "[A-Za-z0-9]" | "[a-zA-Z0-9_]" | "\\w" => (GenRecipe::AlphaNum(n), class != "[a-zA-Z0-9_]" && class != "\\w"),
        "[a-z0-9]" | "[0-9a-z]" => (GenRecipe::LowerAlphaNum(n), true),
        "[a-z]" => (GenRecipe::Lower(n), true),
        "[a-zA-Z]" | "[A-Za-z]" | "\\a" => (GenRecipe::Alpha(n), true),
        "[0-9]" | "\\d" => (GenRecipe::Numeric(n), true),
        _ => (GenRecipe::AlphaNum(n.max(16)), false),
    }
}
