//! A YAML loader that keeps the line and column of every node.
//!
//! Built on the event stream of `saphyr-parser` so that spans, duplicate keys, aliases and merge
//! keys are all under our control. The loader reads YAML the way Kubernetes tools (Go yaml, and
//! PyYAML for scripts) do where they are laxer than YAML 1.2: merge keys, duplicate keys (last
//! one wins, reported) and flow collections indented less than the spec asks (see
//! docs/decisions.md and docs/compatibility.md).

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
/// Lines of flow collections re-indented before loading gives up. Each repair reads the stream
/// again, so this bounds the extra work; hand-written templates need one or two.
const MAX_FLOW_REPAIRS: usize = 64;

/// Positions are a model type (the bottom layer), so findings can carry them.
pub use crate::model::Pos;

/// What to do with a key that appears twice in one mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// An error naming both lines: for clowd2helm's own data files, where a duplicate is a typo.
    Refuse,
    /// The last one wins, as in `oc` (Go yaml) and PyYAML, and a [`Note`] names both lines.
    LastWins,
}

/// Something the loader accepted but that the reader should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// `key` appears twice in one mapping; the value at `second` replaced the one at `first`.
    DuplicateKey { key: String, first: Pos, second: Pos },
}

/// Documents of a stream and the notes taken while reading them.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub docs: Vec<Node>,
    pub notes: Vec<Note>,
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

/// Load every document of a YAML stream, refusing duplicate keys. `file` is only used in error
/// messages.
pub fn load_documents(file: &str, text: &str) -> Result<Vec<Node>, InputError> {
    load(file, text, Duplicates::Refuse).map(|l| l.docs)
}

/// Load every document of a YAML stream. `file` is only used in error messages.
pub fn load(file: &str, text: &str, duplicates: Duplicates) -> Result<Loaded, InputError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(InputError::whole(
            file,
            format!("input is {} bytes; clowd2helm reads at most {} bytes", text.len(), MAX_INPUT_BYTES),
        )
        .hint("a ClowdApp template is normally well under 1 MB: check that this is the right file"));
    }
    let mut shifts = Shifts::default();
    let mut repaired: Cow<'_, str> = Cow::Borrowed(text);
    loop {
        match parse(file, &repaired, duplicates, &shifts) {
            Ok(loaded) => return Ok(loaded),
            Err(Failure::Input(e)) => return Err(shifts.unshift_error(e)),
            Err(Failure::Scan(e)) => {
                // Go yaml and PyYAML do not check indentation inside `[...]` and `{...}`;
                // saphyr-parser follows YAML 1.2, which does. Such a line is moved right, past
                // its opening bracket, and the stream read again (positions are mapped back).
                if let Some(next) = repair_flow_indent(&repaired, &e, &mut shifts) {
                    repaired = Cow::Owned(next);
                    continue;
                }
                return Err(shifts.unshift_error(scan_error(file, &repaired, &e)));
            }
        }
    }
}

enum Failure {
    Scan(saphyr_parser::ScanError),
    Input(InputError),
}

fn parse(file: &str, text: &str, duplicates: Duplicates, shifts: &Shifts) -> Result<Loaded, Failure> {
    let new_builder = || Builder { file, duplicates, shifts, stack: Vec::new(), docs: Vec::new(), notes: Vec::new(), anchors: HashMap::new(), nodes: 0, alias_bytes: 0, aliased: false, error: None };
    let mut builder = new_builder();
    // The fast path yields saphyr-parser's events for the block subset templates use, or
    // declines (src/source/yaml_fast.rs). When it does not decline, saphyr would have read the
    // whole stream without a scan error, so the builder sees the same events either way. The
    // builder ignores events after its first error, as the loop below stops at it.
    if shifts.0.is_empty() {
        if super::yaml_fast::events(text, |ev, span| builder.on_event(ev, span)).is_ok() {
            return match builder.error.take() {
                Some(e) => Err(Failure::Input(e)),
                None => Ok(Loaded { docs: builder.docs, notes: builder.notes }),
            };
        }
        builder = new_builder();
    }
    let mut parser = Parser::new_from_str(text);
    // Events are pulled one by one so that loading stops at the first problem (an alias bomb is
    // refused as soon as its budget is spent, not after the whole stream was expanded).
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(Failure::Scan)?;
        builder.on_event(ev, span);
        if let Some(e) = builder.error.take() {
            return Err(Failure::Input(e));
        }
    }
    Ok(Loaded { docs: builder.docs, notes: builder.notes })
}

/// Lines moved right to satisfy the parser: line → columns added at its start.
#[derive(Default)]
struct Shifts(HashMap<usize, usize>);

