//! Appendix "Diagram": a Mermaid `flowchart` of the components (grouped by category) and the
//! infrastructure and services they use. Ids are `[A-Za-z0-9_]` only; labels are quoted with `"`
//! escaped.

use super::components::Component;
use super::infrastructure::Infra;
use super::services::ServiceRef;
use crate::report::categories::Categories;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A label safe inside `"..."` (Mermaid entity codes for the characters it would parse).
pub fn label(s: &str) -> String {
    s.replace('&', "#amp;").replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('{', "#123;").replace('}', "#125;").replace('`', "'")
}

/// An id made of letters, digits and `_`, starting with `prefix`.
pub fn id(prefix: &str, s: &str) -> String {
    let body: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{prefix}_{body}")
}

fn replicas(c: &Component) -> String {
    match (&c.autoscaler, c.kind) {
        (Some(a), _) => format!("{}–{} pods ({})", a.min.map(|v| v.to_string()).unwrap_or("?".into()), a.max.map(|v| v.to_string()).unwrap_or("?".into()), a.kind.to_uppercase()),
        (None, "Deployment") => match c.replicas {
            Some(1) => "1 pod".into(),
            Some(n) => format!("{n} pods"),
            None => "? pods".into(),
        },
        (None, k) => k.to_string(),
    }
}

pub fn markdown(o: &mut String, components: &[Component], needs: &[Infra], unserved: &[ServiceRef], cats: &Categories) {
    let _ = writeln!(o, "### Diagram\n\nComponents by category and the infrastructure and services they use.\n");
    let _ = writeln!(o, "```mermaid\n{}```\n", flowchart(components, needs, unserved, cats));
}

pub fn flowchart(components: &[Component], needs: &[Infra], unserved: &[ServiceRef], cats: &Categories) -> String {
    let mut out = String::from("flowchart LR\n");
    // Unique ids per component.
    let mut ids: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, c) in components.iter().enumerate() {
        let mut cid = id("w", &c.name);
        if !seen.insert(cid.clone()) {
            cid = format!("{cid}_{i}");
            seen.insert(cid.clone());
        }
        ids.push(cid);
    }
    let mut groups: BTreeMap<usize, (String, Vec<usize>)> = BTreeMap::new();
    let order = cats.component_order();
    for (i, c) in components.iter().enumerate() {
        let pos = order.iter().position(|o| *o == c.category).unwrap_or(order.len());
        groups.entry(pos).or_insert_with(|| (c.category.clone(), Vec::new())).1.push(i);
    }
    let mut group_of: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (cat, members) in groups.values() {
        let gid = id("g", cat);
        let _ = writeln!(out, "  subgraph {gid}[\"{}\"]", label(&cats.component_title(cat)));
        for &i in members {
            let c = &components[i];
            let mut text = format!("{}<br/>{}", label(&c.name), label(&replicas(c)));
            if !c.queues.is_empty() && c.consumes_queues {
                text.push_str(&format!("<br/>queues: {}", label(&c.queues.join(", "))));
            }
            let _ = writeln!(out, "    {}[\"{text}\"]", ids[i]);
        }
        out.push_str("  end\n");
        group_of.insert(gid, members.clone());
    }
    // Infrastructure nodes and who uses them.
    let mut targets: Vec<(String, Vec<String>)> = Vec::new();
    for (k, n) in needs.iter().enumerate() {
        let nid = format!("{}_{k}", id("i", &n.provider));
        let what = format!("{}: {}", n.provider, n.detail);
        let what = if what.chars().count() > 48 { format!("{}…", what.chars().take(47).collect::<String>()) } else { what };
        let _ = writeln!(out, "  {nid}[(\"{}\")]", label(&what));
        targets.push((nid, n.used_by.clone()));
    }
    for (k, s) in unserved.iter().enumerate() {
        let nid = format!("{}_{k}", id("s", &s.host));
        let _ = writeln!(out, "  {nid}{{{{\"{}<br/>{} (not deployed)\"}}}}", label(&s.what), label(&s.host));
        targets.push((nid, s.workloads.clone()));
    }
    for (nid, users) in targets {
        let users: BTreeSet<&String> = users.iter().collect();
        let mut sources: Vec<String> = Vec::new();
        for (gid, members) in &group_of {
            let used: Vec<usize> = members.iter().copied().filter(|&i| users.contains(&components[i].name)).collect();
            if used.is_empty() {
                continue;
            }
            if used.len() == members.len() && members.len() > 1 {
                sources.push(gid.clone());
            } else {
                sources.extend(used.iter().map(|&i| ids[i].clone()));
            }
        }
        for s in sources {
            let _ = writeln!(out, "  {s} --> {nid}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_labels() {
        assert_eq!(id("w", "koku-api.reads"), "w_koku_api_reads");
        assert_eq!(label("a \"b\" <c>"), "a #quot;b#quot; #lt;c#gt;");
    }
}
