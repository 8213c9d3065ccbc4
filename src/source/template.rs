//! The OpenShift `Template` wrapper: parameters, labels and the objects it carries.
//! A bare ClowdApp, a `List` or a multi-document stream are accepted as well.

use super::yaml::{self, Key, Kind, Node, Pos};
use crate::error::InputError;
use crate::model::{Findings, Outcome, Pin, SourceRef};
use std::collections::BTreeSet;

/// Declared in the model (which depends on no stage); this module fills it in.
pub use crate::model::Parameter;

#[derive(Debug, Clone)]
pub struct Input {
    pub file: String,
    pub text_sha256: String,
    pub template_name: Option<String>,
    pub parameters: Vec<Parameter>,
    pub declared: BTreeSet<String>,
    /// Declared parameters referenced as a whole `${{NAME}}` somewhere: there OpenShift parses
    /// the value as JSON (filled in by `clowdapp::extract`).
    pub typed_refs: BTreeSet<String>,
    /// `--allow-unknown-fields`: a ClowdApp field clowd2helm does not know is reported and
    /// ignored instead of stopping the conversion.
    pub allow_unknown_fields: bool,
    /// Template `labels`, merged into every object.
    pub labels: Vec<(Key, Node)>,
    pub objects: Vec<Node>,
    /// Where the objects come from: the Template's `objects` key, else the first document.
    pub objects_pos: Option<Pos>,
    pub findings: Findings,
    /// Parameters fixed to their default because they decide a name (filled by `clowdapp::extract`).
    pub pins: Vec<Pin>,
}

impl Input {
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
    pub fn src(&self, pos: Pos) -> SourceRef {
        SourceRef { file: self.file.clone(), line: pos.line.max(1), column: Some(pos.col.max(1)) }
    }

    /// `text` (written at `pos`) as `oc process` makes it with the parameters' defaults, and the
    /// pins of the parameters it uses: for a name the conversion must know (every object name
    /// derives from the ClowdApp's). A parameter without a usable default is an error: OpenShift
    /// refuses a required one and would substitute an empty name otherwise; a generated one
    /// would change on every processing.
    pub fn fixed_text(&self, text: &str, pos: Pos, what: &str) -> Result<(String, Vec<Pin>), InputError> {
        let sym = match super::sym::parse(text, &self.declared) {
            super::sym::Parsed::Typed(p) => super::sym::Sym::param(&p),
            super::sym::Parsed::Str(sym) => sym,
        };
        let mut pins = Vec::new();
        for name in sym.params() {
            let p = self.parameter(name).expect("parsed references are declared");
            let default = p.value.clone().unwrap_or_default();
            if p.generate_from.is_some() && default.is_empty() {
                return Err(err(&self.file, pos, format!("{what} `{text}` uses parameter `{name}`, which OpenShift generates anew on every processing; a name cannot be random"))
                    .hint(format!("pass --param {name}=VALUE, give `{name}` a fixed value in the template, or write the name out")));
            }
            if default.is_empty() {
                let why = if p.required { "is required and has no default (OpenShift refuses to process the template without it)" } else { "has no default (OpenShift would substitute an empty text)" };
                return Err(err(&self.file, pos, format!("{what} `{text}` uses parameter `{name}`, which {why}; clowd2helm names the chart's objects at conversion time, so it needs the value"))
                    .hint(format!("pass --param {name}=VALUE with the name this chart is for (as `oc process -p` does), or give `{name}` a default (`value:` on line {})", p.pos.line)));
            }
            if !pins.iter().any(|x: &Pin| x.param == name) {
                pins.push(Pin { param: name.to_string(), value: default, what: what.to_string(), pos, noted: false });
            }
        }
        let resolved = sym.render(&|n| self.parameter(n).and_then(|p| p.value.clone()).unwrap_or_default());
        Ok((resolved, pins))
    }

