//! A YAML loader that keeps the line and column of every node.
//!
//! Built on the event stream of `saphyr-parser` so that spans, duplicate keys, aliases and merge
//! keys are all under our control (see docs/decisions.md).

use crate::error::InputError;
use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan, SpannedEventReceiver};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Inputs larger than this are refused before parsing. A real ClowdApp template is a few hundred
/// kilobytes (Koku: 228 KB); the limit leaves room for Koku scaled 100× (the benchmark, about
/// 20 MB) and refuses anything that is clearly not a template (docs/performance.md).
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;
/// Upper bound on nodes after alias expansion (guards against "billion laughs").
pub const MAX_NODES: usize = 2_000_000;
/// Upper bound on nesting depth (guards the recursive stages after loading).
pub const MAX_DEPTH: usize = 200;
/// Upper bound on the scalar text that aliases may copy: node counting alone does not stop one
/// anchored multi-megabyte string from being aliased a million times.
pub const MAX_ALIAS_BYTES: usize = 16 * 1024 * 1024;
/// Mappings with more keys than this get a hash index for the duplicate-key check, so that a
/// hostile flat mapping cannot make loading quadratic.
const KEY_INDEX_FROM: usize = 16;

/// Positions are a model type (the bottom layer), so findings can carry them.
pub use crate::model::Pos;

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
    /// Bytes of scalar and key text in this subtree (used to bound alias expansion).
    pub bytes: usize,
}

impl Node {
    pub fn new(kind: Kind, pos: Pos) -> Node {
        let (size, bytes) = match &kind {
            Kind::Seq(v) => v.iter().fold((1, 0), |(s, b), n| (s + n.size, b + n.bytes)),
            Kind::Map(m) => m.iter().fold((1, 0), |(s, b), (k, n)| (s + n.size, b + k.text.len() + n.bytes)),
            Kind::Str(t) | Kind::Float(t) => (1, t.len()),
            Kind::Null | Kind::Bool(_) | Kind::Int(_) => (1, 0),
        };
        Node { kind, pos, size, bytes }
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
    /// The node's type with its article ("an integer", "a list"), for "found ..." messages.
    pub fn a_type(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
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
    let mut builder = Builder { file, stack: Vec::new(), docs: Vec::new(), anchors: HashMap::new(), nodes: 0, alias_bytes: 0, aliased: false, error: None };
    let mut parser = Parser::new_from_str(text);
    // Events are pulled one by one so that loading stops at the first problem (an alias bomb is
    // refused as soon as its budget is spent, not after the whole stream was expanded).
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| scan_error(file, text, &e))?;
        builder.on_event(ev, span);
        if let Some(e) = builder.error.take() {
            return Err(e);
        }
    }
    Ok(builder.docs)
}

/// A scanner error in the user's terms: what is wrong, where, and what to do.
fn scan_error(file: &str, text: &str, e: &saphyr_parser::ScanError) -> InputError {
    let m = e.marker();
    let (line, col) = (m.line().max(1), m.col() + 1);
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let info = e.info();
    if info.contains("tabs disallowed") {
        let tab_col = line_text.chars().take_while(|c| c.is_whitespace()).position(|c| c == '\t').map(|i| i + 1).unwrap_or(col);
        return InputError::at(file, line, tab_col, "a tab character is used for indentation; YAML indents with spaces only")
            .hint("replace the tab with spaces (configure your editor to insert spaces)");
    }
    if info.contains("unknown anchor") {
        let name: String = line_text.chars().skip(col).take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}')).collect();
        return InputError::at(file, line, col, format!("alias `*{name}` refers to an anchor that is not defined earlier in this document"))
            .hint(format!("define `&{name}` on a node above this line, or write the value out"));
    }
    if info.contains("unprintable") {
        let c = line_text.chars().nth(col - 1).map(|c| format!(" U+{:04X}", c as u32)).unwrap_or_default();
        return InputError::at(file, line, col, format!("control character{c} is not allowed in YAML"))
            .hint("remove it; a control character in a template usually means the file is binary or corrupted");
    }
    if info.contains("recursion limit") {
        return InputError::at(file, line, col, format!("nesting deeper than {MAX_DEPTH} levels"))
            .hint("a ClowdApp template nests a few levels deep; check that this is the right file");
    }
    if info.contains("mapping values are not allowed") {
        return InputError::at(file, line, col, "malformed YAML: `: ` inside an unquoted value starts a second mapping on this line")
            .hint("quote the whole value, e.g. `key: \"a: b\"`, or break the mapping onto indented lines");
    }
    // For a quoted-scalar error the whole text is scanned: the string may run to the end.
    let upto = if info.contains("quoted scalar") { usize::MAX } else { m.index() };
    match open_at(text, upto) {
        Some(Open { what: c @ ('"' | '\''), line: l, col: c0 }) => {
            return InputError::at(file, l, c0, format!("malformed YAML: the quoted string that starts here (with {c}) is never closed"))
                .hint(format!("add the closing {c}; inside the string, write {}", if c == '"' { "\\\" for a quote" } else { "'' for a quote" }));
        }
        _ if info.contains("invalid indentation in quoted scalar") => {
            return InputError::at(file, line, col, "malformed YAML: the quoted string that starts here runs onto the following lines, which are not indented enough")
                .hint("add the missing closing quote on this line, or indent the continuation lines further than the key");
        }
        Some(_) if info.contains("quoted scalar") => {}
        Some(Open { what, line: l, col: c0 }) if info.contains("flow mapping") || info.contains("flow sequence") => {
            let close = if what == '{' { '}' } else { ']' };
            return InputError::at(file, line, col, format!("malformed YAML: the `{what}` opened on line {l} column {c0} is not closed"))
                .hint(format!("add the missing `{close}`, or separate the entries with `,`"));
        }
        Some(Open { what, line: l, col: c0 }) => {
            return InputError::at(file, line, col, format!("malformed YAML: {info} (inside the `{what}` opened on line {l} column {c0}: check that it is closed)"))
                .hint("fix the YAML syntax at this position or just before it");
        }
        None => {}
    }
    InputError::at(file, line, col, format!("malformed YAML: {info}")).hint("fix the YAML syntax at this position or just before it")
}

