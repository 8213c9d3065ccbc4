//! Model values → Helm template text. This is the only place that spells Helm expressions, and it
//! owns escaping: literal text from the input never reaches Helm as template syntax.
//!
//! Everything is written into one output buffer (`write_*`); the `String`-returning forms are
//! for callers that need a piece on its own. A chart is megabytes of text made of short pieces,
//! so building each piece as its own `String` cost more than writing it.

use crate::model::value::{path_segments_iter, GenRecipe, Generated};
use crate::model::{Cond, Entry, Item, ParamType, ParamValue, Part, Text, Val};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

/// Spells model values in Helm. The parameter sets say how each `parameters.<NAME>` is read.
#[derive(Default)]
pub struct Emitter {
    /// Parameters that must be set (required, or no default): references go through `required`.
    pub required: BTreeSet<String>,
    /// Parameters whose values are not strings (typed `${{X}}` defaults): in text they are
    /// written as JSON, as OpenShift substitutes the parameter's text.
    pub non_string: BTreeSet<String>,
    /// `generate: expression` parameters: one value per render, used everywhere.
    pub generated: BTreeMap<String, GeneratedParam>,
    /// Labels Helm adds to every `metadata.labels` map (outside selectors).
    pub helm_labels: Vec<(String, String)>,
    /// Prefix of the chart's named templates.
    pub chart_name: String,
    /// Each declared parameter's expression, typed and as text, spelled once
    /// (`with_parameters`): a chart refers to its parameters thousands of times.
    pub(super) param_exprs: HashMap<String, (String, String)>,
}

/// Where a generated parameter's value is kept between upgrades, and how a new one is made.
#[derive(Debug, Clone)]
pub struct GeneratedParam {
    /// The first template Secret (name, key) holding the parameter as a whole value; without
    /// one the value lives for one render only.
    pub home: Option<(Text, String)>,
    pub recipe: GenRecipe,
}

impl Emitter {
    /// Reads the parameter sets from the model's parameters.
    pub fn with_parameters(mut self, params: &[ParamValue]) -> Emitter {
        for p in params {
            let name = &p.param.name;
            if p.default.is_none() || (p.param.required && p.generator.is_none()) {
                self.required.insert(name.clone());
            }
            if p.ty != ParamType::String {
                self.non_string.insert(name.clone());
            }
            if let Some(recipe) = &p.generator {
                self.generated.insert(name.clone(), GeneratedParam { home: p.generated_into.clone(), recipe: recipe.clone() });
            }
        }
        let mut exprs = HashMap::with_capacity(params.len());
        for p in params {
            let (mut typed, mut text) = (String::new(), String::new());
            self.write_param_expr(&mut typed, &p.param.name);
            self.write_param_text_expr(&mut text, &p.param.name);
            exprs.insert(p.param.name.clone(), (typed, text));
        }
        self.param_exprs = exprs;
        self
    }
}

/// Replace `{{` and `}}` so Helm prints them instead of executing them.
pub fn escape_braces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped_braces(&mut out, s);
    out
}

