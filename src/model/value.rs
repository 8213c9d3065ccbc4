//! Chart-neutral values: YAML-shaped trees whose leaves may refer to template parameters or to
//! chart values. The chart stage decides how each reference is spelled in Helm.

/// One piece of a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Lit(String),
    /// A template parameter (`${NAME}`), rendered as a string.
    Param(String),
    /// A chart value at a dotted path under the values root (`database.external.host`).
    Value(String),
    /// The namespace the chart is installed into.
    Namespace,
    /// Like `Value`, but rendering fails with this hint when the value is empty.
    RequiredValue(String),
}

/// Split a values path into segments: `a.b.[x.y]` → `a`, `b`, `x.y` (brackets keep dots).
pub fn path_segments(path: &str) -> Vec<&str> {
    path_segments_iter(path).collect()
}

/// The segments of [`path_segments`], without collecting them. Bytes are scanned (`.`, `[`, `]` are
/// ASCII): `str::find(char)` cost more on these short paths, looked up 30,000 times for Koku.
pub fn path_segments_iter(path: &str) -> impl Iterator<Item = &str> + Clone {
    let mut rest = path;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.bytes().position(|b| b == b']').unwrap_or(r.len());
            let seg = &r[..end];
            rest = r.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix('.').unwrap_or(rest);
            Some(seg)
        } else {
            let end = rest.bytes().position(|b| b == b'.').unwrap_or(rest.len());
            let seg = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or("");
            Some(seg)
        }
    })
}

/// The path segment for a key that may contain dots.
pub fn path_key(key: &str) -> String {
    if key.contains('.') || key.contains('[') { format!("[{key}]") } else { key.to_string() }
}

/// A string built from pieces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text(pub Vec<Part>);

impl Text {
    pub fn lit(s: impl Into<String>) -> Text {
        Text(vec![Part::Lit(s.into())])
    }
    pub fn value(path: impl Into<String>) -> Text {
        Text(vec![Part::Value(path.into())])
    }
    pub fn param(name: impl Into<String>) -> Text {
        Text(vec![Part::Param(name.into())])
    }
    /// Is this exactly the literal text `s`? (No allocation: used in key lookups.)
    pub fn is_literal(&self, s: &str) -> bool {
        match self.0.as_slice() {
            [] => s.is_empty(),
            [Part::Lit(l)] => l == s,
            parts => {
                let mut rest = s;
                for p in parts {
                    match p {
                        Part::Lit(l) => match rest.strip_prefix(l.as_str()) {
                            Some(r) => rest = r,
                            None => return false,
                        },
                        _ => return false,
                    }
                }
                rest.is_empty()
            }
        }
    }

    /// `as_literal` without a copy in the usual case of a single literal part.
    pub fn literal_cow(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.0.as_slice() {
            [Part::Lit(l)] => Some(std::borrow::Cow::Borrowed(l)),
            _ => self.as_literal().map(std::borrow::Cow::Owned),
        }
    }
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }
    pub fn push(mut self, part: Part) -> Text {
        match (self.0.last_mut(), part) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, Part::Lit(b)) if b.is_empty() => {}
            (_, p) => self.0.push(p),
        }
        self
    }
    pub fn then(self, other: &Text) -> Text {
        other.0.iter().cloned().fold(self, Text::push)
    }
    pub fn then_lit(self, s: &str) -> Text {
        self.push(Part::Lit(s.to_string()))
    }
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Part::Param(n) => Some(n.as_str()),
            _ => None,
        })
    }
    /// Human-readable form: `${PARAM}` and `{{ .Values.x }}`-free `<x>` for values.
    pub fn display(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Param(n) => format!("${{{n}}}"),
                Part::Value(v) | Part::RequiredValue(v) => format!("<{v}>"),
                Part::Namespace => "<namespace>".into(),
            })
            .collect()
    }
}

/// A condition on chart values, evaluated at render time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cond {
    /// The value at this path is truthy.
    Value(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// The parameter's value, read as a number, is greater than this (a replica count above 1).
    ParamAbove(String, i64),
}

impl Cond {
    pub fn value(path: &str) -> Cond {
        Cond::Value(path.to_string())
    }
    pub fn negated(self) -> Cond {
        Cond::Not(Box::new(self))
    }
    /// Both conditions; `None` is "always".
    pub fn and(a: Option<Cond>, b: Option<Cond>) -> Option<Cond> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(Cond::And(mut v)), Some(b)) => {
                v.push(b);
                Some(Cond::And(v))
            }
            (Some(a), Some(b)) => Some(Cond::And(vec![a, b])),
        }
    }
}

