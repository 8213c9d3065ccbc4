//! A YAML loader that keeps the line and column of every node.
//!
//! Built on the event stream of `saphyr-parser` so that spans, duplicate keys, aliases and merge
//! keys are all under our control (see docs/decisions.md).

use crate::error::InputError;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan, SpannedEventReceiver};
use std::borrow::Cow;

/// Inputs larger than this are refused before parsing: a ClowdApp template is kilobytes, not megabytes.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Upper bound on nodes after alias expansion (guards against "billion laughs").
pub const MAX_NODES: usize = 2_000_000;
/// Upper bound on nesting depth (guards the recursive stages after loading).
pub const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    /// Kept as written so that output reproduces it exactly.
    Float(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
    /// Number of nodes in this subtree (used to bound alias expansion).
    pub size: usize,
}

impl Node {
    pub fn new(kind: Kind, pos: Pos) -> Node {
        let size = 1 + match &kind {
            Kind::Seq(v) => v.iter().map(|n| n.size).sum(),
            Kind::Map(m) => m.iter().map(|(_, n)| n.size).sum(),
            _ => 0,
        };
        Node { kind, pos, size }
    }
    pub fn str(s: &str, pos: Pos) -> Node {
        Node::new(Kind::Str(s.to_string()), pos)
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _)| k.text == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.kind {
            Kind::Map(m) => m,
            _ => &[],
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(v) => v,
            _ => &[],
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq(_))
    }
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }
    /// A short name of the node's type for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Int(_) => "integer",
            Kind::Float(_) => "number",
            Kind::Str(_) => "string",
            Kind::Seq(_) => "list",
            Kind::Map(_) => "mapping",
        }
    }
    /// Scalar text as written (for ints, bools, floats too); None for collections and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.clone()),
            Kind::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
    /// Plain JSON view (drops positions).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => f.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(J::Number).unwrap_or(J::String(f.clone())),
            Kind::Str(s) => J::String(s.clone()),
            Kind::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            Kind::Map(m) => J::Object(m.iter().map(|(k, v)| (k.text.clone(), v.to_json())).collect()),
        }
    }
}

/// Load every document of a YAML stream. `file` is only used in error messages.
pub fn load_documents(file: &str, text: &str) -> Result<Vec<Node>, InputError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(InputError::whole(
            file,
            format!("input is {} bytes; clowd2helm reads at most {} bytes", text.len(), MAX_INPUT_BYTES),
        )
        .hint("a ClowdApp template is normally well under 1 MB: check that this is the right file"));
    }
    let mut builder = Builder { file, stack: Vec::new(), docs: Vec::new(), anchors: Vec::new(), nodes: 0, error: None };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        return Err(InputError::at(file, m.line(), m.col() + 1, format!("malformed YAML: {}", e.info()))
            .hint("fix the YAML syntax at this position (indentation must use spaces, not tabs)"));
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.docs)
}

enum Frame {
    Seq { items: Vec<Node>, pos: Pos, anchor: usize },
    Map { entries: Vec<(Key, Node)>, pending: Option<Key>, pos: Pos, anchor: usize },
}

struct Builder<'f> {
    file: &'f str,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
    error: Option<InputError>,
}

impl<'f> Builder<'f> {
    fn fail(&mut self, pos: Pos, msg: String, hint: &str) {
        if self.error.is_none() {
            self.error = Some(InputError::at(self.file, pos.line, pos.col, msg).hint(hint));
        }
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        if self.error.is_some() {
            return;
        }
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        let pos = node.pos;
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, pending, .. }) => match pending.take() {
                None => {
                    let text = match node.scalar_text() {
                        Some(t) => t,
                        None if node.is_null() => String::new(),
                        None => {
                            return self.fail(pos, "a mapping key must be a plain scalar".into(), "use a string key");
                        }
                    };
                    if text == "<<" {
                        return self.fail(
                            pos,
                            "YAML merge keys (<<) are not supported".into(),
                            "write the merged fields out explicitly; Kubernetes tools disagree on merge-key semantics",
                        );
                    }
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.text == text) {
                        let first_line = first.pos.line;
                        return self.fail(
                            pos,
                            format!("duplicate key `{text}` (first defined on line {first_line})"),
                            "remove one of the two entries; YAML does not allow duplicate keys",
                        );
                    }
                    *pending = Some(Key { text, pos });
                }
                Some(key) => entries.push((key, node)),
            },
        }
    }

    fn depth_ok(&mut self, pos: Pos) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(pos, format!("nesting deeper than {MAX_DEPTH} levels"), "flatten the document");
            return false;
        }
        true
    }

    fn count(&mut self, n: usize, pos: Pos) -> bool {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            self.fail(
                pos,
                format!("document expands to more than {MAX_NODES} nodes (alias expansion?)"),
                "remove the recursive anchors/aliases",
            );
            return false;
        }
        true
    }
}

