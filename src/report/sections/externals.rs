//! Section "Decisions before install" (`externals`): what the pods need that the release does
//! not create, each with the value that resolves it (install closure, docs/standalone.md).
//! These are the decisions a user makes before `helm install`; the report puts them first.

use crate::model::eval::Eval;
use crate::model::{Cond, Model, SourceRef};
use crate::report::md::cell;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ExternalRow {
    /// The reference exists only when this holds (`database.bundled.enabled=false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub keys: Vec<String>,
    pub kind: String,
    /// The name at chart defaults.
    pub name: String,
    /// The name as the pods reference it (`${PARAM}` and `<values.path>` kept).
    pub name_expr: String,
    /// Something must be done before `helm install` at chart defaults.
    pub needed_at_defaults: bool,
    pub optional: bool,
    pub references: Vec<String>,
    pub resolve: String,
    pub source: SourceRef,
    pub used_by: Vec<String>,
    pub values_key: String,
}

/// A condition as Helm reads it (`a` is true or non-empty; `not a`), joined with ` and `.
pub fn cond_text(c: &Cond) -> String {
    match c {
        Cond::Value(p) => p.clone(),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Value(p) => format!("not {p}"),
            other => format!("not ({})", cond_text(other)),
        },
        Cond::And(parts) => parts.iter().map(cond_text).collect::<Vec<_>>().join(" and "),
        Cond::Or(parts) => format!("({})", parts.iter().map(cond_text).collect::<Vec<_>>().join(" or ")),
        Cond::ParamAbove(p, n) => format!("parameters.{p} > {n}"),
    }
}

pub fn build(ev: &Eval, model: &Model) -> Vec<ExternalRow> {
    model
        .externals
        .iter()
        .map(|e| ExternalRow {
            kind: e.kind.clone(),
            name: ev.text_or_display(&e.name),
            name_expr: e.name.display(),
            values_key: e.values_key.clone(),
            keys: e.keys.iter().map(|k| ev.text_or_display(k)).collect(),
            optional: e.optional,
            needed_at_defaults: !e.optional && e.when.as_ref().is_none_or(|c| ev.cond(c)) && e.pending.as_ref().is_none_or(|c| ev.cond(c)),
            condition: e.when.as_ref().map(cond_text),
            used_by: e.used_by.clone(),
            references: e.fields.clone(),
            source: e.source.clone(),
            resolve: e.resolve.clone(),
        })
        .collect()
}

fn users(v: &[String]) -> String {
    if v.len() > 4 { format!("{}, … ({} workloads)", v[..3].join(", "), v.len()) } else { v.join(", ") }
}

/// The "Decisions before install" section: what must exist at defaults, then what exists only
/// under other values, then optional references.
pub fn markdown(o: &mut String, rows: &[ExternalRow]) {
    let needed: Vec<&ExternalRow> = rows.iter().filter(|r| r.needed_at_defaults).collect();
    let _ = writeln!(o, "## Decisions before install ({})\n", needed.len());
    if needed.is_empty() {
        let _ = writeln!(o, "At chart defaults every Secret, ConfigMap and volume claim the pods read is created by the release.\n");
    } else {
        let _ = writeln!(o, "At chart defaults the pods read these objects, which the release does not create: pods that need one wait (CreateContainerConfigError, ContainerCreating) until it exists. Resolve each with the value named.\n");
        let _ = writeln!(o, "| kind | name | keys | resolve with | used by | source |\n|---|---|---|---|---|---|");
        for r in &needed {
            let _ = writeln!(o, "| {} | `{}` | {} | `{}`: {} | {} | {}:{} |", r.kind, cell(&r.name), cell(&r.keys.join(", ")), r.values_key, cell(&r.resolve), cell(&users(&r.used_by)), r.source.file, r.source.line);
        }
        o.push('\n');
    }
    let other: Vec<&ExternalRow> = rows.iter().filter(|r| !r.needed_at_defaults).collect();
    if !other.is_empty() {
        let _ = writeln!(o, "<details><summary>{} more: needed only under other values, or optional</summary>\n", other.len());
        let _ = writeln!(o, "| kind | name | when | resolve with | used by | source |\n|---|---|---|---|---|---|");
        for r in other {
            let when = match (&r.condition, r.optional) {
                (_, true) => "optional references".to_string(),
                (Some(c), _) => format!("`{c}`"),
                (None, _) => "—".to_string(),
            };
            let _ = writeln!(o, "| {} | `{}` | {} | `{}` | {} | {}:{} |", r.kind, cell(&r.name_expr), when, r.values_key, cell(&users(&r.used_by)), r.source.file, r.source.line);
        }
        let _ = writeln!(o, "\n</details>\n");
    }
}
