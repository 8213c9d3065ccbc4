//! OpenShift template parameter references inside strings.
//!
//! `${NAME}` may appear anywhere in a string and keeps it a string; `${{NAME}}` is typed, and only
//! when it is the whole string. References to names that are not declared parameters stay literal
//! text (Koku's celery commands use the shell variable `${APP_HOME}`).

use super::yaml::{Kind, Node};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Piece {
    Lit(String),
    Param(String),
}

/// A string value: literal text and parameter references, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sym(pub Vec<Piece>);

impl Sym {
    pub fn lit(s: impl Into<String>) -> Sym {
        let s = s.into();
        if s.is_empty() {
            Sym(vec![])
        } else {
            Sym(vec![Piece::Lit(s)])
        }
    }
    pub fn param(name: &str) -> Sym {
        Sym(vec![Piece::Param(name.to_string())])
    }
    /// The literal text when no parameter is referenced.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Param(_) => return None,
            }
        }
        Some(out)
    }
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Piece::Param(n) => Some(n.as_str()),
            _ => None,
        })
    }
    pub fn push_lit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Lit(last)) = self.0.last_mut() {
            last.push_str(s);
        } else {
            self.0.push(Piece::Lit(s.to_string()));
        }
    }
    pub fn concat(mut self, other: &Sym) -> Sym {
        for p in &other.0 {
            match p {
                Piece::Lit(s) => self.push_lit(s),
                Piece::Param(_) => self.0.push(p.clone()),
            }
        }
        self
    }
    /// The string with every parameter replaced through `value`.
    pub fn render(&self, value: &dyn Fn(&str) -> String) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => s.clone(),
                Piece::Param(n) => value(n),
            })
            .collect()
    }
    /// Text with `${NAME}` markers, as the user wrote it.
    pub fn display(&self) -> String {
        self.render(&|n| format!("${{{n}}}"))
    }
}

/// What a scalar string from the template means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `${{NAME}}` alone: replaced by the typed value of NAME.
    Typed(String),
    Str(Sym),
}

fn is_param_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Split `s` into literal text and references to the declared parameters.
pub fn parse(s: &str, declared: &BTreeSet<String>) -> Parsed {
    match typed_name(s, declared) {
        Some(name) => Parsed::Typed(name.to_string()),
        None => Parsed::Str(parse_str(s, declared)),
    }
}

/// NAME when `s` is exactly `${{NAME}}` and NAME is declared.
fn typed_name<'a>(s: &'a str, declared: &BTreeSet<String>) -> Option<&'a str> {
    let inner = s.strip_prefix("${{")?.strip_suffix("}}")?;
    (!inner.is_empty() && inner.bytes().all(is_param_char) && declared.contains(inner)).then_some(inner)
}

/// Only the `${NAME}` form (used where typed substitution does not apply).
pub fn parse_str(s: &str, declared: &BTreeSet<String>) -> Sym {
    let bytes = s.as_bytes();
    let mut sym = Sym::default();
    let mut lit_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let start = i + 2;
            let mut j = start;
            while j < bytes.len() && is_param_char(bytes[j]) {
                j += 1;
            }
            if j > start && j < bytes.len() && bytes[j] == b'}' {
                let name = &s[start..j];
                if declared.contains(name) {
                    sym.push_lit(&s[lit_start..i]);
                    sym.0.push(Piece::Param(name.to_string()));
                    i = j + 1;
                    lit_start = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    sym.push_lit(&s[lit_start..]);
    sym
}

/// Every `${{NAME}}`-shaped reference in `s` whose NAME is not declared (the typed form of an
/// undeclared name is almost always a mistake in a template).
pub fn undeclared_typed(s: &str, declared: &BTreeSet<String>) -> Option<String> {
    let inner = s.strip_prefix("${{")?.strip_suffix("}}")?;
    (!inner.is_empty() && inner.bytes().all(is_param_char) && !declared.contains(inner)).then(|| inner.to_string())
}

/// Adds to `out` every declared parameter that `node` (and what it holds) references in the
/// typed form `${{NAME}}`. Keys are never typed: OpenShift substitutes them as text.
pub fn typed_refs(node: &Node, declared: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match &node.kind {
        // Only the typed form counts, so the string is not split into pieces.
        Kind::Str(s) => {
            if let Some(n) = typed_name(s, declared) && !out.contains(n) {
                out.insert(n.to_string());
            }
        }
        Kind::Seq(items) => items.iter().for_each(|n| typed_refs(n, declared, out)),
        Kind::Map(entries) => entries.iter().for_each(|(_, v)| typed_refs(v, declared, out)),
        _ => {}
    }
}

/// The model's view of a string. It lives here, not in the model, so the model depends on no
/// stage. By value, the pieces' strings move over instead of being copied.
impl From<Sym> for crate::model::Text {
    fn from(s: Sym) -> crate::model::Text {
        use crate::model::Part;
        crate::model::Text(
            s.0.into_iter()
                .map(|p| match p {
                    Piece::Lit(l) => Part::Lit(l),
                    Piece::Param(n) => Part::Param(n),
                })
                .collect(),
        )
    }
}

impl From<&Sym> for crate::model::Text {
    fn from(s: &Sym) -> crate::model::Text {
        use crate::model::Part;
        crate::model::Text(
            s.0.iter()
                .map(|p| match p {
                    Piece::Lit(l) => Part::Lit(l.clone()),
                    Piece::Param(n) => Part::Param(n.clone()),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mixes_text_and_parameters() {
        let d = decl(&["IMAGE", "IMAGE_TAG"]);
        let Parsed::Str(s) = parse("${IMAGE}:${IMAGE_TAG}", &d) else { panic!() };
        assert_eq!(
            s.0,
            vec![Piece::Param("IMAGE".into()), Piece::Lit(":".into()), Piece::Param("IMAGE_TAG".into())]
        );
    }

    #[test]
    fn undeclared_and_shell_variables_stay_literal() {
        let d = decl(&["X"]);
        let Parsed::Str(s) = parse("PYTHONPATH=${APP_HOME} $X ${X}", &d) else { panic!() };
        assert_eq!(s.0, vec![Piece::Lit("PYTHONPATH=${APP_HOME} $X ".into()), Piece::Param("X".into())]);
        assert_eq!(parse("${{APP_HOME}}", &d), Parsed::Str(Sym::lit("${{APP_HOME}}")));
        assert_eq!(undeclared_typed("${{APP_HOME}}", &d).as_deref(), Some("APP_HOME"));
    }

    #[test]
    fn typed_only_when_whole_string() {
        let d = decl(&["R"]);
        assert_eq!(parse("${{R}}", &d), Parsed::Typed("R".into()));
        // Embedded typed references are left untouched by OpenShift.
        assert_eq!(parse("x-${{R}}", &d), Parsed::Str(Sym::lit("x-${{R}}")));
    }
}
