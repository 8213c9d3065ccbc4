//! What the user asked for through the chart's own knobs, applied to the processed template
//! before the oracle builds what Clowder would have run: such values are choices, not
//! differences (docs/verify.md). Each rule is the documented meaning of a values block, written
//! here independently of the chart's templates.
//!
//! - `components.<key>.enabled: false`: the deployment or job (and its Service, account,
//!   autoscaler) is not there; nor is a component the profile says `requires` a provider that is
//!   neither bundled nor external (`kafka.bundled.enabled`, `kafka.external.host`, under
//!   `apps.<app>` when the template holds several ClowdApps). `<key>` is the name with
//!   parameters left out, prefixed by the app when there are several.
//! - `secrets.<key>` / `configMaps.<key>` / `persistentVolumeClaims.<key>`: the objects the
//!   template reads but does not define. `<key>` is the name as written, with parameters at their
//!   defaults. `name` renames a literal name, `keys.<k>` reads another key, `optional: true`
//!   marks every reference optional.
//! - `global.*` / `components.<key>.*` operational values (scheduling, security contexts, image
//!   registry, pull secrets): see `operations.rs`, applied to the expectations.

use super::{get, items, text};
use crate::source::template::Input;
use crate::verify::values::at;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The values key of a name as written: literal text kept, `${P}` replaced by P's default (or
/// its lower-cased name when it has none).
fn key_of(raw: &str, defaults: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let p = &after[..j];
        out.push_str(defaults.get(p).filter(|d| !d.is_empty()).map(String::as_str).unwrap_or(&p.to_ascii_lowercase()));
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

fn literal(raw: &str) -> bool {
    !raw.contains("${")
}

/// Apply the values to one reference map (`secretKeyRef`, a volume's `secret`...).
fn apply_ref(processed: &mut Value, raw: &Value, block: &Value, name_key: &str, defaults: &BTreeMap<String, String>) {
    let raw_name = text(raw.get(name_key));
    let Some(entry) = block.get(key_of(&raw_name, defaults)).filter(|e| e.is_object()) else { return };
    let Some(m) = processed.as_object_mut() else { return };
    if literal(&raw_name)
        && let Some(Value::String(n)) = entry.get("name")
    {
        m.insert(name_key.into(), Value::String(n.clone()));
    }
    let keys = entry.get("keys");
    let remap = |k: &str| keys.and_then(|ks| ks.get(k)).and_then(Value::as_str).map(str::to_string);
    if let Some(Value::String(k)) = m.get("key").cloned()
        && literal(&text(raw.get("key")))
        && let Some(new) = remap(&k)
    {
        m.insert("key".into(), Value::String(new));
    }
    if let Some(Value::Array(list)) = m.get_mut("items") {
        for (it, raw_it) in list.iter_mut().zip(items(raw.get("items"))) {
            if let (Some(Value::String(k)), true) = (it.get("key").cloned(), literal(&text(raw_it.get("key"))))
                && let Some(new) = remap(&k)
            {
                it["key"] = Value::String(new);
            }
        }
    }
    if entry.get("optional") == Some(&Value::Bool(true)) {
        m.insert("optional".into(), Value::Bool(true));
    }
}

fn pod_refs(processed: &mut Value, raw: &Value, values: &Value, defaults: &BTreeMap<String, String>) {
    let block = |name: &str| at(values, name).cloned().unwrap_or(Value::Object(Map::new()));
    let (secrets, config_maps, claims) = (block("secrets"), block("configMaps"), block("persistentVolumeClaims"));
    let env_lists: Vec<String> = std::iter::once("/podSpec/env".to_string())
        .chain((0..items(get(raw, "podSpec.initContainers")).len()).map(|i| format!("/podSpec/initContainers/{i}/env")))
        .collect();
    for pointer in env_lists {
        let raw_env = raw.pointer(&pointer).and_then(Value::as_array).cloned().unwrap_or_default();
        if let Some(Value::Array(env)) = processed.pointer_mut(&pointer) {
            for (e, r) in env.iter_mut().zip(&raw_env) {
                for (field, b) in [("secretKeyRef", &secrets), ("configMapKeyRef", &config_maps)] {
                    if let (Some(p), Some(rr)) = (e.pointer_mut(&format!("/valueFrom/{field}")), r.pointer(&format!("/valueFrom/{field}"))) {
                        apply_ref(p, rr, b, "name", defaults);
                    }
                }
            }
        }
    }
    let raw_vols = items(get(raw, "podSpec.volumes")).to_vec();
    if let Some(Value::Array(vols)) = processed.pointer_mut("/podSpec/volumes") {
        for (v, r) in vols.iter_mut().zip(&raw_vols) {
            for (field, b, name_key) in [("secret", &secrets, "secretName"), ("configMap", &config_maps, "name"), ("persistentVolumeClaim", &claims, "claimName")] {
                if let (Some(p), Some(rr)) = (v.get_mut(field), r.get(field)) {
                    apply_ref(p, rr, b, name_key, defaults);
                }
            }
            if let (Some(Value::Array(srcs)), Some(rsrcs)) = (v.pointer_mut("/projected/sources"), r.pointer("/projected/sources").and_then(Value::as_array)) {
                for (s, rs) in srcs.iter_mut().zip(rsrcs) {
                    for (field, b) in [("secret", &secrets), ("configMap", &config_maps)] {
                        if let (Some(p), Some(rr)) = (s.get_mut(field), rs.get(field)) {
                            apply_ref(p, rr, b, "name", defaults);
                        }
                    }
                }
            }
        }
    }
}

/// Apply the user's values to every ClowdApp deployment and job of the processed template.
pub fn apply(objects: &mut [Value], raw: &[Value], input: &Input, values: &Value, options: &crate::mapping::Options) -> Result<(), crate::error::InputError> {
    let defaults: BTreeMap<String, String> = input.parameters.iter().filter_map(|p| Some((p.name.clone(), p.value.clone()?))).collect();
    for (obj, raw_obj) in objects.iter_mut().zip(raw) {
        if text(obj.get("kind")) != "ClowdApp" {
            continue;
        }
        let (profile, _) = crate::mapping::profile::select(options.profile.as_deref(), &text(obj.pointer("/metadata/name")))?;
        let app_env: Vec<(String, String)> = profile.app_env.keys().filter_map(|n| Some((n.clone(), at(values, &format!("appEnv.{n}")).and_then(Value::as_str).filter(|v| !v.is_empty())?.to_string()))).collect();
        for section in ["deployments", "jobs"] {
            let raw_list = items(get(raw_obj, &format!("spec.{section}"))).to_vec();
            if let Some(Value::Array(list)) = obj.pointer_mut(&format!("/spec/{section}")) {
                for (w, r) in list.iter_mut().zip(&raw_list) {
                    pod_refs(w, r, values, &defaults);
                    set_app_env(w, r, &profile.containers.image_parameters, &app_env);
                }
            }
        }
    }
    Ok(())
}

/// `appEnv.<NAME>`: the value in every container running the app's image (the profile's image
/// parameters), replacing the template's. Where the template has no such variable the chart adds
/// one after Clowder's list, which the comparison accepts as the chart's own entry.
fn set_app_env(w: &mut Value, raw: &Value, image_parameters: &[String], app_env: &[(String, String)]) {
    if app_env.is_empty() {
        return;
    }
    let applies = |raw_image: &str| image_parameters.is_empty() || image_parameters.iter().any(|p| raw_image.contains(&format!("${{{p}}}")) || raw_image.contains(&format!("${{{{{p}}}}}")));
    let main_image = text(raw.pointer("/podSpec/image"));
    let mut lists = Vec::new();
    if applies(&main_image) {
        lists.push("/podSpec/env".to_string());
    }
    for (i, ic) in items(get(raw, "podSpec.initContainers")).iter().enumerate() {
        let image = ic.get("image").map(|v| text(Some(v))).unwrap_or_else(|| main_image.clone());
        if applies(&image) {
            lists.push(format!("/podSpec/initContainers/{i}/env"));
        }
    }
    for pointer in lists {
        let Some(Value::Array(list)) = w.pointer_mut(&pointer) else { continue };
        for (name, value) in app_env {
            match list.iter_mut().find(|e| text(e.get("name")) == *name) {
                Some(e) if e.get("valueFrom").is_none() => e["value"] = Value::String(value.clone()),
                _ => {}
            }
        }
    }
}

/// The values key of a component as written: literal text, parameters left out.
pub(super) fn component_key(raw: &str, app: &str, multi_app: bool) -> String {
    let mut literal = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find("${") {
        literal.push_str(&rest[..i]);
        literal.push('-');
        rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
    }
    literal.push_str(rest);
    let mut out = String::new();
    for c in literal.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_end_matches('-');
    let out = if out.is_empty() { "component" } else { out };
    if multi_app { format!("{app}-{out}") } else { out.to_string() }
}

/// Names (`<app>-<component>`, as processed) of the deployments and jobs the values leave out.
pub fn disabled_workloads(objects: &[Value], raw: &[Value], values: &Value, options: &crate::mapping::Options) -> Result<std::collections::BTreeSet<String>, crate::error::InputError> {
    let apps: Vec<(&Value, &Value)> = objects.iter().zip(raw).filter(|(o, _)| text(o.get("kind")) == "ClowdApp").collect();
    let multi = apps.len() > 1;
    let truthy = |v: Option<&Value>| match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        Some(_) => true,
    };
    let mut out = std::collections::BTreeSet::new();
    for (app, raw_app) in apps {
        let name = text(app.get("metadata").and_then(|m| m.get("name")));
        // Each app's provider values: at the top, or under `apps.<app>` when there are several.
        let own = |rel: &str| if multi { format!("apps.{}.{rel}", crate::model::value::path_key(&name)) } else { rel.to_string() };
        let kafka = truthy(at(values, &own("kafka.bundled.enabled"))) || truthy(at(values, &own("kafka.external.host")));
        let (profile, _) = crate::mapping::profile::select(options.profile.as_deref(), &name)?;
        for section in ["deployments", "jobs"] {
            let raw_list = items(get(raw_app, &format!("spec.{section}")));
            for (w, r) in items(get(app, &format!("spec.{section}"))).iter().zip(raw_list) {
                let component = text(w.get("name"));
                let key = component_key(&text(r.get("name")), &name, multi);
                let switched_off = at(values, "components").and_then(|c| c.get(&key)).and_then(|c| c.get("enabled")) == Some(&Value::Bool(false));
                let needs_kafka = profile.requires.get("kafka").is_some_and(|l| l.contains(&component));
                if switched_off || (needs_kafka && !kafka) {
                    out.insert(format!("{name}-{component}"));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_names_at_parameter_defaults() {
        let d = BTreeMap::from([("S".to_string(), "sentry".to_string()), ("E".to_string(), String::new())]);
        assert_eq!(key_of("koku-aws", &d), "koku-aws");
        assert_eq!(key_of("${S}", &d), "sentry");
        assert_eq!(key_of("x-${E}-y", &d), "x-e-y");
    }

    #[test]
    fn component_keys_leave_parameters_out() {
        assert_eq!(component_key("db-migrate-cji-${TAG}-${N}", "koku", false), "db-migrate-cji");
        assert_eq!(component_key("api", "koku", true), "koku-api");
        assert_eq!(component_key("${X}", "a", false), "component");
    }
}