/// A quote or bracket still open at some point of the text.
struct Open {
    what: char,
    line: usize,
    col: usize,
}

/// What is still open at character `upto`: an unterminated quoted string, else the innermost
/// `{` or `[`. Comments are skipped. A heuristic for messages only (block scalars are not
/// recognised), so it is consulted only after the parser failed.
fn open_at(text: &str, upto: usize) -> Option<Open> {
    let mut open: Vec<Open> = Vec::new();
    let (mut line, mut col) = (1, 0);
    let mut chars = text.chars().take(upto).peekable();
    let mut prev = '\n';
    while let Some(c) = chars.next() {
        col += 1;
        match c {
            '\n' => {
                line += 1;
                col = 0;
            }
            '#' if prev.is_whitespace() => {
                while chars.peek().is_some_and(|n| *n != '\n') {
                    chars.next();
                }
            }
            // A quote opens a string only where a scalar can start.
            '"' | '\'' if prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-') => {
                let start = Open { what: c, line, col };
                let mut closed = false;
                while let Some(n) = chars.next() {
                    col += 1;
                    if n == '\n' {
                        line += 1;
                        col = 0;
                    } else if n == '\\' && c == '"' {
                        chars.next();
                        col += 1;
                    } else if n == c {
                        if c == '\'' && chars.peek() == Some(&'\'') {
                            chars.next();
                            col += 1;
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Some(start);
                }
            }
            '{' | '[' => open.push(Open { what: c, line, col }),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
        prev = c;
    }
    open.pop()
}

enum Frame {
    Seq { items: Vec<Node>, pos: Pos, anchor: usize },
    Map { entries: Vec<(Key, Node)>, pending: Option<Key>, pos: Pos, anchor: usize, index: Option<HashSet<String>> },
}

struct Builder<'f> {
    file: &'f str,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    alias_bytes: usize,
    aliased: bool,
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
            self.anchors.insert(anchor, node.clone());
        }
        let pos = node.pos;
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, pending, index, .. }) => match pending.take() {
                None => {
                    let text = match node.kind {
                        Kind::Str(t) | Kind::Float(t) => t,
                        Kind::Bool(b) => b.to_string(),
                        Kind::Int(i) => i.to_string(),
                        Kind::Null => String::new(),
                        _ => {
                            return self.fail(pos, format!("a mapping key must be a plain scalar, found {}", node.a_type()), "use a string key");
                        }
                    };
                    if text == "<<" {
                        return self.fail(
                            pos,
                            "YAML merge keys (<<) are not supported".into(),
                            "write the merged fields out explicitly; Kubernetes tools disagree on merge-key semantics",
                        );
                    }
                    let seen = match index {
                        Some(set) => set.contains(&text),
                        None => entries.iter().any(|(k, _)| k.text == text),
                    };
                    if seen {
                        let first = &entries.iter().find(|(k, _)| k.text == text).expect("key seen").0;
                        let first_line = first.pos.line;
                        return self.fail(
                            pos,
                            format!("duplicate key `{text}` (first defined on line {first_line})"),
                            "remove one of the two entries; YAML does not allow duplicate keys",
                        );
                    }
                    if let Some(set) = index {
                        set.insert(text.clone());
                    } else if entries.len() >= KEY_INDEX_FROM {
                        let mut set: HashSet<String> = entries.iter().map(|(k, _)| k.text.clone()).collect();
                        set.insert(text.clone());
                        *index = Some(set);
                    }
                    *pending = Some(Key { text, pos });
                }
                Some(key) => entries.push((key, node)),
            },
        }
    }

    fn depth_ok(&mut self, pos: Pos) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(pos, format!("nesting deeper than {MAX_DEPTH} levels"), "a ClowdApp template nests a few levels deep; check that this is the right file");
            return false;
        }
        true
    }

    fn count(&mut self, n: usize, pos: Pos, via_alias: bool) -> bool {
        self.nodes += n;
        self.aliased |= via_alias;
        if self.nodes > MAX_NODES {
            let (msg, hint) = if self.aliased {
                (format!("the document expands to more than {MAX_NODES} nodes through aliases (a YAML alias bomb?)"), "remove the anchors and aliases that multiply each other")
            } else {
                (format!("the document has more than {MAX_NODES} nodes"), "a ClowdApp template has a few thousand nodes: check that this is the right file")
            };
            self.fail(pos, msg, hint);
            return false;
        }
        true
    }
}