    /// `--param NAME=VALUE`: each value replaces the parameter's default (and its generator), as
    /// `oc process -p` does, so a name that comes from a parameter can be fixed at conversion
    /// time without editing the template. The value is not repeated in the finding: it may be
    /// a secret.
    pub fn give_parameters(&mut self, given: &[(String, String)]) -> Result<(), InputError> {
        for (name, value) in given {
            let Some(p) = self.parameters.iter_mut().find(|p| &p.name == name) else {
                let mut names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
                names.sort_unstable();
                let hint = match super::suggest::did_you_mean(name, names.iter().copied()) {
                    Some(g) => format!("did you mean `{g}`?"),
                    None if names.is_empty() => "the template declares no parameters".to_string(),
                    None => format!("the template declares: {}", names.join(", ")),
                };
                return Err(InputError::whole(&self.file, format!("--param {name}: the template declares no parameter `{name}`")).hint(hint));
            };
            p.value = Some(value.clone());
            p.generate_from = None;
            let pos = p.pos;
            let src = self.src(pos);
            self.findings
                .add("parameter.given", Outcome::Translated, src, "values.yaml", format!("parameter `{name}` takes the value given with --param instead of the template's default (as `oc process -p` does); the chart's default is that value"))
                .hint("the chart's manifest records it: check and verify use it; give the same --param when you convert again");
        }
        Ok(())
    }
}

pub fn err(file: &str, pos: Pos, msg: impl Into<String>) -> InputError {
    InputError::at(file, pos.line, pos.col, msg)
}

/// Parse `text` (read from `file`) into an [`Input`].
pub fn parse(file: &str, text: &str) -> Result<Input, InputError> {
    let loaded = yaml::load(file, text, yaml::Duplicates::LastWins)?;
    let docs: Vec<Node> = loaded.docs.into_iter().filter(|d| !d.is_null()).collect();
    if docs.is_empty() {
        return Err(InputError::whole(file, "the input is empty: no YAML document found")
            .hint("pass a file holding an OpenShift Template with a ClowdApp, or a ClowdApp"));
    }
    let mut input = Input {
        file: file.to_string(),
        text_sha256: sha256_hex(text.as_bytes()),
        template_name: None,
        parameters: Vec::new(),
        declared: BTreeSet::new(),
        typed_refs: BTreeSet::new(),
        allow_unknown_fields: false,
        labels: Vec::new(),
        objects: Vec::new(),
        objects_pos: None,
        findings: Findings::default(),
        pins: Vec::new(),
    };
    for note in &loaded.notes {
        loader_finding(&mut input, note);
    }
    for doc in docs {
        read_document(&mut input, doc)?;
    }
    Ok(input)
}