impl Shifts {
    /// A position in the repaired text, as a position in the text the user wrote.
    fn unshift(&self, p: Pos) -> Pos {
        match self.0.get(&p.line) {
            Some(s) => Pos { line: p.line, col: p.col.saturating_sub(*s).max(1) },
            None => p,
        }
    }
    fn unshift_error(&self, mut e: InputError) -> InputError {
        if let (Some(l), Some(c)) = (e.line, e.col) {
            e.col = Some(self.unshift(Pos { line: l, col: c }).col);
        }
        e
    }
}

/// When the parser refused a line inside a flow collection for its indentation, the text with
/// that line moved just past the column of the collection's opening bracket. `None` when the
/// error is anything else (it is then reported as it is).
fn repair_flow_indent(text: &str, e: &saphyr_parser::ScanError, shifts: &mut Shifts) -> Option<String> {
    if !e.info().starts_with("invalid indentation") || e.info().contains("quoted scalar") || e.info().contains("anchor") || shifts.0.len() >= MAX_FLOW_REPAIRS {
        return None;
    }
    let line = e.marker().line();
    let open = open_at(text, e.marker().index())?;
    if !matches!(open.what, '[' | '{') || shifts.0.contains_key(&line) {
        return None;
    }
    let start = if line == 1 { 0 } else { text.match_indices('\n').nth(line - 2)?.0 + 1 };
    let rest = &text[start..];
    let indent = rest.len() - rest.trim_start_matches(' ').len();
    // Document markers end a flow collection in every reader; never move them.
    if indent == 0 && (rest.starts_with("---") || rest.starts_with("...")) {
        return None;
    }
    // `open.col` is 1-based: as a 0-based indentation it is the column just past the bracket.
    let add = open.col.checked_sub(indent).filter(|a| *a > 0)?;
    shifts.0.insert(line, add);
    let mut out = String::with_capacity(text.len() + add);
    out.push_str(&text[..start]);
    out.extend(std::iter::repeat_n(' ', add));
    out.push_str(rest);
    Some(out)
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
    // Jinja (`{% if %}`, `{{ var }}` in app-interface/e2e-deploy templates) is rendered before
    // `oc process` ever sees the file; raw, it is not YAML for OpenShift either.
    if line_text.contains("{%") || line_text.contains("{#") {
        return InputError::at(file, line, col, format!("malformed YAML: {info}; this line holds Jinja markup (`{{%`), which is not YAML"))
            .hint("render the template with its Jinja variables first (as its deploy tooling does), then convert the rendered file");
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
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<(Key, Node)>,
    pending: Option<Pending>,
    pos: Pos,
    anchor: usize,
    /// Key → index in `entries`, built once the mapping is large (see [`KEY_INDEX_FROM`]).
    index: Option<HashMap<String, usize>>,
    /// `<<` keys (their position and value) in order, and the entry index of the first one
    /// (merged keys go there).
    merges: Vec<(Pos, Node)>,
    merge_at: usize,
}

/// A key waiting for its value.
enum Pending {
    /// `replaces`: the entry a duplicate key overwrites.
    Key { key: Key, replaces: Option<usize> },
    /// A `<<` key at this position.
    Merge(Pos),
}

struct Builder<'f> {
    file: &'f str,
    duplicates: Duplicates,
    shifts: &'f Shifts,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    notes: Vec<Note>,
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

    /// `plain`: the node is an untagged plain scalar (only such a `<<` is a merge key).
    fn push_node(&mut self, node: Node, anchor: usize, plain: bool) {
        if self.error.is_some() {
            return;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let pos = node.pos;
        let Some(Frame::Map(m)) = self.stack.last_mut() else {
            match self.stack.last_mut() {
                None => self.docs.push(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map(_)) => unreachable!("handled above"),
            }
            return;
        };
        match m.pending.take() {
            Some(Pending::Key { key, replaces: Some(i) }) => m.entries[i] = (key, node),
            Some(Pending::Key { key, replaces: None }) => {
                if let Some(index) = &mut m.index {
                    index.insert(key.text.clone(), m.entries.len());
                }
                m.entries.push((key, node));
                if m.index.is_none() && m.entries.len() >= KEY_INDEX_FROM {
                    m.index = Some(m.entries.iter().enumerate().map(|(i, (k, _))| (k.text.clone(), i)).collect());
                }
            }
            Some(Pending::Merge(at)) => m.merges.push((at, node)),
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
                if plain && text == "<<" {
                    if m.merges.is_empty() {
                        m.merge_at = m.entries.len();
                    }
                    m.pending = Some(Pending::Merge(pos));
                    return;
                }
                let seen = match &m.index {
                    Some(index) => index.get(&text).copied(),
                    None => m.entries.iter().position(|(k, _)| k.text == text),
                };
                if let Some(i) = seen {
                    let first = m.entries[i].0.pos;
                    if self.duplicates == Duplicates::Refuse {
                        return self.fail(
                            pos,
                            format!("duplicate key `{text}` (first defined on line {})", first.line),
                            "remove one of the two entries; YAML does not allow duplicate keys",
                        );
                    }
                    self.notes.push(Note::DuplicateKey { key: text.clone(), first, second: pos });
                }
                m.pending = Some(Pending::Key { key: Key { text, pos }, replaces: seen });
            }
        }
    }

    /// The mapping's entries with its `<<` values merged in, YAML 1.1 style as PyYAML and Go
    /// yaml apply it: keys written in the mapping win over merged ones, an earlier map of a
    /// merge list wins over a later one, and a later `<<` over an earlier one.
    fn merged(&mut self, m: MapFrame) -> Option<Vec<(Key, Node)>> {
        if m.merges.is_empty() {
            return Some(m.entries);
        }
        let mut taken: HashSet<String> = m.entries.iter().map(|(k, _)| k.text.clone()).collect();
        let mut merged: Vec<(Key, Node)> = Vec::new();
        for (at, value) in m.merges.into_iter().rev() {
            let maps = match value.kind {
                Kind::Map(entries) => vec![entries],
                Kind::Seq(items) => {
                    let mut maps = Vec::with_capacity(items.len());
                    for item in items {
                        match item.kind {
                            Kind::Map(entries) => maps.push(entries),
                            _ => {
                                self.fail(at, format!("a merge key (`<<`) list holds mappings only, found {} (line {})", item.a_type(), item.pos.line), "list aliases of mappings, e.g. `<<: [*defaults, *limits]`");
                                return None;
                            }
                        }
                    }
                    maps
                }
                _ => {
                    self.fail(at, format!("a merge key (`<<`) needs a mapping or a list of mappings, found {} (line {})", value.a_type(), value.pos.line), "point it at an anchored mapping, e.g. `<<: *defaults`");
                    return None;
                }
            };
            for (k, v) in maps.into_iter().flatten() {
                if taken.insert(k.text.clone()) {
                    merged.push((k, v));
                }
            }
        }
        let mut entries = m.entries;
        let at = m.merge_at.min(entries.len());
        entries.splice(at..at, merged);
        Some(entries)
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
        let pos = self.shifts.unshift(pos_of(&span));
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                if !self.count(1, pos, false) {
                    return;
                }
                let plain = tag.is_none() && style == ScalarStyle::Plain;
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
                self.push_node(Node::new(kind, pos), anchor, plain);
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
                    self.stack.push(Frame::Map(MapFrame { entries: Vec::new(), pending: None, pos, anchor, index: None, merges: Vec::new(), merge_at: 0 }));
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, pos, anchor }) = self.stack.pop() {
                    self.push_node(Node::new(Kind::Seq(items), pos), anchor, false);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(m)) = self.stack.pop() {
                    let (pos, anchor) = (m.pos, m.anchor);
                    if let Some(entries) = self.merged(m) {
                        self.push_node(Node::new(Kind::Map(entries), pos), anchor, false);
                    }
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
                    self.push_node(node, 0, false);
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
    fn duplicate_keys_refused_or_last_wins_with_both_lines() {
        let e = load_documents("t.yaml", "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("first defined on line 1"), "{}", e.message);
        let l = load("t.yaml", "a: 1\nb: 2\na: 3\n", Duplicates::LastWins).unwrap();
        assert_eq!(l.docs[0].to_json(), serde_json::json!({"a": 3, "b": 2}));
        assert_eq!(l.docs[0].entries()[0].0.pos.line, 3, "the key's position is the one that won");
        assert_eq!(l.notes, vec![Note::DuplicateKey { key: "a".into(), first: Pos { line: 1, col: 1 }, second: Pos { line: 3, col: 1 } }]);
        // Past the size where the key index takes over.
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: last\n");
        let l = load("t.yaml", &big, Duplicates::LastWins).unwrap();
        assert_eq!(l.docs[0].get("k7").unwrap().as_str(), Some("last"));
        assert_eq!(l.docs[0].entries().len(), 40);
        assert_eq!(l.notes.len(), 1);
    }

    fn json(text: &str) -> serde_json::Value {
        load_documents("t.yaml", text).unwrap_or_else(|e| panic!("{e}"))[0].to_json()
    }

    #[test]
    fn merge_keys_as_yaml_1_1_readers_apply_them() {
        // Explicit keys win wherever they are written; merged keys keep their own lines.
        let docs = load_documents("t.yaml", "base: &b {x: 1, y: 2}\nm:\n  y: 9\n  <<: *b\n").unwrap();
        assert_eq!(docs[0].get("m").unwrap().to_json(), serde_json::json!({"y": 9, "x": 1}));
        assert_eq!(docs[0].get("m").unwrap().get("x").unwrap().pos.line, 1);
        // In a list the earlier map wins; inline maps merge too; merges nest.
        assert_eq!(json("a: &a {k: a, only_a: 1}\nb: &b {k: b, only_b: 2}\nm:\n  <<: [*a, *b]\n")["m"], serde_json::json!({"k": "a", "only_a": 1, "only_b": 2}));
        assert_eq!(json("m:\n  <<: {k: 1}\n  j: 2\n")["m"], serde_json::json!({"k": 1, "j": 2}));
        assert_eq!(json("a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n")["c"], serde_json::json!({"x": 1, "y": 2}));
        // A later `<<` wins over an earlier one.
        assert_eq!(json("a: &a {k: a}\nb: &b {k: b}\nm:\n  <<: *a\n  <<: *b\n")["m"], serde_json::json!({"k": "b"}));
        // A quoted `<<` is an ordinary key.
        assert_eq!(json("m:\n  \"<<\": 1\n")["m"], serde_json::json!({"<<": 1}));
        // What the other readers refuse stays an error.
        let e = load_documents("t.yaml", "a: &a 1\nm:\n  <<: *a\n").unwrap_err();
        assert!(e.message.contains("needs a mapping"), "{}", e.message);
        assert_eq!((e.line, e.col), (Some(3), Some(3)));
        assert!(e.message.contains("found an integer (line 1)"), "{}", e.message);
        let e = load_documents("t.yaml", "a: &a {x: 1}\nm:\n  <<: [*a, 3]\n").unwrap_err();
        assert!(e.message.contains("mappings only"), "{}", e.message);
        assert_eq!((e.line, e.col), (Some(3), Some(3)));
    }

    #[test]
    fn flow_collections_indented_less_than_yaml_1_2_asks() {
        let text = "spec:\n  command: [\n    \"sh\", \"-c\",\n    \"run\"\n  ]\n  args: [\n\"x\",\n  \"y\"\n]\n  image: i\n";
        let docs = load_documents("t.yaml", text).unwrap();
        let spec = docs[0].get("spec").unwrap();
        assert_eq!(spec.to_json(), serde_json::json!({"command": ["sh", "-c", "run"], "args": ["x", "y"], "image": "i"}));
        // Positions are those of the text as written, also on a line that was moved.
        assert_eq!(spec.get("args").unwrap().items()[0].pos, Pos { line: 7, col: 1 });
        assert_eq!(spec.get("image").unwrap().pos, Pos { line: 10, col: 10 });
        // A flow mapping too.
        assert_eq!(json("a:\n  b: {\n  c: 1\n  }\n")["a"], serde_json::json!({"b": {"c": 1}}));
        // Still errors: an unclosed bracket, and an error after a repaired line keeps its column.
        let e = load_documents("t.yaml", "a: [\n1,\nb: c: d\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = load_documents("t.yaml", "a: [1,\n]\nb: [\n").unwrap_err();
        assert!(e.message.contains("not closed") || e.message.contains("malformed"), "{e}");
    }

    /// The new paths (merge keys, duplicate keys, flow re-indentation) under deterministic
    /// mutations of the fixtures that use them: errors are fine, panics and hangs are not.
    #[test]
    fn mutated_yaml_constructs_never_panic() {
        let seeds = [
            include_str!("../../fixtures/realworld/yaml-merge-keys.yaml"),
            include_str!("../../fixtures/realworld/yaml-flow-indent.yaml"),
            include_str!("../../fixtures/realworld/yaml-duplicate-keys.yaml"),
        ];
        let tokens = ["[", "]", "{", "}", ",", "<<: *pod\n", "<<: [*pod, *small]\n", "\n", "  ", "&a ", "*a", ": ", "- ", "\n]", "\n}"];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for case in 0..3000 {
            let mut text: Vec<char> = seeds[case % seeds.len()].chars().collect();
            for _ in 0..1 + next(4) {
                let at = next(text.len() + 1);
                if next(3) == 0 && at < text.len() {
                    let end = (at + 1 + next(6)).min(text.len());
                    text.drain(at..end);
                } else {
                    let t = tokens[next(tokens.len())];
                    text.splice(at..at, t.chars());
                }
            }
            let text: String = text.into_iter().collect();
            for mode in [Duplicates::Refuse, Duplicates::LastWins] {
                let _ = load("m.yaml", &text, mode);
            }
        }
    }

    #[test]
    fn bounds_alias_bombs() {
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