fn resolve_plain(value: Cow<'_, str>) -> Kind {
    let s: &str = &value;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = s.parse::<i64>() {
            return Kind::Int(i);
        }
    if let Some(hex) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16) {
            return Kind::Int(i);
        }
    if let Some(oct) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8) {
            return Kind::Int(i);
        }
    let is_float = {
        let b = digits.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_digit() || (b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit()))
            && digits.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
            && s.parse::<f64>().is_ok()
    };
    if is_float || matches!(s, ".inf" | "-.inf" | "+.inf" | ".nan" | ".Inf" | ".NaN") {
        return Kind::Float(value.into_owned());
    }
    Kind::Str(value.into_owned())
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
                if !self.count(1, pos, false) {
                    return;
                }
                let kind = match tag.as_deref() {
                    Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => match t.suffix.as_str() {
                        "str" => Kind::Str(value.into_owned()),
                        "int" | "float" | "bool" | "null" => resolve_plain(value),
                        other => {
                            return self.fail(pos, format!("unsupported YAML tag !!{other}"), "remove the tag");
                        }
                    },
                    Some(t) => {
                        return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                    }
                    None if style == ScalarStyle::Plain => resolve_plain(value),
                    None => Kind::Str(value.into_owned()),
                };
                self.push_node(Node::new(kind, pos), anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "seq")) {
                    return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                }
                if self.depth_ok(pos) && self.count(1, pos, false) {
                    self.stack.push(Frame::Seq { items: Vec::new(), pos, anchor });
                }
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "map")) {
                    return self.fail(pos, format!("unsupported YAML tag {}{}", t.handle, t.suffix), "remove the tag");
                }
                if self.depth_ok(pos) && self.count(1, pos, false) {
                    self.stack.push(Frame::Map { entries: Vec::new(), pending: None, pos, anchor, index: None });
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
                let Some((size, bytes)) = self.anchors.get(&id).map(|n| (n.size, n.bytes)) else {
                    return self.fail(pos, "alias to an unknown anchor".into(), "define the anchor before using it");
                };
                self.alias_bytes += bytes;
                if self.alias_bytes > MAX_ALIAS_BYTES {
                    return self.fail(
                        pos,
                        format!("aliases copy more than {MAX_ALIAS_BYTES} bytes of text (alias expansion?)"),
                        "remove the aliases that repeat large anchored values",
                    );
                }
                if self.count(size, pos, true) {
                    let node = self.anchors[&id].clone();
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

fn is_core(t: &saphyr_parser::Tag, suffix: &str) -> bool {
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
        // One big anchored string aliased many times is bounded by bytes, not nodes.
        let big = format!("a: &a \"{}\"\nb: [{}]\n", "x".repeat(1 << 20), vec!["*a"; 40].join(", "));
        let e = load_documents("t.yaml", &big).unwrap_err();
        assert!(e.message.contains("bytes of text"), "{}", e.message);
    }
}
