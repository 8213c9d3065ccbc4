//! User overlays (`--overrides FILE`): RFC 6902 patches re-applied to the generated objects and
//! to values.yaml on every run, so local adjustments survive regeneration.
//!
//! ```yaml
//! - target: {kind: Deployment, name: koku-clowder-masu}
//!   patch:
//!   - {op: add, path: /spec/template/spec/nodeSelector, value: {disktype: ssd}}
//! - target: {kind: Values}
//!   patch:
//!   - {op: replace, path: /parameters/ENV_NAME, value: stage}
//! ```
//!
//! An entry that no longer applies is an error, never a silent skip: the user must learn that
//! upstream moved under their adjustment.

use super::symbolic::Symbols;
use super::values;
use crate::chart::TemplateFile;
use crate::error::InputError;
use crate::model::eval::Eval;
use crate::model::{Model, Text, Val};
use crate::source::template::sha256_hex;
use crate::source::yaml::{self, Node, Pos};
use json_patch::PatchOperation;
use serde_json::Value as J;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// values.yaml, as one JSON document (`/parameters/NAME`, `/autoscaling/keda/enabled`).
    Values,
    /// Generated objects of this kind whose `metadata.name` is `name`.
    Object { kind: String, name: String },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Values => write!(f, "Values"),
            Target::Object { kind, name } => write!(f, "{kind} {name}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OverlayEntry {
    /// 1-based position in the file, as users count.
    pub index: usize,
    pub pos: Pos,
    pub target: Target,
    pub ops: Vec<PatchOperation>,
    pub op_pos: Vec<Pos>,
}

#[derive(Debug, Clone)]
pub struct Overlay {
    pub file: String,
    pub sha256: String,
    pub entries: Vec<OverlayEntry>,
}

const ENTRY_KEYS: &str = "`target` and `patch`";

/// Parse an overrides file. Every mistake names its line.
pub fn parse(file: &str, text: &str) -> Result<Overlay, InputError> {
    let docs = yaml::load_documents(file, text)?;
    let docs: Vec<&Node> = docs.iter().filter(|d| !d.is_null()).collect();
    let mut overlay = Overlay { file: file.to_string(), sha256: sha256_hex(text.as_bytes()), entries: Vec::new() };
    let list = match docs.as_slice() {
        [] => return Ok(overlay),
        [one] => *one,
        [_, second, ..] => return Err(InputError::at(file, second.pos.line, second.pos.col, "an overrides file holds one YAML document (a list of entries)")),
    };
    if !list.is_seq() {
        return Err(InputError::at(file, list.pos.line, list.pos.col, format!("expected a list of overlay entries, found {}", list.a_type()))
            .hint("write `- target: {kind: Deployment, name: NAME}` followed by `patch: [...]`"));
    }
    for (i, node) in list.items().iter().enumerate() {
        overlay.entries.push(parse_entry(file, i + 1, node)?);
    }
    Ok(overlay)
}

fn at(file: &str, pos: Pos, msg: impl Into<String>) -> InputError {
    InputError::at(file, pos.line, pos.col, msg)
}

fn parse_entry(file: &str, index: usize, node: &Node) -> Result<OverlayEntry, InputError> {
    if !node.is_map() {
        return Err(at(file, node.pos, format!("overlay entry {index}: expected a mapping with {ENTRY_KEYS}, found {}", node.a_type())));
    }
    if let Some((k, _)) = node.entries().iter().find(|(k, _)| k.text != "target" && k.text != "patch") {
        return Err(at(file, k.pos, format!("overlay entry {index}: unknown key `{}`; an entry has {ENTRY_KEYS}", k.text)));
    }
    let target_node = node.get("target").ok_or_else(|| at(file, node.pos, format!("overlay entry {index} has no `target`")))?;
    let target = parse_target(file, index, target_node)?;
    let patch = node.get("patch").ok_or_else(|| at(file, node.pos, format!("overlay entry {index} ({target}) has no `patch`")))?;
    if !patch.is_seq() {
        return Err(at(file, patch.pos, format!("overlay entry {index} ({target}): `patch` must be a list of RFC 6902 operations, found {}", patch.a_type())));
    }
    let mut ops = Vec::new();
    let mut op_pos = Vec::new();
    for (k, op) in patch.items().iter().enumerate() {
        let parsed: PatchOperation = serde_json::from_value(op.to_json()).map_err(|e| {
            at(file, op.pos, format!("overlay entry {index} ({target}), operation {}: not an RFC 6902 operation: {e}", k + 1))
                .hint("each operation has `op` (add, remove, replace, move, copy, test), `path` (a JSON pointer such as /spec/replicas), and `value` or `from`")
        })?;
        ops.push(parsed);
        op_pos.push(op.pos);
    }
    Ok(OverlayEntry { index, pos: node.pos, target, ops, op_pos })
}

fn parse_target(file: &str, index: usize, node: &Node) -> Result<Target, InputError> {
    if !node.is_map() {
        return Err(at(file, node.pos, format!("overlay entry {index}: `target` must be a mapping with `kind` and `name`")));
    }
    if let Some((k, _)) = node.entries().iter().find(|(k, _)| k.text != "kind" && k.text != "name") {
        return Err(at(file, k.pos, format!("overlay entry {index}: unknown target key `{}`; a target has `kind` and `name`", k.text)));
    }
    let kind = node.get("kind").and_then(Node::as_str).ok_or_else(|| at(file, node.pos, format!("overlay entry {index}: the target needs a `kind` (a Kubernetes kind, or Values)")))?;
    let name = node.get("name");
    if kind == "Values" {
        if let Some(n) = name {
            return Err(at(file, n.pos, format!("overlay entry {index}: a Values target has no `name`")));
        }
        return Ok(Target::Values);
    }
    let name = name.and_then(Node::scalar_text).ok_or_else(|| at(file, node.pos, format!("overlay entry {index}: the {kind} target needs a `name` (the object's metadata.name)")))?;
    Ok(Target::Object { kind: kind.to_string(), name })
}

