//! The existing chart as Kubernetes would receive it: rendered by `helm template` (values files
//! and `--set` passed through), or read from a file the user rendered (`--against-rendered`).
//! Never the templates themselves: unrendered templates say nothing reliable about names or
//! about what is switched off.
//!
//! Reading is tolerant the way Kubernetes tools are: a duplicate key keeps its last value, and a
//! document that cannot be read is skipped; both are recorded as notes naming the template the
//! document came from (its `# Source:` comment).

use crate::error::{Error, Result};
use crate::report::paths;
use crate::source::yaml::{self, Duplicates, Note};
use serde::Serialize;
use serde_json::Value as J;
use std::path::{Path, PathBuf};

/// Where the chart's manifests come from.
#[derive(Debug, Clone, Default)]
pub struct RenderRequest {
    pub chart_dir: Option<PathBuf>,
    pub rendered: Option<PathBuf>,
    pub release: String,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub helm: Option<PathBuf>,
}

/// How the manifests were obtained, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct RenderInfo {
    /// The command, with report paths (`helm template REL DIR -f FILE --set K=V`).
    pub command: Option<String>,
    /// `helm` (rendered by `helm template`) or `file` (`--against-rendered`).
    pub method: &'static str,
    pub rendered_file: Option<String>,
}

/// Something the tolerant reading accepted or skipped.
#[derive(Debug, Clone, Serialize)]
pub struct ReadingNote {
    /// `duplicate-key` or `skipped-document`.
    pub kind: &'static str,
    /// Line in the rendered output.
    pub line: usize,
    pub message: String,
    /// The template the document came from (`chart/templates/x.yaml`), when it says.
    pub template: Option<String>,
}

/// One document of the rendered stream.
#[derive(Debug, Clone)]
pub struct Doc {
    pub value: J,
    pub template: Option<String>,
}

pub struct Rendered {
    pub docs: Vec<Doc>,
    pub notes: Vec<ReadingNote>,
    pub info: RenderInfo,
    /// Every `# Source:` the stream names, including documents that were skipped.
    pub sources: Vec<String>,
}

/// Render the chart, or read the rendered file.
pub fn render(r: &RenderRequest) -> Result<Rendered> {
    let (text, info) = match (&r.rendered, &r.chart_dir) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file).map_err(|e| Error::Usage(format!("--against-rendered {}: cannot read: {e}", file.display())))?;
            (text, RenderInfo { method: "file", command: None, rendered_file: Some(paths::shown(&file.display().to_string())) })
        }
        (None, Some(dir)) => helm_template(r, dir)?,
        (None, None) => return Err(Error::Usage("gap: --against CHART_DIR or --against-rendered FILE is needed".into())),
    };
    let (docs, notes, sources) = read_stream(&text);
    Ok(Rendered { docs, notes, info, sources })
}

fn helm_template(r: &RenderRequest, dir: &Path) -> Result<(String, RenderInfo)> {
    let helm = crate::tools::find_helm(r.helm.as_deref()).map_err(|e| match e {
        Error::Tool(m) | Error::Usage(m) => Error::Tool(format!("{m}. `gap --against` needs helm to render the chart; without it, render the chart yourself (`helm template ... > rendered.yaml`) and pass --against-rendered rendered.yaml")),
        other => other,
    })?;
    let mut args: Vec<String> = vec!["template".into(), r.release.clone(), dir.display().to_string()];
    let mut shown: Vec<String> = vec!["helm".into(), "template".into(), r.release.clone(), paths::shown(&dir.display().to_string())];
    for v in &r.values {
        args.extend(["-f".to_string(), v.display().to_string()]);
        shown.extend(["-f".to_string(), paths::shown(&v.display().to_string())]);
    }
    for (flag, list) in [("--set", &r.set), ("--set-string", &r.set_string)] {
        for kv in list {
            args.extend([flag.to_string(), kv.clone()]);
            shown.extend([flag.to_string(), kv.clone()]);
        }
    }
    let out = std::process::Command::new(&helm).args(&args).output().map_err(|e| Error::Tool(format!("helm could not be run ({}): {e}", helm.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let msg: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).take(4).collect();
        return Err(Error::Usage(format!(
            "`{}` failed, so the chart cannot be compared:\n  {}\n  hint: fix the chart or the values (helm names the template and line), or pass the manifests you render yourself with --against-rendered FILE",
            shown.join(" "),
            msg.join("\n  ")
        )));
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), RenderInfo { method: "helm", command: Some(shown.join(" ")), rendered_file: None }))
}

