//! Section "Parameters": counts; required parameters without default (decisions needed);
//! generated ones and the Secret key they are kept in; typed ones. JSON also lists all.

use crate::model::{Model, ParamValue, SourceRef};
use crate::report::md::{cell, code};
use serde::Serialize;
use serde_json::Value as J;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ParamCounts {
    pub decisions_needed: usize,
    pub generated: usize,
    pub required: usize,
    pub total: usize,
    pub typed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    pub default: Option<J>,
    pub description: Option<String>,
    pub generate_from: Option<String>,
    pub generated_into: Option<String>,
    pub name: String,
    pub required: bool,
    pub source: SourceRef,
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub typed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    pub all: Vec<ParamInfo>,
    pub counts: ParamCounts,
    pub decisions_needed: Vec<ParamInfo>,
    pub generated: Vec<ParamInfo>,
    pub typed: Vec<ParamInfo>,
}

pub fn build(model: &Model) -> Parameters {
    let info = |p: &ParamValue| ParamInfo {
        name: p.param.name.clone(),
        description: p.param.description.clone().map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
        ty: p.ty.as_str(),
        default: if p.param.generate_from.is_some() { None } else { p.default.clone() },
        required: p.param.required,
        typed: p.typed,
        generate_from: p.param.generate_from.clone(),
        generated_into: p.generated_into.as_ref().map(|(s, k)| format!("Secret/{}:{k}", s.display())),
        source: SourceRef { file: model.input_file.clone(), line: p.param.pos.line.max(1), column: Some(p.param.pos.col.max(1)) },
    };
    let all: Vec<ParamInfo> = model.parameters.iter().map(info).collect();
    let decisions: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.param.needs_value()).map(info).collect();
    let generated: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.param.generate_from.is_some()).map(info).collect();
    let typed: Vec<ParamInfo> = model.parameters.iter().filter(|p| p.typed).map(info).collect();
    Parameters {
        counts: ParamCounts { total: all.len(), required: model.parameters.iter().filter(|p| p.param.required).count(), decisions_needed: decisions.len(), generated: generated.len(), typed: typed.len() },
        decisions_needed: decisions,
        generated,
        typed,
        all,
    }
}

pub fn markdown(o: &mut String, p: &Parameters) {
    let _ = writeln!(o, "## Parameters\n");
    let _ = writeln!(o, "{} parameters become `parameters.<NAME>` values; {} are required, {} are generated, {} are used typed (`${{{{NAME}}}}`).\n", p.counts.total, p.counts.required, p.counts.generated, p.counts.typed);
    let _ = writeln!(o, "### Decisions needed ({})\n", p.decisions_needed.len());
    if p.decisions_needed.is_empty() {
        let _ = writeln!(o, "Every required parameter has a default.\n");
    } else {
        let _ = writeln!(o, "Required, no default: rendering fails until each is set.\n");
        let _ = writeln!(o, "| parameter | description | source |\n|---|---|---|");
        for x in &p.decisions_needed {
            let _ = writeln!(o, "| `{}` | {} | line {} |", x.name, cell(x.description.as_deref().unwrap_or("")), x.source.line);
        }
        o.push('\n');
    }
    if !p.generated.is_empty() {
        let _ = writeln!(o, "### Generated ({})\n", p.generated.len());
        let _ = writeln!(o, "| parameter | generate from | kept in | source |\n|---|---|---|---|");
        for x in &p.generated {
            let _ = writeln!(o, "| `{}` | {} | {} | line {} |", x.name, code(x.generate_from.as_deref().unwrap_or("")), x.generated_into.as_deref().map(code).unwrap_or_else(|| "not kept: set it at install".into()), x.source.line);
        }
        o.push('\n');
    }
    if !p.typed.is_empty() {
        let _ = writeln!(o, "### Typed ({})\n", p.typed.len());
        let _ = writeln!(o, "| parameter | type | default | source |\n|---|---|---|---|");
        for x in &p.typed {
            let d = x.default.as_ref().map(|d| code(&d.to_string())).unwrap_or_else(|| "—".into());
            let _ = writeln!(o, "| `{}` | {} | {} | line {} |", x.name, x.ty, d, x.source.line);
        }
        o.push('\n');
    }
}