impl Overlay {
    fn error(&self, e: &OverlayEntry, msg: impl Into<String>) -> InputError {
        at(&self.file, e.pos, format!("overlay entry {} ({}): {}", e.index, e.target, msg.into()))
    }

    /// Why a patch failed, at the failing operation's line.
    fn patch_error(&self, e: &OverlayEntry, err: &json_patch::PatchError, object: &str) -> InputError {
        let pos = e.op_pos.get(err.operation).copied().unwrap_or(e.pos);
        let op = e.ops.get(err.operation).map(|o| format!("`{} {}`", op_name(o), o.path())).unwrap_or_default();
        at(
            &self.file,
            pos,
            format!("overlay entry {} ({}): operation {} {op} does not apply to {object}: {}", e.index, e.target, err.operation + 1, reason(&err.kind)),
        )
        .hint("the generated object changed since this entry was written: update or remove the entry (`clowd2helm diff OLD NEW` shows what changed upstream)")
    }

    /// Patch the generated objects. Objects no entry names are left exactly as generated.
    pub fn apply_to_templates(&self, model: &Model, templates: &mut [TemplateFile]) -> Result<(), InputError> {
        // (file index, object index) → its JSON form while being patched.
        let mut patched: Vec<((usize, usize), Symbols, J)> = Vec::new();
        for e in &self.entries {
            let Target::Object { kind, name } = &e.target else { continue };
            let mut matched = 0;
            for (fi, file) in templates.iter().enumerate() {
                for (oi, obj) in file.objects.iter().enumerate() {
                    if !identifies(model, &obj.body, kind, name) {
                        continue;
                    }
                    matched += 1;
                    let slot = match patched.iter().position(|(k, ..)| *k == (fi, oi)) {
                        Some(i) => i,
                        None => {
                            let mut syms = Symbols::default();
                            let j = syms.to_json(&obj.body);
                            patched.push(((fi, oi), syms, j));
                            patched.len() - 1
                        }
                    };
                    let object = format!("{kind} {name} in {}", file.path);
                    json_patch::patch(&mut patched[slot].2, &e.ops).map_err(|err| self.patch_error(e, &err, &object))?;
                }
            }
            if matched == 0 {
                let similar = similar_names(model, templates, kind, name);
                let mut err = self.error(e, format!("no generated {kind} is named `{name}`"));
                err = err.hint(match similar.is_empty() {
                    true => "the object is no longer generated (renamed or removed upstream): update or remove this entry".to_string(),
                    false => format!("the object is no longer generated; generated {kind}s with similar names: {}; update or remove this entry", similar.join(", ")),
                });
                return Err(err);
            }
        }
        for ((fi, oi), syms, j) in patched {
            let obj = &mut templates[fi].objects[oi];
            obj.body = syms.from_json(&j, Some(&obj.body));
        }
        Ok(())
    }

    /// The model with values.yaml patched, when some entry targets Values.
    pub fn apply_to_values(&self, model: &Model) -> Result<Option<Model>, InputError> {
        let entries: Vec<&OverlayEntry> = self.entries.iter().filter(|e| e.target == Target::Values).collect();
        if entries.is_empty() {
            return Ok(None);
        }
        let mut doc = values::to_json(model);
        for e in entries {
            json_patch::patch(&mut doc, &e.ops).map_err(|err| self.patch_error(e, &err, "values.yaml"))?;
            values::check(model, &doc).map_err(|msg| self.error(e, msg))?;
        }
        Ok(Some(values::with_values(model, &doc)))
    }
}

fn reason(kind: &json_patch::PatchErrorKind) -> String {
    use json_patch::PatchErrorKind as K;
    match kind {
        K::TestFailed => "the value there is not the one the `test` expects".into(),
        K::InvalidPointer => "the path does not exist there".into(),
        K::InvalidFromPointer => "the `from` path does not exist there".into(),
        other => other.to_string(),
    }
}

fn op_name(o: &PatchOperation) -> &'static str {
    match o {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

/// Is `body` the object of this kind and name? A name built from parameters matches both as
/// written in the template (`app-${TAG}`) and as rendered with the template's defaults.
fn identifies(model: &Model, body: &Val, kind: &str, name: &str) -> bool {
    if body.get("kind").and_then(Val::as_literal_str).as_deref() != Some(kind) {
        return false;
    }
    let Some(t) = body.get("metadata").and_then(|m| m.get("name")).and_then(Val::as_text) else { return false };
    t.display() == name || render_with_defaults(model, t).as_deref() == Some(name)
}

/// `t` with every parameter and chart value at its default.
fn render_with_defaults(model: &Model, t: &Text) -> Option<String> {
    Eval::new(model).text(t)
}

/// Names of generated objects of `kind` that contain `name` or are contained in it (what an
/// upstream rename usually looks like: `api` → `api-reads`).
fn similar_names(model: &Model, templates: &[TemplateFile], kind: &str, name: &str) -> Vec<String> {
    let mut out: Vec<String> = templates
        .iter()
        .flat_map(|f| &f.objects)
        .filter(|o| o.body.get("kind").and_then(Val::as_literal_str).as_deref() == Some(kind))
        .filter_map(|o| o.body.get("metadata").and_then(|m| m.get("name")).and_then(Val::as_text))
        .map(|t| render_with_defaults(model, t).unwrap_or_else(|| t.display()))
        .filter(|n| n.contains(name) || name.contains(n.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out.truncate(8);
    out
}
