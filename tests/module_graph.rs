//! The crate's import graph has no cycles, and its layers point one way.
//!
//! Every `src/**/*.rs` file is read with a small lexer (comments and string literals removed);
//! each `use` tree and each path starting with `crate::`, `super::`, `self::`, `clowd2helm::` or a
//! child module's name becomes an edge from the file's module to the file module that defines
//! the item (re-exports are followed, so `crate::model::Parameter` points at `model::input`).
//! `#[cfg(test)]` modules are left out: test code is not part of the architecture. A file's use
//! of what an enclosing folder's `mod.rs` declares is left out too: `mod.rs` is the folder's
//! facade (shared context type, dispatch to its files), not a sibling.
//!
//! Two checks:
//! - files: no cycle among file modules, except the ones listed in `KNOWN_CYCLES` (named, with
//!   the work that removes them). An entry that no longer matches a cycle fails too, so the list
//!   only shrinks.
//! - layers: every edge between top-level modules goes down `LAYERS` (main → cli → regen,
//!   verify → mapping, report → source, chart → model), never up or sideways in a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles that exist today and are being removed. Each entry: why it is allowed, and the exact
/// set of file modules in the cycle. Empty it as the work lands; never add to it silently.
const KNOWN_CYCLES: &[(&str, &[&str])] = &[
    // Empty since the report split (issue 13) removed the last one (report data ↔ compare).
];