fn push_escaped_braces(out: &mut String, s: &str) {
    if !s.contains("{{") && !s.contains("}}") {
        out.push_str(s);
        return;
    }
    let start = out.len();
    let mut rest = s;
    // A literal `{` right before an inserted action would make `{{{`, which Helm reads as an
    // action opening one character early: it goes inside the action's string instead.
    let action = |out: &mut String, braces: &str| {
        let lead = if out.len() > start && out.ends_with('{') { out.pop().map(String::from).unwrap_or_default() } else { String::new() };
        out.push_str(&format!("{{{{ \"{lead}{braces}\" }}}}"));
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{{") {
            action(out, "{{");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("}}") {
            action(out, "}}");
            rest = r;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// A YAML double-quoted scalar (JSON-compatible escapes).
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_yaml_quoted(&mut out, s);
    out
}

fn push_yaml_quoted(out: &mut String, s: &str) {
    out.push('"');
    // Everything to escape starts with an ASCII byte or is U+0080–U+009F (C2 80–9F) or
    // U+FEFF (EF BB BF), so the text is copied in runs between those.
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let (len, code): (usize, u32) = match b[i] {
            b'"' | b'\\' | b'\n' | b'\t' | b'\r' => (1, 0),
            c if c < 0x20 || c == 0x7f => (1, c as u32),
            0xC2 if b.get(i + 1).is_some_and(|c| (0x80..=0x9f).contains(c)) => (2, b[i + 1] as u32),
            0xEF if b[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => (3, 0xfeff),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        match b[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            _ => {
                let _ = write!(out, "\\u{code:04x}");
            }
        }
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A double-quoted YAML scalar with any `{{`/`}}` escaped for Helm.
fn push_yaml_quoted_for_helm(out: &mut String, s: &str) {
    // Quoting never adds, removes or separates braces, so `s` tells whether there are any.
    if s.contains("{{") || s.contains("}}") {
        push_escaped_braces(out, &yaml_quote(s));
    } else {
        push_yaml_quoted(out, s);
    }
}

/// A Go string literal for use inside a template action.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_go_quoted(&mut out, s);
    out
}

fn push_go_quoted(out: &mut String, s: &str) {
    out.push('"');
    push_go_escaped(out, s);
    out.push('"');
}

/// The inside of a Go string literal; every character to escape is ASCII.
fn push_go_escaped(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, &c) in s.as_bytes().iter().enumerate() {
        let esc = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            c if c < 0x20 || c == 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\x{c:02x}");
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];

/// Can `s` be written as a plain scalar that every YAML 1.1/1.2 reader takes as this string?
fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'/')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
        && !YAML11_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && (b[0].is_ascii_alphabetic() || b[0] == b'_') && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `a.b.c` where every segment is an identifier (no brackets, no empty segment).
fn dotted_idents(path: &str) -> bool {
    let mut start = true;
    for &c in path.as_bytes() {
        let ok = if start { c.is_ascii_alphabetic() || c == b'_' } else { c.is_ascii_alphanumeric() || c == b'_' || c == b'.' };
        if !ok {
            return false;
        }
        start = c == b'.';
    }
    !start
}

/// `$.Values.a.b`, or `(index $.Values "a" "b-c")` when a segment is not an identifier.
pub fn values_expr(path: &str) -> String {
    let mut out = String::new();
    write_values_expr(&mut out, path);
    out
}

fn write_values_expr(out: &mut String, path: &str) {
    // Nearly every path is identifiers joined by dots: the path is then its own spelling.
    if dotted_idents(path) {
        out.push_str("$.Values.");
        out.push_str(path);
        return;
    }
    let segs = path_segments_iter(path);
    if segs.clone().all(is_ident) {
        out.push_str("$.Values.");
        for (i, s) in segs.enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(s);
        }
    } else {
        out.push_str("(index $.Values ");
        for (i, s) in segs.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            push_go_quoted(out, s);
        }
        out.push(')');
    }
}

/// `items` written one after the other with `sep` between them.
fn join<T>(out: &mut String, items: impl IntoIterator<Item = T>, sep: &str, mut each: impl FnMut(&mut String, T)) {
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        each(out, x);
    }
}

/// The text when it is literal, borrowed when it is one piece.
fn literal(t: &Text) -> Option<Cow<'_, str>> {
    match t.0.as_slice() {
        [] => Some(Cow::Borrowed("")),
        [Part::Lit(s)] => Some(Cow::Borrowed(s)),
        _ => t.as_literal().map(Cow::Owned),
    }
}

fn string_of(f: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    f(&mut out);
    out
}

impl Emitter {
    /// The value of `parameters.<NAME>` with its own type (for `${{NAME}}`).
    pub fn param_expr(&self, name: &str) -> String {
        string_of(|o| self.write_param_expr(o, name))
    }

    fn write_param_expr(&self, out: &mut String, name: &str) {
        if let Some((typed, _)) = self.param_exprs.get(name) {
            out.push_str(typed);
            return;
        }
        let required = self.required.contains(name);
        if required {
            out.push_str("(required \"parameter ");
            push_go_escaped(out, name);
            out.push_str(" is required: set parameters.");
            push_go_escaped(out, name);
            out.push_str("\" ");
        }
        match self.generated.get(name) {
            Some(g) => self.write_generated_text(out, name, g),
            None => write_values_expr(out, &format!("parameters.{name}")),
        }
        if required {
            out.push(')');
        }
    }

    /// The parameter as text (for `${NAME}`): strings as they are, other values as JSON.
    pub fn param_text_expr(&self, name: &str) -> String {
        string_of(|o| self.write_param_text_expr(o, name))
    }

    fn write_param_text_expr(&self, out: &mut String, name: &str) {
        if let Some((_, text)) = self.param_exprs.get(name) {
            out.push_str(text);
        } else if self.non_string.contains(name) {
            out.push_str("(include \"clowd2helm.text\" ");
            self.write_param_expr(out, name);
            out.push(')');
        } else {
            self.write_param_expr(out, name);
        }
    }

    /// The one generated value of a parameter in this render (a string).
    fn write_generated_text(&self, out: &mut String, name: &str, g: &GeneratedParam) {
        out.push_str("(include \"clowd2helm.generatedText\" (dict \"root\" $ \"param\" ");
        push_go_quoted(out, name);
        out.push_str(" \"secret\" ");
        match &g.home {
            Some((s, k)) => {
                self.write_text_expr(out, s);
                out.push_str(" \"key\" ");
                push_go_quoted(out, k);
            }
            None => out.push_str("\"\" \"key\" \"\""),
        }
        out.push_str(" \"random\" (");
        out.push_str(&random_expr(&g.recipe));
        out.push_str(")))");
    }

    fn write_part_expr(&self, out: &mut String, p: &Part) {
        match p {
            Part::Lit(s) => push_go_quoted(out, s),
            Part::Param(n) => self.write_param_text_expr(out, n),
            Part::Value(v) => write_values_expr(out, v),
            Part::Namespace => out.push_str("$.Release.Namespace"),
            Part::RequiredValue(v) => {
                out.push_str("(required \"set ");
                push_go_escaped(out, v);
                out.push_str("\" ");
                write_values_expr(out, v);
                out.push(')');
            }
        }
    }

    /// A string expression (Go), for use inside an action.
    pub fn text_expr(&self, t: &Text) -> String {
        string_of(|o| self.write_text_expr(o, t))
    }

    pub fn write_text_expr(&self, out: &mut String, t: &Text) {
        match t.0.as_slice() {
            [] => out.push_str("\"\""),
            [Part::Lit(s)] => push_go_quoted(out, s),
            parts => {
                out.push_str("(print ");
                join(out, parts, " ", |o, p| self.write_part_expr(o, p));
                out.push(')');
            }
        }
    }

    pub fn cond_expr(&self, c: &Cond) -> String {
        string_of(|o| self.write_cond_expr(o, c))
    }

    pub fn write_cond_expr(&self, out: &mut String, c: &Cond) {
        match c {
            Cond::Value(p) => write_values_expr(out, p),
            Cond::Not(inner) => {
                out.push_str("(not ");
                self.write_cond_expr(out, inner);
                out.push(')');
            }
            Cond::And(list) | Cond::Or(list) => {
                out.push_str(if matches!(c, Cond::And(_)) { "(and " } else { "(or " });
                join(out, list, " ", |o, c| self.write_cond_expr(o, c));
                out.push(')');
            }
            Cond::ParamAbove(p, n) => {
                out.push_str("(gt (int ");
                self.write_param_expr(out, p);
                let _ = write!(out, ") {n})");
            }
        }
    }

    /// A scalar value as a Go expression (inside an action), when it has one.
    fn write_expr(&self, out: &mut String, v: &Val) -> bool {
        match v {
            Val::Str(t) => self.write_text_expr(out, t),
            Val::Typed(n) => self.write_param_text_expr(out, n),
            Val::ValueRef(p) => write_values_expr(out, p),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => return false,
        }
        true
    }

    /// Inline YAML for a scalar value; None for collections.
    pub fn scalar(&self, v: &Val) -> Option<String> {
        let mut out = String::new();
        self.write_scalar(&mut out, v).then_some(out)
    }

    /// Writes the inline YAML of a scalar; for a collection, writes nothing and says false.
    fn write_scalar(&self, out: &mut String, v: &Val) -> bool {
        let start = out.len();
        let ok = self.write_scalar_parts(out, v);
        if !ok {
            out.truncate(start);
        }
        ok
    }

    fn write_scalar_parts(&self, out: &mut String, v: &Val) -> bool {
        match v {
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Float(f) => out.push_str(f),
            Val::Str(t) => self.write_text_scalar(out, t),
            Val::Typed(n) => {
                out.push_str("{{ ");
                self.write_param_expr(out, n);
                out.push_str(" | toJson }}");
            }
            Val::ValueRef(p) => {
                out.push_str("{{ ");
                write_values_expr(out, p);
                out.push_str(" | toJson }}");
            }
            Val::If(c, a, b) => match first_set_chain(v) {
                Some(paths) => {
                    out.push_str("{{ coalesce ");
                    join(out, paths, " ", write_values_expr);
                    out.push_str(" | toJson }}");
                }
                None => {
                    out.push_str("{{ if ");
                    self.write_cond_expr(out, c);
                    out.push_str(" }}");
                    if !self.write_scalar_parts(out, a) {
                        return false;
                    }
                    out.push_str("{{ else }}");
                    if !self.write_scalar_parts(out, b) {
                        return false;
                    }
                    out.push_str("{{ end }}");
                }
            },
            Val::Generated(g) => self.write_generated(out, g),
            Val::ConfigJson(name) | Val::ConfigHash(name) => {
                out.push_str("{{ include \"");
                push_go_escaped(out, &self.chart_name);
                out.push_str(".config.");
                push_go_escaped(out, name);
                out.push_str(if matches!(v, Val::ConfigJson(_)) { "\" $ | fromYaml | toJson | quote }}" } else { "\" $ | fromYaml | toJson | sha256sum | quote }}" });
            }
            Val::SecretValue { secret, key } => {
                out.push_str("{{ include \"clowd2helm.secretValue\" (dict \"root\" $ \"secret\" ");
                self.write_text_expr(out, secret);
                out.push_str(" \"key\" ");
                self.write_text_expr(out, key);
                out.push_str(") }}");
            }
            Val::Image { image, registries } => {
                out.push_str("{{ include \"clowd2helm.image\" (dict \"image\" ");
                if !self.write_expr(out, image) {
                    return false;
                }
                out.push_str(" \"registry\" (coalesce ");
                join(out, registries, " ", |o, r| write_values_expr(o, r));
                out.push_str(" \"\")) | toJson }}");
            }
            Val::Include { template, sha256 } => {
                out.push_str("{{ include ");
                push_go_quoted(out, template);
                out.push_str(if *sha256 { " $ | sha256sum | toJson }}" } else { " $ | toJson }}" });
            }
            Val::Seq(_) | Val::Map(_) | Val::Splice(_) => return false,
        }
        true
    }

    fn write_generated(&self, out: &mut String, g: &Generated) {
        out.push_str("{{ ");
        // A parameter's generated value is shared with every other use of the parameter.
        match g.param.as_deref().and_then(|p| self.generated.get(p).map(|gp| (p, gp))) {
            Some((p, gp)) => self.write_generated_text(out, p, gp),
            None => {
                out.push_str("(include \"clowd2helm.generatedText\" (dict \"root\" $ \"param\" ");
                push_go_quoted(out, g.param.as_deref().unwrap_or(""));
                out.push_str(" \"secret\" ");
                self.write_text_expr(out, &g.secret);
                out.push_str(" \"key\" ");
                push_go_quoted(out, &g.key);
                out.push_str(" \"random\" (");
                out.push_str(&random_expr(&g.recipe));
                out.push_str(")))");
            }
        }
        out.push_str(if g.base64 { " | b64enc | toJson }}" } else { " | toJson }}" });
    }

    /// A string scalar: plain when safe, quoted literal text, or a template expression.
    fn write_text_scalar(&self, out: &mut String, t: &Text) {
        match literal(t) {
            Some(s) if plain_ok(&s) => out.push_str(&s),
            Some(s) => push_yaml_quoted_for_helm(out, &s),
            None => {
                out.push_str("{{ ");
                self.write_text_expr(out, t);
                out.push_str(" | toJson }}");
            }
        }
    }

    /// A whole YAML document (a mapping) at column 0.
    pub fn document(&self, v: &Val) -> String {
        let mut out = String::with_capacity(4096);
        self.write_document(&mut out, v);
        out
    }

    pub fn write_document(&self, out: &mut String, v: &Val) {
        self.block(v, 0, Place::ROOT, out);
    }

    fn block(&self, v: &Val, indent: usize, place: Place, out: &mut String) {
        match v {
            Val::Map(entries) => self.map(entries, indent, place, false, out),
            Val::Seq(items) => self.seq(items, indent, place, out),
            other => {
                pad(out, indent);
                self.write_scalar(out, other);
                out.push('\n');
            }
        }
    }

    fn open_if(&self, c: &Option<Cond>, indent: usize, out: &mut String) {
        if let Some(c) = c {
            pad(out, indent);
            out.push_str("{{- if ");
            self.write_cond_expr(out, c);
            out.push_str(" }}\n");
        }
    }

    fn close_if(&self, c: &Option<Cond>, indent: usize, out: &mut String) {
        if c.is_some() {
            pad(out, indent);
            out.push_str("{{- end }}\n");
        }
    }

    /// `dash`: this map is a list item; its first line starts with `- ` two columns to the left.
    fn map(&self, entries: &[Entry], indent: usize, place: Place, dash: bool, out: &mut String) {
        for (i, e) in entries.iter().enumerate() {
            if let Val::Splice(paths) = &e.val {
                let mut taken: Vec<String> = entries.iter().filter(|e| !matches!(e.val, Val::Splice(_))).filter_map(|e| e.key.as_literal()).collect();
                if place.labels {
                    taken.extend(self.helm_labels.iter().map(|(k, _)| k.clone()));
                }
                self.open_if(&e.when, indent, out);
                self.splice_map(paths, &taken, indent, out);
                self.close_if(&e.when, indent, out);
                continue;
            }
            let key = literal(&e.key);
            let child = Place { key: key.as_deref().unwrap_or(""), labels: place.key == "metadata" && key.as_deref() == Some("labels") };
            self.open_if(&e.when, indent, out);
            if dash && i == 0 {
                pad(out, indent - 2);
                out.push_str("- ");
            } else {
                pad(out, indent);
            }
            self.write_text_scalar(out, &e.key);
            out.push(':');
            self.value_after_key(&e.val, indent, child, out);
            self.close_if(&e.when, indent, out);
        }
        if place.labels {
            for (k, v) in &self.helm_labels {
                if !entries.iter().any(|e| e.key.is_literal(k)) {
                    pad(out, indent);
                    let _ = writeln!(out, "{k}: {v}");
                }
            }
        }
    }

    /// Writes the value after `key:` or `-` (already in `out`): inline or as a nested block.
    fn value_after_key(&self, v: &Val, indent: usize, place: Place, out: &mut String) {
        match v {
            Val::Map(m) if m.is_empty() && !place.labels => out.push_str(" {}\n"),
            Val::Seq(s) if s.is_empty() => out.push_str(" []\n"),
            Val::Map(_) => {
                out.push('\n');
                self.block(v, indent + 2, place, out);
            }
            Val::Seq(_) => {
                out.push('\n');
                self.block(v, indent, place, out);
            }
            other => {
                if let Val::Str(t) = other
                    && let Some(s) = literal(t)
                    && s.contains('\n')
                    && block_ok(&s)
                {
                    block_scalar(&s, indent, out);
                    return;
                }
                out.push(' ');
                self.write_scalar(out, other);
                out.push('\n');
            }
        }
    }

    /// Entries of values maps (text only), after the map's own; its own keys are never replaced.
    fn splice_map(&self, paths: &[String], taken: &[String], indent: usize, out: &mut String) {
        pad(out, indent);
        out.push_str("{{- range $k, $v := (merge (dict) ");
        join(out, paths, " ", |o, p| {
            o.push_str("(default (dict) ");
            write_values_expr(o, p);
            o.push(')');
        });
        out.push_str(") }}\n");
        pad(out, indent);
        out.push_str("{{- if not (has $k (list ");
        join(out, taken, " ", |o, k| push_go_quoted(o, k));
        out.push_str(")) }}\n");
        pad(out, indent);
        out.push_str("{{ $k | toJson }}: {{ $v | toString | toJson }}\n");
        pad(out, indent);
        out.push_str("{{- end }}\n");
        pad(out, indent);
        out.push_str("{{- end }}\n");
    }

    fn seq(&self, items: &[Item], indent: usize, place: Place, out: &mut String) {
        for it in items {
            self.open_if(&it.when, indent, out);
            match &it.val {
                // Items of values lists, one JSON item each.
                Val::Splice(paths) => {
                    pad(out, indent);
                    out.push_str("{{- range (concat ");
                    join(out, paths, " ", |o, p| {
                        o.push_str("(default (list) ");
                        write_values_expr(o, p);
                        o.push(')');
                    });
                    out.push_str(") }}\n");
                    pad(out, indent);
                    out.push_str("- {{ toJson . }}\n");
                    pad(out, indent);
                    out.push_str("{{- end }}\n");
                }
                // `- first: x` then the rest aligned under it.
                Val::Map(entries) if entries.first().is_some_and(|e| e.when.is_none()) => self.map(entries, indent + 2, place, true, out),
                other => {
                    pad(out, indent);
                    out.push('-');
                    self.value_after_key(other, indent, place, out);
                }
            }
            self.close_if(&it.when, indent, out);
        }
    }
}

/// Multi-line literal text as a `|` block scalar under a key at `indent`.
fn block_scalar(s: &str, indent: usize, out: &mut String) {
    let chomp = if !s.ends_with('\n') { "-" } else if s.ends_with("\n\n") { "+" } else { "" };
    let ind = if s.starts_with(' ') { "2" } else { "" };
    let _ = writeln!(out, " |{ind}{chomp}");
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent + 2);
            push_escaped_braces(out, line);
        }
        out.push('\n');
    }
}