/// What the YAML loader accepted with a caveat, as a finding at the line it is about.
fn loader_finding(input: &mut Input, note: &yaml::Note) {
    match note {
        yaml::Note::DuplicateKey { key, first, second } => {
            let src = input.src(*second);
            input
                .findings
                .add("yaml.duplicate-key", Outcome::NeedsInput, src, "-", format!("key `{key}` is written twice in one mapping (lines {} and {}); the value on line {} is used, as `oc` and PyYAML do", first.line, second.line, second.line))
                .hint(format!("delete the entry on line {} or {} that is not meant; strict readers (Go yaml v3, `kubectl --validate=strict`) refuse duplicate keys", first.line, second.line));
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Written digit by digit: a `format!` per byte was 1,700 calls per conversion (the manifest).
    let mut s = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Kinds whose misspelling would otherwise pass silently as a plain object.
const KNOWN_KINDS: &[&str] = &["Template", "List", "ClowdApp", "ClowdJobInvocation", "ClowdEnvironment"];

/// Levenshtein distance, for "did you mean" on short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The object's `kind`, checked: present, a string, and not a misspelling of a kind clowd2helm
/// reads (`Clowdapp` would otherwise be carried into the chart as an unknown resource).
pub fn object_kind<'a>(file: &str, obj: &'a Node, what: &str) -> Result<&'a str, InputError> {
    let Some(k) = obj.get("kind").filter(|k| !k.is_null()) else {
        return Err(err(file, obj.pos, format!("{what} has no `kind`")).hint("every Kubernetes object needs apiVersion and kind"));
    };
    let Some(kind) = k.as_str().filter(|s| !s.is_empty()) else {
        return Err(err(file, k.pos, format!("`kind` must be a non-empty string, found {}", k.a_type())));
    };
    if !KNOWN_KINDS.contains(&kind) && !kind.contains("${") {
        let lower = kind.to_ascii_lowercase();
        if let Some(known) = KNOWN_KINDS.iter().find(|c| {
            let c = c.to_ascii_lowercase();
            c == lower || (c.len() >= 8 && distance(&lower, &c) <= 2)
        }) {
            return Err(err(file, k.pos, format!("kind `{kind}` is not a Kubernetes kind; did you mean `{known}`?")).hint("kinds are case-sensitive: write it exactly"));
        }
    }
    Ok(kind)
}

fn read_document(input: &mut Input, doc: Node) -> Result<(), InputError> {
    let file = input.file.clone();
    if !doc.is_map() {
        return Err(err(&file, doc.pos, format!("expected a Kubernetes object (a mapping), found {}", doc.a_type()))
            .hint("each YAML document must be an object with apiVersion and kind"));
    }
    let kind = object_kind(&file, &doc, "the document")?.to_string();
    match kind.as_str() {
        "Template" => {
            let api = doc.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            if api != "template.openshift.io/v1" && api != "v1" {
                let pos = doc.get("apiVersion").map(|n| n.pos).unwrap_or(doc.pos);
                return Err(err(&file, pos, format!("Template has apiVersion `{api}`; expected template.openshift.io/v1"))
                    .hint("set apiVersion: template.openshift.io/v1"));
            }
            input.template_name = doc.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).map(str::to_string);
            // The document is taken apart, not copied: the objects are most of the input.
            let Kind::Map(entries) = doc.kind else { unreachable!("checked above") };
            for (k, v) in entries {
                match k.text.as_str() {
                    "apiVersion" | "kind" | "metadata" => {}
                    "parameters" => read_parameters(input, &v)?,
                    "objects" => {
                        input.objects_pos.get_or_insert(k.pos);
                        let items = match v.kind {
                            Kind::Seq(items) => items,
                            Kind::Null => Vec::new(),
                            _ => return Err(err(&file, v.pos, format!("`objects` must be a list, found {}", v.a_type())).hint("write each object as a list entry starting with `- `")),
                        };
                        for o in items {
                            if !o.is_map() {
                                return Err(err(&file, o.pos, format!("each template object must be a mapping, found {}", o.a_type())));
                            }
                            object_kind(&file, &o, "template object")?;
                            input.objects.push(o);
                        }
                    }
                    "labels" => {
                        match v.kind {
                            Kind::Map(labels) => input.labels.extend(labels),
                            _ => return Err(err(&file, v.pos, format!("template `labels` must be a mapping, found {}", v.a_type()))),
                        }
                    }
                    "message" => {
                        input.findings.add("template.message", Outcome::Approximated, input.src(k.pos), "templates/NOTES.txt", "the template `message` is shown only by `oc process`; it is not carried into the chart").hint("copy anything users must read into the chart README or NOTES.txt");
                    }
                    other => {
                        input.findings.add("input.unknown-field", Outcome::Unsupported, input.src(k.pos), "-", format!("Template field `{other}` is not a Template field and is ignored"));
                    }
                }
            }
        }
        "List" => {
            let Kind::Map(entries) = doc.kind else { unreachable!("checked above") };
            for (k, v) in entries {
                if k.text != "items" || v.is_null() {
                    continue;
                }
                let Kind::Seq(items) = v.kind else {
                    return Err(err(&file, v.pos, format!("List `items` must be a list, found {}", v.a_type())));
                };
                for o in items {
                    read_document(input, o)?;
                }
            }
        }
        _ => {
            input.objects_pos.get_or_insert(doc.pos);
            input.objects.push(doc)
        }
    }
    Ok(())
}

fn scalar_string(file: &str, n: &Node, what: &str) -> Result<String, InputError> {
    n.scalar_text()
        .ok_or_else(|| err(file, n.pos, format!("{what} must be a string, found {}", n.a_type())))
}