/// Top-level modules, highest layer first. An edge may only go to a lower layer, or stay within
/// the module itself. `lib` is lib.rs (the pipeline's entry points: read, map, build the chart
/// files), `main` the binary.
const LAYERS: &[&[&str]] = &[
    &["main"],
    &["cli"],
    &["regen", "verify"],
    &["lib"],
    &["mapping", "report"],
    &["chart", "source"],
    &["tools"],
    &["json_writer"],
    &["model"],
    &["error"],
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ------------------------------------------------------------------------------------------
// Lexing
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(&'static str),
    Other,
}

/// Tokens with their 1-based line; comments, strings and char literals are dropped.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let bump_lines = |s: &[u8]| s.iter().filter(|c| **c == b'\n').count();
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let (start, mut depth) = (i, 0);
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += bump_lines(&b[start..i]);
        } else if c == b'r' && (b.get(i + 1) == Some(&b'"') || (b.get(i + 1) == Some(&b'#') && matches!(b.get(i + 2), Some(b'"' | b'#')))) {
            // Raw string r#"..."#.
            let start = i;
            i += 1;
            let mut hashes = 0;
            while b[i] == b'#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            line += bump_lines(&b[start..i.min(b.len())]);
            out.push((Tok::Other, line));
        } else if c == b'"' || (c == b'b' && b.get(i + 1) == Some(&b'"')) {
            let start = i;
            i += if c == b'b' { 2 } else { 1 };
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            line += bump_lines(&b[start..i.min(b.len())]);
            out.push((Tok::Other, line));
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}', 'é') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                i += 2;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                if b.get(i + 1 + ch_len) == Some(&b'\'') {
                    i += 2 + ch_len;
                } else {
                    i += 1; // lifetime: the name follows as an identifier
                }
            }
            out.push((Tok::Other, line));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), line));
        } else if b[i..].starts_with(b"::") {
            out.push((Tok::Punct("::"), line));
            i += 2;
        } else {
            let p = match c {
                b'{' => "{",
                b'}' => "}",
                b';' => ";",
                b',' => ",",
                b'*' => "*",
                b'#' => "#",
                b'[' => "[",
                b']' => "]",
                b'(' => "(",
                b')' => ")",
                _ => "",
            };
            out.push((if p.is_empty() { Tok::Other } else { Tok::Punct(p) }, line));
            i += 1;
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// What each module defines and uses
// ------------------------------------------------------------------------------------------

/// One `use` leaf: the full path, and the name it binds (`None` for a glob).
#[derive(Debug, Clone)]
struct UseLeaf {
    path: Vec<String>,
    binds: Option<String>,
    line: usize,
}

#[derive(Debug, Default)]
struct Module {
    /// File the module lives in (inline modules share their file's).
    file: String,
    items: BTreeSet<String>,
    uses: Vec<UseLeaf>,
    /// Paths used in code (`crate::x::y(...)`), with their line.
    paths: Vec<(Vec<String>, usize)>,
    children: BTreeSet<String>,
}

type Modules = BTreeMap<String, Module>;

const ITEM_KEYWORDS: &[&str] = &["fn", "struct", "enum", "trait", "type", "const", "static", "union", "mod", "macro_rules"];

/// Parse a use tree starting at `toks[*i]` (after `use`), up to and including `;`.
fn use_tree(toks: &[(Tok, usize)], i: &mut usize, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
    let start_len = prefix.len();
    loop {
        let (t, line) = &toks[*i];
        match t {
            Tok::Ident(s) if s == "as" => {
                *i += 1;
                if let Tok::Ident(alias) = &toks[*i].0 {
                    let leaf = out.last_mut().expect("`as` follows a path");
                    leaf.binds = Some(alias.clone());
                }
                *i += 1;
            }
            Tok::Ident(s) => {
                prefix.push(s.clone());
                *i += 1;
                if toks[*i].0 != Tok::Punct("::") {
                    let binds = if s == "self" { prefix.get(prefix.len().wrapping_sub(2)).cloned() } else { Some(s.clone()) };
                    let path = if s == "self" { prefix[..prefix.len() - 1].to_vec() } else { prefix.clone() };
                    out.push(UseLeaf { path, binds, line: *line });
                    prefix.truncate(start_len);
                }
            }
            Tok::Punct("::") => *i += 1,
            Tok::Punct("*") => {
                out.push(UseLeaf { path: prefix.clone(), binds: None, line: *line });
                prefix.truncate(start_len);
                *i += 1;
            }
            Tok::Punct("{") => {
                *i += 1;
                let mut inner = prefix.clone();
                loop {
                    use_tree(toks, i, &mut inner, out);
                    inner = prefix.clone();
                    match toks[*i].0 {
                        Tok::Punct(",") => *i += 1,
                        Tok::Punct("}") => break,
                        _ => {}
                    }
                    if toks[*i].0 == Tok::Punct("}") {
                        break;
                    }
                }
                *i += 1;
                prefix.truncate(start_len);
            }
            Tok::Punct(",") | Tok::Punct("}") | Tok::Punct(";") => {
                prefix.truncate(start_len);
                return;
            }
            _ => *i += 1,
        }
    }
}

/// Read one file into `modules` under the module path `name`.
fn read_file(modules: &mut Modules, name: &str, file: &str, src: &str) {
    let toks = lex(src);
    // Stack of open blocks: Some(module path) for a module body, None for any other block.
    let mut stack: Vec<Option<String>> = vec![Some(name.to_string())];
    modules.entry(name.to_string()).or_default().file = file.to_string();
    let mut i = 0;
    let mut cfg_test = false;
    let mut skip_depth: Option<usize> = None;
    while i < toks.len() {
        let (t, line) = toks[i].clone();
        // `#[cfg(test)]` before an item: remember it for the next `mod`.
        if t == Tok::Punct("#") && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct("[")) {
            let mut j = i + 2;
            let mut attr = Vec::new();
            while j < toks.len() && toks[j].0 != Tok::Punct("]") {
                if let Tok::Ident(s) = &toks[j].0 {
                    attr.push(s.clone());
                }
                j += 1;
            }
            if attr == ["cfg", "test"] {
                cfg_test = true;
            }
            i = j + 1;
            continue;
        }
        match &t {
            Tok::Punct("{") => {
                stack.push(None);
                i += 1;
                continue;
            }
            Tok::Punct("}") => {
                stack.pop();
                if skip_depth.is_some_and(|d| stack.len() < d) {
                    skip_depth = None;
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        if skip_depth.is_some() {
            i += 1;
            continue;
        }
        let current = stack.iter().rev().find_map(|m| m.clone()).unwrap();
        let at_module_level = stack.last().is_some_and(Option::is_some);
        if let Tok::Ident(word) = &t {
            if at_module_level && ITEM_KEYWORDS.contains(&word.as_str()) {
                // `macro_rules! name`
                let k = if word == "macro_rules" { i + 2 } else { i + 1 };
                if let Some((Tok::Ident(item), _)) = toks.get(k) {
                    modules.entry(current.clone()).or_default().items.insert(item.clone());
                    if word == "mod" {
                        let child = format!("{current}::{item}");
                        modules.entry(current.clone()).or_default().children.insert(item.clone());
                        let is_test = std::mem::take(&mut cfg_test);
                        match toks.get(k + 1).map(|t| &t.0) {
                            Some(Tok::Punct("{")) => {
                                if is_test {
                                    skip_depth = Some(stack.len() + 1);
                                } else {
                                    modules.entry(child.clone()).or_default().file = file.to_string();
                                }
                                stack.push(Some(child));
                                i = k + 2;
                                continue;
                            }
                            _ if is_test => {
                                // `#[cfg(test)] mod x;`: a test-only file module.
                                modules.entry(current.clone()).or_default().children.remove(item);
                                modules.entry(current.clone()).or_default().items.remove(item);
                            }
                            _ => {}
                        }
                    }
                }
                if word != "mod" {
                    cfg_test = false;
                }
            } else if word == "use" {
                let mut leaves = Vec::new();
                i += 1;
                use_tree(&toks, &mut i, &mut Vec::new(), &mut leaves);
                while i < toks.len() && toks[i].0 != Tok::Punct(";") {
                    i += 1;
                }
                let m = modules.entry(current.clone()).or_default();
                m.uses.extend(leaves);
                cfg_test = false;
                i += 1;
                continue;
            } else if toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct("::")) && (i == 0 || toks[i - 1].0 != Tok::Punct("::")) {
                // A path in code: ident (:: ident)*.
                let mut path = vec![word.clone()];
                let mut j = i + 1;
                while toks.get(j).map(|t| &t.0) == Some(&Tok::Punct("::")) {
                    match toks.get(j + 1).map(|t| &t.0) {
                        Some(Tok::Ident(s)) => path.push(s.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                modules.entry(current.clone()).or_default().paths.push((path, line));
                i = j;
                continue;
            }
        }
        i += 1;
    }
}

/// Module path of a source file: `src/model/eval.rs` → `crate::model::eval`,
/// `src/cli/check.rs` → `main::cli::check`.
fn module_name(rel: &Path) -> String {
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let mut segs: Vec<String> = parts[1..].to_vec(); // drop "src"
    let last = segs.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    let bin = segs.first().is_some_and(|s| s == "cli") || (segs.is_empty() && stem == "main");
    let mut name = vec![if bin { "main".to_string() } else { "crate".to_string() }];
    name.extend(segs);
    if !matches!(stem.as_str(), "mod" | "lib" | "main") {
        name.push(stem);
    }
    name.join("::")
}

fn load() -> Modules {
    let mut modules = Modules::new();
    let src = root().join("src");
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = entry.path().strip_prefix(root()).unwrap().to_path_buf();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        read_file(&mut modules, &module_name(&rel), &rel.display().to_string(), &text);
    }
    modules
}

// ------------------------------------------------------------------------------------------
// Resolving paths to the file module that defines the item
// ------------------------------------------------------------------------------------------

fn parent(m: &str) -> String {
    m.rsplit_once("::").map(|(p, _)| p.to_string()).unwrap_or_else(|| m.to_string())
}

/// The module named by the path's first segment, from `current`; None for other crates.
fn start(modules: &Modules, current: &str, first: &str) -> Option<String> {
    let crate_root = current.split("::").next().unwrap();
    match first {
        "crate" => Some(crate_root.to_string()),
        "clowd2helm" => Some("crate".to_string()),
        "self" => Some(current.to_string()),
        "super" => Some(parent(current)),
        _ if modules.get(current).is_some_and(|m| m.children.contains(first)) => Some(format!("{current}::{first}")),
        // A name the module imported: `use super::yaml;` then `yaml::load(..)`.
        _ => modules.get(current).and_then(|m| m.uses.iter().find(|u| u.binds.as_deref() == Some(first))).and_then(|u| resolve(modules, current, &u.path, 0)),
    }
}

/// The module (inline or file) that defines what `path` names, seen from `current`.
fn resolve(modules: &Modules, current: &str, path: &[String], depth: usize) -> Option<String> {
    if depth > 16 || path.is_empty() {
        return None;
    }
    let mut m = start(modules, current, &path[0])?;
    for (k, seg) in path.iter().enumerate().skip(1) {
        if seg == "super" {
            m = parent(&m);
            continue;
        }
        if seg == "self" {
            continue;
        }
        let module = modules.get(&m)?;
        if module.children.contains(seg) {
            m = format!("{m}::{seg}");
            continue;
        }
        if module.items.contains(seg) {
            return Some(m);
        }
        // Re-exported or imported here: follow it.
        if let Some(u) = module.uses.iter().find(|u| u.binds.as_deref() == Some(seg.as_str())) {
            let mut rest = u.path.clone();
            rest.extend(path[k + 1..].iter().cloned());
            return resolve(modules, &m, &rest, depth + 1).or(Some(m));
        }
        for glob in module.uses.iter().filter(|u| u.binds.is_none()) {
            let mut rest = glob.path.clone();
            rest.extend(path[k..].iter().cloned());
            if let Some(found) = resolve(modules, &m, &rest, depth + 1)
                && found != m
                && modules.get(&found).is_some_and(|f| f.items.contains(seg) || f.children.contains(seg))
            {
                return Some(found);
            }
        }
        return Some(m);
    }
    Some(m)
}

/// The file module an (inline or file) module belongs to.
fn file_module(modules: &Modules, m: &str) -> String {
    let file = &modules[m].file;
    let mut cur = m.to_string();
    while cur.contains("::") && modules.get(&parent(&cur)).is_some_and(|p| &p.file == file) {
        cur = parent(&cur);
    }
    cur
}

/// file module → (file module it uses → first `file:line` where it does).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn graph(modules: &Modules) -> Graph {
    let mut g = Graph::new();
    for (name, m) in modules {
        let from = file_module(modules, name);
        let refs = m.uses.iter().map(|u| (&u.path, u.line)).chain(m.paths.iter().map(|(p, l)| (p, *l)));
        for (path, line) in refs {
            let Some(target) = resolve(modules, name, path, 0) else { continue };
            if !modules.contains_key(&target) {
                continue;
            }
            let to = file_module(modules, &target);
            // A folder's mod.rs is its facade: it declares what its files share (a context type)
            // and calls them; a file using what an enclosing mod.rs declares is not a cycle.
            // The crate roots (lib.rs, main.rs) are not facades: they are the pipeline's entry.
            let facade = to.contains("::") && from.starts_with(&format!("{to}::"));
            if to != from && !facade {
                g.entry(from.clone()).or_default().entry(to).or_insert_with(|| format!("{}:{line}", m.file));
            }
        }
        g.entry(from).or_default();
    }
    g
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(g: &Graph) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flat_map(|e| e.keys()) {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                t.out.push(scc);
            }
        }
    }
    let mut t = T { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), out: Vec::new() };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

/// `crate::model::input` → `model`; `crate` (lib.rs) → `lib`; `main::cli::check` → `cli`.
fn top(m: &str) -> String {
    let segs: Vec<&str> = m.split("::").collect();
    match segs.as_slice() {
        ["main", second, ..] | ["crate", second, ..] => (*second).into(),
        ["crate"] => "lib".into(),
        _ => m.into(),
    }
}

fn short(m: &str) -> &str {
    m.strip_prefix("crate::").or_else(|| m.strip_prefix("main::")).unwrap_or(m)
}

/// The edges inside one cycle, for the failure message.
fn describe(g: &Graph, scc: &BTreeSet<String>) -> String {
    let mut lines = Vec::new();
    for from in scc {
        for (to, at) in g.get(from).into_iter().flatten() {
            if scc.contains(to) {
                lines.push(format!("    {} → {}  ({at})", short(from), short(to)));
            }
        }
    }
    lines.join("\n")
}

#[test]
fn file_modules_form_no_cycle_outside_the_named_allow_list() {
    let modules = load();
    let g = graph(&modules);
    assert!(g.len() > 20, "the graph was read ({} file modules)", g.len());
    let found: Vec<BTreeSet<String>> = cycles(&g).into_iter().map(|s| s.iter().map(|m| short(m).to_string()).collect()).collect();
    let allowed: Vec<(&str, BTreeSet<String>)> = KNOWN_CYCLES.iter().map(|(why, ms)| (*why, ms.iter().map(|s| s.to_string()).collect())).collect();
    let mut problems = Vec::new();
    for (scc, full) in found.iter().zip(cycles(&g)) {
        match allowed.iter().find(|(_, a)| a == scc) {
            Some((why, _)) => eprintln!("known cycle (allowed: {why}): {}\n{}", scc.iter().cloned().collect::<Vec<_>>().join(", "), describe(&g, &full)),
            None => problems.push(format!("import cycle among {}:\n{}", scc.iter().cloned().collect::<Vec<_>>().join(", "), describe(&g, &full))),
        }
    }
    for (why, a) in &allowed {
        if !found.contains(a) {
            problems.push(format!("KNOWN_CYCLES entry \"{why}\" ({}) is no longer a cycle: remove it from tests/module_graph.rs", a.iter().cloned().collect::<Vec<_>>().join(", ")));
        }
    }
    assert!(problems.is_empty(), "{}\n\nMake the dependency point one way (move the shared type down, or split the module).", problems.join("\n\n"));
}

#[test]
fn top_level_modules_depend_only_on_lower_layers() {
    let modules = load();
    let g = graph(&modules);
    let layer_of = |m: &str| LAYERS.iter().position(|l| l.contains(&m));
    let mut problems = Vec::new();
    for (from, edges) in &g {
        let f = top(from);
        for (to, at) in edges {
            let t = top(to);
            if f == t {
                continue;
            }
            match (layer_of(&f), layer_of(&t)) {
                (Some(a), Some(b)) if a < b => {}
                (Some(_), Some(_)) => problems.push(format!("{} → {} goes up or sideways ({} uses {} at {at})", f, t, short(from), short(to))),
                _ => problems.push(format!("{f} or {t} is missing from LAYERS in tests/module_graph.rs ({at})")),
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

/// The checker itself: a two-module cycle through a re-export is found, and a parent that only
/// declares its children is not a cycle.
#[test]
fn the_checker_finds_a_cycle_through_a_re_export() {
    let mut modules = Modules::new();
    read_file(&mut modules, "crate", "src/lib.rs", "pub mod a;\npub mod b;\npub use b::Thing;\n");
    read_file(&mut modules, "crate::a", "src/a.rs", "use crate::Thing;\npub struct A;\n#[cfg(test)]\nmod tests { use crate::b::Other; }\n");
    read_file(&mut modules, "crate::b", "src/b.rs", "pub struct Thing;\npub struct Other;\nfn f() { let _ = crate::a::A; }\n");
    let g = graph(&modules);
    assert_eq!(g["crate::a"].keys().collect::<Vec<_>>(), ["crate::b"], "crate::Thing resolves to b through the re-export: {g:?}");
    let found = cycles(&g);
    assert_eq!(found, vec![BTreeSet::from(["crate::a".to_string(), "crate::b".to_string()])]);
    // Without b's use of a, no cycle; the test module's import does not count.
    let mut modules = Modules::new();
    read_file(&mut modules, "crate", "src/lib.rs", "pub mod a;\npub mod b;\n");
    read_file(&mut modules, "crate::a", "src/a.rs", "use super::b::Thing;\n");
    read_file(&mut modules, "crate::b", "src/b.rs", "pub struct Thing;\n#[cfg(test)]\nmod tests { use crate::a; }\n");
    assert!(cycles(&graph(&modules)).is_empty());
}

/// docs/architecture.md lists which top-level module uses which; the list must stay true.
#[test]
fn the_architecture_document_lists_every_top_level_dependency() {
    let g = graph(&load());
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in &g {
        for t in to.keys() {
            if top(from) != top(t) {
                edges.entry(top(from)).or_default().insert(top(t));
            }
        }
    }
    let actual: Vec<String> = edges.iter().map(|(f, ts)| format!("{f:<7} → {}", ts.iter().cloned().collect::<Vec<_>>().join(", "))).collect();
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let block = doc.split("<!-- module-graph: begin -->").nth(1).and_then(|r| r.split("<!-- module-graph: end -->").next()).expect("docs/architecture.md has the module-graph markers");
    let documented: Vec<String> = block.lines().filter(|l| l.contains('→')).map(|l| l.trim_end().to_string()).collect();
    assert!(actual.iter().any(|l| l.starts_with("cli")), "the binary's modules were read");
    assert_eq!(documented, actual, "update the list in docs/architecture.md (between the module-graph markers) to:\n{}", actual.join("\n"));
}