/// `if a then a else (if b then b else c)` on values: the first set one, which `coalesce` says
/// in one word (both treat false, 0, "" and empty collections as unset).
fn first_set_chain(v: &Val) -> Option<Vec<&str>> {
    match v {
        Val::If(Cond::Value(p), a, b) if matches!(a.as_ref(), Val::ValueRef(q) if q == p) => {
            let mut rest = first_set_chain(b).or_else(|| match b.as_ref() {
                Val::ValueRef(q) => Some(vec![q.as_str()]),
                _ => None,
            })?;
            rest.insert(0, p.as_str());
            Some(rest)
        }
        _ => None,
    }
}

/// Where a map sits: its key, and whether it is an object's `metadata.labels`.
#[derive(Clone, Copy)]
struct Place<'a> {
    key: &'a str,
    labels: bool,
}

impl Place<'_> {
    const ROOT: Place<'static> = Place { key: "", labels: false };
}

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// Literal block style is safe for this text (no characters that need escapes, no trailing
/// spaces that editors strip).
fn block_ok(s: &str) -> bool {
    !s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}') && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t') || l.starts_with('\t'))
}

/// A Sprig expression for a random string like OpenShift's generator makes.
fn random_expr(recipe: &GenRecipe) -> String {
    match *recipe {
        GenRecipe::AlphaNum(n) => format!("randAlphaNum {n}"),
        GenRecipe::Alpha(n) => format!("randAlpha {n}"),
        GenRecipe::Numeric(n) => format!("randNumeric {n}"),
        GenRecipe::Lower(n) => format!("randAlpha {n} | lower"),
        GenRecipe::LowerAlphaNum(n) => format!("randAlphaNum {n} | lower"),
        GenRecipe::LowerHex(n) => hex(n, false),
        GenRecipe::UpperHex(n) => hex(n, true),
    }
}

