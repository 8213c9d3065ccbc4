//! One-line, human-readable forms of model values for the upstream diff: parameters as
//! `${NAME}` / `${{NAME}}`, chart values as `<path>`, collections in YAML flow style.

use crate::model::{Cond, Val};

pub fn cond(c: &Cond) -> String {
    match c {
        Cond::Value(p) => p.clone(),
        Cond::Not(inner) => format!("not {}", cond(inner)),
        Cond::And(list) => list.iter().map(cond).collect::<Vec<_>>().join(" and "),
        Cond::Or(list) => format!("({})", list.iter().map(cond).collect::<Vec<_>>().join(" or ")),
    }
}

fn quoted_if_needed(s: &str) -> String {
    // Quotes only where the flow form would be ambiguous; `${PARAM}` reads better bare.
    let plain = !s.is_empty() && !s.contains(", ") && !s.contains(": ") && !s.contains(['"', '\n']) && !s.ends_with(':') && s.trim() == s;
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_default() }
}

pub fn val(v: &Val) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.clone(),
        Val::Str(t) => quoted_if_needed(&t.display()),
        Val::Typed(n) => format!("${{{{{n}}}}}"),
        Val::ValueRef(p) => format!("<{p}>"),
        Val::If(c, a, b) => format!("(if {} then {} else {})", cond(c), val(a), val(b)),
        Val::Generated(g) => match &g.param {
            Some(p) => format!("(${{{p}}}, else generated)"),
            None => format!("(generated into secret {} key {})", g.secret.display(), g.key),
        },
        Val::ConfigJson(name) => format!("<config {name} as JSON>"),
        Val::ConfigHash(name) => format!("<sha256 of config {name}>"),
        Val::SecretValue { secret, key } => format!("<secret {} key {}>", secret.display(), key.display()),
        Val::Seq(items) => {
            let parts: Vec<String> = items.iter().map(|i| with_cond(val(&i.val), &i.when)).collect();
            format!("[{}]", parts.join(", "))
        }
        Val::Map(entries) => {
            let parts: Vec<String> = entries.iter().map(|e| with_cond(format!("{}: {}", quoted_if_needed(&e.key.display()), val(&e.val)), &e.when)).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

pub fn with_cond(s: String, when: &Option<Cond>) -> String {
    match when {
        Some(c) => format!("{s} (when {})", cond(c)),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Part, Text};

    #[test]
    fn shows_references_and_collections_compactly() {
        let v = Val::map()
            .with("secretKeyRef", Val::map().with("name", Val::str("koku-aws")).with("key", Val::str("aws_access_key_id")).build())
            .with("image", Val::Str(Text(vec![Part::Param("IMAGE".into()), Part::Lit(":".into()), Part::Param("TAG".into())])))
            .with("replicas", Val::Typed("R".into()))
            .build();
        assert_eq!(val(&v), "{secretKeyRef: {name: koku-aws, key: aws_access_key_id}, image: ${IMAGE}:${TAG}, replicas: ${{R}}}");
    }
}