/// A YAML-shaped value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    /// A number kept as written.
    Float(String),
    Str(Text),
    /// `${{NAME}}`: the parameter's value with its own type.
    Typed(String),
    /// A chart value inserted with its own type (number, boolean, list, map).
    ValueRef(String),
    /// Render-time choice between two scalars.
    If(Cond, Box<Val>, Box<Val>),
    /// A generated secret string: user value, else the live Secret's key, else random.
    Generated(Generated),
    /// The JSON text of a config file of the model (`Model::config_files`), and its sha256.
    ConfigJson(String),
    ConfigHash(String),
    /// The value of a key in an existing Secret, read at install time (empty when absent).
    SecretValue { secret: Text, key: Text },
    Seq(Vec<Item>),
    Map(Vec<Entry>),
    /// An image reference whose registry is replaced by the first non-empty value at these
    /// paths (`components.api.imageRegistry`, `global.imageRegistry`), kept as it is otherwise.
    Image { image: Box<Val>, registries: Vec<String> },
    /// Items (in a list) or entries (in a map) taken from chart values at render time and added
    /// where this stands. Lists are concatenated in path order. Maps hold text (labels,
    /// annotations): the first path that has a key wins, values are written as text, and keys
    /// the enclosing map already has are never replaced. In a map the entry's key is not written.
    Splice(Vec<String>),
    /// The text of a named template of the chart (a configuration file the chart writes), or
    /// its sha256 (a pod annotation that restarts the pods when it changes).
    Include { template: String, sha256: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The template parameter a user value may come from (none for chart-owned credentials).
    pub param: Option<String>,
    pub secret: Text,
    pub key: String,
    /// The key is under `data` (base64) rather than `stringData`.
    pub base64: bool,
    pub recipe: GenRecipe,
}

/// How to make a random string like OpenShift's `generate: expression`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenRecipe {
    AlphaNum(usize),
    Alpha(usize),
    Numeric(usize),
    LowerHex(usize),
    UpperHex(usize),
    Lower(usize),
    LowerAlphaNum(usize),
}

/// A list item, rendered only when `when` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub val: Val,
    pub when: Option<Cond>,
}

/// A mapping entry, rendered only when `when` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Text,
    pub val: Val,
    pub when: Option<Cond>,
}

impl Val {
    pub fn str(s: impl Into<String>) -> Val {
        Val::Str(Text::lit(s))
    }
    pub fn text(t: Text) -> Val {
        Val::Str(t)
    }
    pub fn map() -> MapBuilder {
        MapBuilder(Vec::new())
    }
    pub fn seq(items: impl IntoIterator<Item = Val>) -> Val {
        Val::Seq(items.into_iter().map(|val| Item { val, when: None }).collect())
    }
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(m) => m.iter().find(|e| e.key.is_literal(key)).map(|e| &e.val),
            _ => None,
        }
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Val> {
        match self {
            Val::Map(m) => m.iter_mut().find(|e| e.key.is_literal(key)).map(|e| &mut e.val),
            _ => None,
        }
    }
    pub fn entries(&self) -> &[Entry] {
        match self {
            Val::Map(m) => m,
            _ => &[],
        }
    }
    pub fn items(&self) -> &[Item] {
        match self {
            Val::Seq(v) => v,
            _ => &[],
        }
    }
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Val::Str(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_literal_str(&self) -> Option<String> {
        self.as_text().and_then(Text::as_literal)
    }
    /// Set or replace a key of a map (no-op on non-maps).
    pub fn set(&mut self, key: &str, val: Val) {
        if let Val::Map(m) = self {
            if let Some(e) = m.iter_mut().find(|e| e.key.is_literal(key)) {
                e.val = val;
            } else {
                m.push(Entry { key: Text::lit(key), val, when: None });
            }
        }
    }
    pub fn is_empty_collection(&self) -> bool {
        matches!(self, Val::Map(m) if m.is_empty()) || matches!(self, Val::Seq(v) if v.is_empty())
    }
    /// Every template parameter referenced anywhere inside.
    pub fn params(&self, out: &mut Vec<String>) {
        match self {
            Val::Str(t) => out.extend(t.params().map(str::to_string)),
            Val::Typed(n) => out.push(n.clone()),
            Val::If(_, a, b) => {
                a.params(out);
                b.params(out);
            }
            Val::Generated(g) => {
                out.extend(g.param.clone());
                out.extend(g.secret.params().map(str::to_string));
            }
            Val::Image { image, .. } => image.params(out),
            Val::Seq(v) => v.iter().for_each(|i| i.val.params(out)),
            Val::Map(m) => m.iter().for_each(|e| {
                out.extend(e.key.params().map(str::to_string));
                e.val.params(out)
            }),
            _ => {}
        }
    }
}

/// Builds a map in insertion order (Kubernetes readers expect a stable, conventional order).
pub struct MapBuilder(Vec<Entry>);

impl MapBuilder {
    pub fn with(mut self, key: &str, val: Val) -> Self {
        self.0.push(Entry { key: Text::lit(key), val, when: None });
        self
    }
    pub fn opt(self, key: &str, val: Option<Val>) -> Self {
        match val {
            Some(v) => self.with(key, v),
            None => self,
        }
    }
    pub fn when(mut self, cond: Cond, key: &str, val: Val) -> Self {
        self.0.push(Entry { key: Text::lit(key), val, when: Some(cond) });
        self
    }
    /// Adds the entry only when the value is not an empty list or map.
    pub fn non_empty(self, key: &str, val: Val) -> Self {
        if val.is_empty_collection() {
            self
        } else {
            self.with(key, val)
        }
    }
    pub fn build(self) -> Val {
        Val::Map(self.0)
    }
}