fn hex(n: usize, upper: bool) -> String {
    // sha256 of random text gives 64 hex characters per round.
    let rounds = n.div_ceil(64).max(1);
    let parts: Vec<&str> = std::iter::repeat_n("(randAlphaNum 32 | sha256sum)", rounds).collect();
    let joined = if rounds == 1 { "randAlphaNum 32 | sha256sum".to_string() } else { format!("print {}", parts.join(" ")) };
    format!("{joined} | trunc {n}{}", if upper { " | upper" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_from_input_render_literally() {
        assert_eq!(escape_braces("a {{ .Release.Name }} b"), "a {{ \"{{\" }} .Release.Name {{ \"}}\" }} b");
        assert_eq!(escape_braces("{{{"), "{{ \"{{\" }}{");
        assert_eq!(escape_braces("{\"a\": {}}"), "{\"a\": {{ \"{}}\" }}", "no triple brace that Helm would misread");
    }

    #[test]
    fn scalars_are_quoted_unless_plainly_safe() {
        let e = Emitter::default();
        assert_eq!(e.scalar(&Val::str("latest")).unwrap(), "latest");
        assert_eq!(e.scalar(&Val::str("yes")).unwrap(), "\"yes\"");
        assert_eq!(e.scalar(&Val::str("300m")).unwrap(), "\"300m\"");
        assert_eq!(e.scalar(&Val::str("a: b")).unwrap(), "\"a: b\"");
        let t = Text(vec![Part::Param("IMAGE".into()), Part::Lit(":".into()), Part::Param("TAG".into())]);
        assert_eq!(e.scalar(&Val::Str(t)).unwrap(), "{{ (print $.Values.parameters.IMAGE \":\" $.Values.parameters.TAG) | toJson }}");
        assert_eq!(e.scalar(&Val::Typed("R".into())).unwrap(), "{{ $.Values.parameters.R | toJson }}");
    }

    #[test]
    fn conditional_entries_and_nested_lists() {
        let e = Emitter::default();
        let v = Val::map()
            .with("a", Val::Int(1))
            .when(Cond::value("x.on"), "b", Val::Int(2))
            .with("c", Val::seq([Val::map().with("name", Val::str("v")).with("m", Val::Int(3)).build()]))
            .build();
        assert_eq!(e.document(&v), "a: 1\n{{- if $.Values.x.on }}\nb: 2\n{{- end }}\nc:\n- name: v\n  m: 3\n");
    }
}