fn resolve_plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Kind::Int(i);
        }
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Kind::Int(i);
        }
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Kind::Int(i);
        }
    }
    let is_float = {
        let b = digits.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_digit() || (b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit()))
            && digits.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
            && s.parse::<f64>().is_ok()
    };
    if is_float || matches!(s, ".inf" | "-.inf" | "+.inf" | ".nan" | ".Inf" | ".NaN") {
        return Kind::Float(s.to_string());
    }
    Kind::Str(s.to_string())
}

fn pos_of(span: &PSpan) -> Pos {
    Pos { line: span.start.line(), col: span.start.col() + 1 }
}

impl<'input, 'f> SpannedEventReceiver<'input> for Builder<'f> {
    fn on_event(&mut self, ev: Event<'input>, span: PSpan) {
        if self.error.is_some() {
            return;
        }
        let pos = pos_of(&span);
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                if !self.count(1, pos) {
                    return;
                }
                let kind = match tag.as_deref() {
                    Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => match t.suffix.as_str() {
                        "str" => Kind::Str(value.to_string()),
                        "int" | "float" | "bool" | "null" => resolve_plain(&value),
                        other => {
                            return self.fail(pos, format!("unsupported YAML tag !!{other}"), "remove the tag");
                        }
                    },
                    Some(t) => {
                        return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                    }
                    None if style == ScalarStyle::Plain => resolve_plain(&value),
                    None => Kind::Str(value.to_string()),
                };
                self.push_node(Node::new(kind, pos), anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "seq")) {
                    return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                }
                if self.depth_ok(pos) && self.count(1, pos) {
                    self.stack.push(Frame::Seq { items: Vec::new(), pos, anchor });
                }
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "map")) {
                    return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                }
                if self.depth_ok(pos) && self.count(1, pos) {
                    self.stack.push(Frame::Map { entries: Vec::new(), pending: None, pos, anchor });
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, pos, anchor }) = self.stack.pop() {
                    self.push_node(Node::new(Kind::Seq(items), pos), anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, pos, anchor, .. }) = self.stack.pop() {
                    self.push_node(Node::new(Kind::Map(entries), pos), anchor);
                }
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.iter().rev().find(|(a, _)| *a == id).map(|(_, n)| n.clone()) else {
                    return self.fail(pos, "alias to an unknown anchor".into(), "define the anchor before using it");
                };
                if self.count(node.size, pos) {
                    self.push_node(node, 0);
                }
            }
            Event::DocumentEnd => {
                self.anchors.clear();
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {}
        }
    }
}

fn is_core(t: &Cow<'_, saphyr_parser::Tag>, suffix: &str) -> bool {
    (t.handle == "tag:yaml.org,2002:" || t.handle == "!!") && t.suffix == suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_types() {
        let docs = load_documents("t.yaml", "a: 1\nb:\n  - x\n  - \"2\"\nc: 1.5\nd: true\ne:\n").unwrap();
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().kind, Kind::Int(1));
        assert_eq!(d.get("b").unwrap().items()[1].kind, Kind::Str("2".into()));
        assert_eq!(d.get("b").unwrap().items()[1].pos.line, 4);
        assert_eq!(d.get("c").unwrap().kind, Kind::Float("1.5".into()));
        assert_eq!(d.get("d").unwrap().kind, Kind::Bool(true));
        assert!(d.get("e").unwrap().is_null());
    }

    #[test]
    fn rejects_duplicate_keys_with_both_lines() {
        let e = load_documents("t.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("first defined on line 1"), "{}", e.message);
    }

    #[test]
    fn rejects_merge_keys_and_bounds_alias_bombs() {
        let e = load_documents("t.yaml", "a: &x {k: 1}\nb:\n  <<: *x\n").unwrap_err();
        assert!(e.message.contains("merge keys"));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            bomb.push_str(&format!("{}: &{} [", (b'a' + i) as char, (b'a' + i) as char));
            let prev = (b'a' + i - 1) as char;
            bomb.push_str(&vec![format!("*{prev}"); 10].join(", "));
            bomb.push_str("]\n");
        }
        let e = load_documents("t.yaml", &bomb).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
    }
}