/// Split a rendered stream into documents and read each on its own, so that one unreadable
/// document costs only itself.
pub fn read_stream(text: &str) -> (Vec<Doc>, Vec<ReadingNote>, Vec<String>) {
    let mut docs = Vec::new();
    let mut notes = Vec::new();
    let mut sources = Vec::new();
    for chunk in split(text) {
        let template = chunk.text.lines().find_map(|l| l.strip_prefix("# Source: ")).map(|s| s.trim().to_string());
        if let Some(t) = &template {
            sources.push(t.clone());
        }
        let from = || template.as_deref().map(|t| format!("`{t}`")).unwrap_or_else(|| "a document without `# Source:`".into());
        match yaml::load("<rendered>", &chunk.text, Duplicates::LastWins) {
            Ok(loaded) => {
                for n in &loaded.notes {
                    let Note::DuplicateKey { key, first, second } = n;
                    let (a, b) = (first.line + chunk.first_line - 1, second.line + chunk.first_line - 1);
                    notes.push(ReadingNote {
                        kind: "duplicate-key",
                        template: template.clone(),
                        line: b,
                        message: format!("{}: key `{key}` appears twice in one mapping (rendered lines {a} and {b}); the last value is used, as Kubernetes does", from()),
                    });
                }
                docs.extend(loaded.docs.into_iter().filter(|d| !d.is_null()).map(|d| Doc { value: d.to_json(), template: template.clone() }));
            }
            Err(e) => {
                let line = e.line.map(|l| l + chunk.first_line - 1).unwrap_or(chunk.first_line);
                notes.push(ReadingNote {
                    kind: "skipped-document",
                    template: template.clone(),
                    line,
                    message: format!("{} could not be read (rendered line {line}: {}); its objects are left out of the comparison", from(), e.message),
                });
            }
        }
    }
    (docs, notes, sources)
}

struct Chunk {
    text: String,
    /// Line of the stream where the chunk starts (1-based).
    first_line: usize,
}

/// Documents separated by `---` lines. A `---` at column 0 always starts a document in YAML
/// (inside a block scalar too), so splitting on such lines is exact.
fn split(text: &str) -> Vec<Chunk> {
    let mut out = vec![Chunk { text: String::new(), first_line: 1 }];
    for (i, line) in text.lines().enumerate() {
        let marker = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if marker {
            out.push(Chunk { text: String::new(), first_line: i + 2 });
            // Content after the marker on the same line belongs to the new document.
            let rest = line[3..].trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                let last = out.last_mut().expect("just pushed");
                last.text.push_str(rest);
                last.text.push('\n');
                last.first_line = i + 1;
            }
            continue;
        }
        let last = out.last_mut().expect("never empty");
        last.text.push_str(line);
        last.text.push('\n');
    }
    out.retain(|c| c.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_reading_names_the_template() {
        let text = "---\n# Source: c/templates/a.yaml\nkind: A\nspec:\n  x: 1\n  x: 2\n---\n# Source: c/templates/b.yaml\nkind: B\ndata: {a: !custom 1}\n---\n# Source: c/templates/c.yaml\nkind: C\n";
        let (docs, notes, sources) = read_stream(text);
        assert_eq!(docs.iter().map(|d| d.value["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["A", "C"]);
        assert_eq!(docs[0].value["spec"]["x"], 2);
        assert_eq!(sources, ["c/templates/a.yaml", "c/templates/b.yaml", "c/templates/c.yaml"]);
        assert_eq!(notes.len(), 2);
        assert_eq!((notes[0].kind, notes[0].line), ("duplicate-key", 6));
        assert!(notes[0].message.contains("rendered lines 5 and 6"), "{}", notes[0].message);
        assert_eq!((notes[1].kind, notes[1].template.as_deref(), notes[1].line), ("skipped-document", Some("c/templates/b.yaml"), 10));
    }
}
