//! Model values → Helm template text. This is the only place that spells Helm expressions, and it
//! owns escaping: literal text from the input never reaches Helm as template syntax.

use crate::model::value::{GenRecipe, Generated};
use crate::model::{Cond, Entry, Item, ParamType, ParamValue, Part, Text, Val};
use std::collections::{BTreeMap, BTreeSet};
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
        self
    }
}

/// Replace `{{` and `}}` so Helm prints them instead of executing them.
pub fn escape_braces(s: &str) -> String {
    if !s.contains("{{") && !s.contains("}}") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{{") {
            out.push_str("{{ \"{{\" }}");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("}}") {
            out.push_str("{{ \"}}\" }}");
            rest = r;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A YAML double-quoted scalar (JSON-compatible escapes).
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Go string literal for use inside a template action.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];

/// Can `s` be written as a plain scalar that every YAML 1.1/1.2 reader takes as this string?
fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'/')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
        && !YAML11_WORDS.contains(&s.to_ascii_lowercase().as_str())
}

fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && (b[0].is_ascii_alphabetic() || b[0] == b'_') && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `$.Values.a.b`, or `(index $.Values "a" "b-c")` when a segment is not an identifier.
pub fn values_expr(path: &str) -> String {
    let segs = crate::model::value::path_segments(path);
    if segs.iter().all(|s| is_ident(s)) {
        format!("$.Values.{}", segs.join("."))
    } else {
        let quoted: Vec<String> = segs.iter().map(|s| go_quote(s)).collect();
        format!("(index $.Values {})", quoted.join(" "))
    }
}

impl Emitter {
    /// The value of `parameters.<NAME>` with its own type (for `${{NAME}}`).
    pub fn param_expr(&self, name: &str) -> String {
        let base = match self.generated.get(name) {
            Some(g) => self.generated_text(name, g),
            None => values_expr(&format!("parameters.{name}")),
        };
        if self.required.contains(name) {
            format!("(required {} {base})", go_quote(&format!("parameter {name} is required: set parameters.{name}")))
        } else {
            base
        }
    }

    /// The parameter as text (for `${NAME}`): strings as they are, other values as JSON.
    pub fn param_text_expr(&self, name: &str) -> String {
        let e = self.param_expr(name);
        if self.non_string.contains(name) {
            format!("(include \"clowd2helm.text\" {e})")
        } else {
            e
        }
    }

    /// The one generated value of a parameter in this render (a string).
    fn generated_text(&self, name: &str, g: &GeneratedParam) -> String {
        let (secret, key) = match &g.home {
            Some((s, k)) => (self.text_expr(s), go_quote(k)),
            None => ("\"\"".to_string(), "\"\"".to_string()),
        };
        format!("(include \"clowd2helm.generatedText\" (dict \"root\" $ \"param\" {} \"secret\" {secret} \"key\" {key} \"random\" ({})))", go_quote(name), random_expr(&g.recipe))
    }

    fn part_expr(&self, p: &Part) -> String {
        match p {
            Part::Lit(s) => go_quote(s),
            Part::Param(n) => self.param_text_expr(n),
            Part::Value(v) => values_expr(v),
            Part::Namespace => "$.Release.Namespace".into(),
            Part::RequiredValue(v) => format!("(required {} {})", go_quote(&format!("set {v}")), values_expr(v)),
        }
    }

    /// A string expression (Go), for use inside an action.
    pub fn text_expr(&self, t: &Text) -> String {
        match t.0.as_slice() {
            [] => "\"\"".into(),
            [Part::Lit(s)] => go_quote(s),
            parts => format!("(print {})", parts.iter().map(|p| self.part_expr(p)).collect::<Vec<_>>().join(" ")),
        }
    }

    pub fn cond_expr(&self, c: &Cond) -> String {
        match c {
            Cond::Value(p) => values_expr(p),
            Cond::Not(inner) => format!("(not {})", self.cond_expr(inner)),
            Cond::And(list) => format!("(and {})", list.iter().map(|c| self.cond_expr(c)).collect::<Vec<_>>().join(" ")),
            Cond::Or(list) => format!("(or {})", list.iter().map(|c| self.cond_expr(c)).collect::<Vec<_>>().join(" ")),
        }
    }

    /// Inline YAML for a scalar value; None for collections.
    pub fn scalar(&self, v: &Val) -> Option<String> {
        Some(match v {
            Val::Null => "null".into(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => f.clone(),
            Val::Str(t) => self.text_scalar(t),
            Val::Typed(n) => format!("{{{{ {} | toJson }}}}", self.param_expr(n)),
            Val::ValueRef(p) => format!("{{{{ {} | toJson }}}}", values_expr(p)),
            Val::If(c, a, b) => format!("{{{{ if {} }}}}{}{{{{ else }}}}{}{{{{ end }}}}", self.cond_expr(c), self.scalar(a)?, self.scalar(b)?),
            Val::Generated(g) => self.generated(g),
            Val::ConfigJson(name) => format!("{{{{ include {} $ | fromYaml | toJson | quote }}}}", go_quote(&format!("{}.config.{name}", self.chart_name))),
            Val::ConfigHash(name) => format!("{{{{ include {} $ | fromYaml | toJson | sha256sum | quote }}}}", go_quote(&format!("{}.config.{name}", self.chart_name))),
            Val::SecretValue { secret, key } => format!("{{{{ include \"clowd2helm.secretValue\" (dict \"root\" $ \"secret\" {} \"key\" {}) }}}}", self.text_expr(secret), self.text_expr(key)),
            Val::Seq(_) | Val::Map(_) => return None,
        })
    }

    fn generated(&self, g: &Generated) -> String {
        // A parameter's generated value is shared with every other use of the parameter.
        let value = match g.param.as_deref().and_then(|p| self.generated.get(p).map(|gp| (p, gp))) {
            Some((p, gp)) => self.generated_text(p, gp),
            None => format!(
                "(include \"clowd2helm.generatedText\" (dict \"root\" $ \"param\" {} \"secret\" {} \"key\" {} \"random\" ({})))",
                go_quote(g.param.as_deref().unwrap_or("")),
                self.text_expr(&g.secret),
                go_quote(&g.key),
                random_expr(&g.recipe)
            ),
        };
        if g.base64 {
            format!("{{{{ {value} | b64enc | toJson }}}}")
        } else {
            format!("{{{{ {value} | toJson }}}}")
        }
    }

    fn key(&self, k: &Text) -> String {
        self.text_scalar(k)
    }

    /// A string scalar: plain when safe, quoted literal text, or a template expression.
    fn text_scalar(&self, t: &Text) -> String {
        let owned;
        let lit: Option<&str> = match t.0.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => {
                owned = t.as_literal();
                owned.as_deref()
            }
        };
        match lit {
            Some(s) if plain_ok(s) => s.to_string(),
            Some(s) => escape_braces(&yaml_quote(s)),
            None => format!("{{{{ {} | toJson }}}}", self.text_expr(t)),
        }
    }

    /// A whole YAML document (a mapping) at column 0.
    pub fn document(&self, v: &Val) -> String {
        let mut out = String::with_capacity(4096);
        self.block(v, 0, Place::ROOT, &mut out);
        out
    }

    fn block(&self, v: &Val, indent: usize, place: Place, out: &mut String) {
        match v {
            Val::Map(entries) => self.map(entries, indent, place, false, out),
            Val::Seq(items) => self.seq(items, indent, place, out),
            other => {
                pad(out, indent);
                out.push_str(&self.scalar(other).unwrap_or_default());
                out.push('\n');
            }
        }
    }

    fn open_if(&self, c: &Option<Cond>, indent: usize, out: &mut String) {
        if let Some(c) = c {
            pad(out, indent);
            let _ = writeln!(out, "{{{{- if {} }}}}", self.cond_expr(c));
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
            let key = e.key.as_literal();
            let child = Place { key: key.as_deref().unwrap_or(""), labels: place.key == "metadata" && key.as_deref() == Some("labels") };
            self.open_if(&e.when, indent, out);
            if dash && i == 0 {
                pad(out, indent - 2);
                out.push_str("- ");
            } else {
                pad(out, indent);
            }
            out.push_str(&self.key(&e.key));
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
            Val::Str(t) if t.as_literal().is_some_and(|s| s.contains('\n') && block_ok(&s)) => {
                let s = t.as_literal().unwrap();
                let chomp = if !s.ends_with('\n') { "-" } else if s.ends_with("\n\n") { "+" } else { "" };
                let ind = if s.starts_with(' ') { "2" } else { "" };
                let _ = writeln!(out, " |{ind}{chomp}");
                let body = s.strip_suffix('\n').unwrap_or(&s);
                for line in body.split('\n') {
                    if !line.is_empty() {
                        pad(out, indent + 2);
                        out.push_str(&escape_braces(line));
                    }
                    out.push('\n');
                }
            }
            other => {
                out.push(' ');
                out.push_str(&self.scalar(other).unwrap_or_default());
                out.push('\n');
            }
        }
    }

    fn seq(&self, items: &[Item], indent: usize, place: Place, out: &mut String) {
        for it in items {
            self.open_if(&it.when, indent, out);
            match &it.val {
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