fn read_parameters(input: &mut Input, list: &Node) -> Result<(), InputError> {
    let file = input.file.clone();
    if list.is_null() {
        return Ok(());
    }
    if !list.is_seq() {
        return Err(err(&file, list.pos, format!("`parameters` must be a list, found {}", list.a_type())).hint("write each parameter as a list entry: `- name: X` with `value: ...` below it"));
    }
    for (index, p) in list.items().iter().enumerate() {
        if !p.is_map() {
            return Err(err(&file, p.pos, format!("each parameter must be a mapping, found {}", p.a_type())).hint("write `- name: X` with `value: ...` below it"));
        }
        let mut param = Parameter { name: String::new(), display_name: None, description: None, value: None, required: false, generate_from: None, pos: p.pos };
        let mut generate = None;
        for (k, v) in p.entries() {
            match k.text.as_str() {
                "name" => param.name = scalar_string(&file, v, "parameter `name`")?,
                "displayName" => param.display_name = Some(scalar_string(&file, v, "`displayName`")?),
                "description" => param.description = Some(scalar_string(&file, v, "`description`")?),
                "value" => param.value = if v.is_null() { None } else { Some(scalar_string(&file, v, "parameter `value`")?) },
                "required" => {
                    param.required = match v.kind {
                        Kind::Bool(b) => b,
                        _ => return Err(err(&file, v.pos, format!("parameter `required` must be true or false, found {}", v.a_type())).hint("write `required: true` or `required: false`, without quotes")),
                    }
                }
                "generate" => generate = Some((scalar_string(&file, v, "`generate`")?, v.pos)),
                "from" => param.generate_from = Some(scalar_string(&file, v, "`from`")?),
                other => {
                    let suggestion = match other.to_ascii_lowercase().as_str() {
                        "displayname" => " (did you mean `displayName`?)",
                        "desc" | "descripton" => " (did you mean `description`?)",
                        _ => "",
                    };
                    input
                        .findings
                        .add("parameter.unknown-field", Outcome::Unsupported, input.src(k.pos), "values.yaml", format!("parameter field `{other}` is not an OpenShift parameter field and is ignored{suggestion}"))
                        .hint("fix the field name in the template; OpenShift ignores it too");
                }
            }
        }
        if param.name.is_empty() {
            return Err(err(&file, p.pos, format!("parameter #{} has no `name`", index + 1)).hint("give every parameter a name"));
        }
        if !param.name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return Err(err(&file, p.pos, format!("parameter name `{}` may only contain letters, digits and `_`", param.name)));
        }
        match generate {
            Some((g, _)) if g == "expression" => {
                if param.generate_from.is_none() {
                    return Err(err(&file, p.pos, format!("parameter `{}` has `generate: expression` but no `from` pattern", param.name)));
                }
            }
            Some((g, pos)) => return Err(err(&file, pos, format!("unknown generator `{g}`; OpenShift only knows `expression`"))),
            None => param.generate_from = None,
        }
        if !input.declared.contains(&param.name) {
            input.declared.insert(param.name.clone());
            input.parameters.push(param);
            continue;
        }
        if let Some(first) = input.parameters.iter().find(|q| q.name == param.name) {
            let same = first.value == param.value && first.required == param.required;
            let f = input.findings.add(
                "parameter.duplicate",
                if same { Outcome::Translated } else { Outcome::NeedsInput },
                input.src(p.pos),
                format!("values.yaml:parameters.{}", param.name),
                format!("parameter `{}` is declared twice (first on line {}); the first declaration is used{}", param.name, first.pos.line, if same { " (both agree)" } else { " and the two disagree" }),
            );
            f.hint("remove the duplicate declaration upstream");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parameters_and_flags_unknown_fields() {
        let t = "apiVersion: template.openshift.io/v1\nkind: Template\nobjects: []\nparameters:\n- name: A\n  value: \"3\"\n- name: B\n  displayname: Bee\n  required: true\n- name: A\n  value: \"3\"\n";
        let i = parse("t.yaml", t).unwrap();
        assert_eq!(i.parameters.len(), 2);
        assert_eq!(i.parameters[0].value.as_deref(), Some("3"));
        assert!(i.parameters[1].needs_value());
        let rules: Vec<_> = i.findings.list.iter().map(|f| (f.rule.as_str(), f.source.line)).collect();
        assert_eq!(rules, vec![("parameter.unknown-field", 8), ("parameter.duplicate", 10)]);
    }

    #[test]
    fn empty_input_is_an_error() {
        let e = parse("e.yaml", "\n# nothing\n").unwrap_err();
        assert!(e.message.contains("empty"));
    }
}
