//! What the user asked for through the chart's own knobs, applied to the processed template
//! before the oracle builds what Clowder would have run: such values are choices, not
//! differences (docs/verify.md). Each rule is the documented meaning of a values block, written
//! here independently of the chart's templates.
//!
//! - `secrets.<key>` / `configMaps.<key>` / `persistentVolumeClaims.<key>`: the objects the
//!   template reads but does not define. `<key>` is the name as written, with parameters at their
//!   defaults. `name` renames a literal name, `keys.<k>` reads another key, `optional: true`
//!   marks every reference optional.

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
pub fn apply(objects: &mut [Value], raw: &[Value], input: &Input, values: &Value) {
    let defaults: BTreeMap<String, String> = input.parameters.iter().filter_map(|p| Some((p.name.clone(), p.value.clone()?))).collect();
    for (obj, raw_obj) in objects.iter_mut().zip(raw) {
        if text(obj.get("kind")) != "ClowdApp" {
            continue;
        }
        for section in ["deployments", "jobs"] {
            let raw_list = items(get(raw_obj, &format!("spec.{section}"))).to_vec();
            if let Some(Value::Array(list)) = obj.pointer_mut(&format!("/spec/{section}")) {
                for (w, r) in list.iter_mut().zip(&raw_list) {
                    pod_refs(w, r, values, &defaults);
                }
            }
        }
    }
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
}
