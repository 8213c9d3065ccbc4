//! Section "Comparison with chart ...": the matrix, each component's status with its evidence,
//! the queues, env vars, Secrets and infrastructure the chart lacks, and how the chart was read.

use super::comparison::{ComponentMatch, Comparison};
use crate::report::md::{cell, code, codes, list, table};
use std::fmt::Write;

fn evidence_text(m: &ComponentMatch) -> String {
    m.evidence.iter().filter(|e| e.weight > 0 || e.kind == "override").map(|e| e.detail.clone()).collect::<Vec<_>>().join("; ")
}

pub fn markdown(o: &mut String, c: &Comparison) {
    let _ = writeln!(o, "## Comparison with chart `{}`\n", c.chart.name);
    match (&c.chart.render.command, &c.chart.render.rendered_file) {
        (Some(cmd), _) => {
            let _ = writeln!(o, "Rendered with `{}`; everything below is read from what helm renders, so templates switched off by these values count as absent.\n", cell(cmd));
        }
        (None, Some(f)) => {
            let _ = writeln!(o, "Read from the rendered manifests in `{}` (`--against-rendered`).\n", cell(f));
        }
        _ => {}
    }
    reading(o, c);
    let t = &c.totals;
    let _ = writeln!(o, "### Components\n");
    let _ = writeln!(
        o,
        "The ClowdApp has {} components; the chart renders {} workloads. {} components are matched, {} replaced by different software, **{} missing**, {} accepted as intended omissions; {} chart workloads serve no component.\n",
        t.clowdapp, t.chart, t.matched, t.replaced, t.missing, t.accepted, t.chart_only
    );
    let _ = writeln!(o, "| category | ClowdApp | chart | matched | replaced | missing | accepted | chart has |\n|---|---|---|---|---|---|---|---|");
    for m in &c.matrix {
        let _ = writeln!(o, "| {} | {} | {} | {} | {} | {} | {} | {} |", m.title, m.clowdapp, m.chart, m.matched, m.replaced, m.missing, m.accepted, cell(&list(&m.chart_names)));
    }
    let _ = writeln!(o, "| **total workloads** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** | |\n", t.clowdapp, t.chart, t.matched, t.replaced, t.missing, t.accepted);

    let covered: Vec<&ComponentMatch> = c.components.iter().filter(|x| matches!(x.status, "matched" | "replaced")).collect();
    if !covered.is_empty() {
        let _ = writeln!(o, "#### Matched and replaced ({})\n", covered.len());
        let mut tb = String::from("| component | status | chart workload | confidence | evidence |\n|---|---|---|---|---|\n");
        for x in &covered {
            let status = match &x.replaced_reason {
                Some(r) => format!("replaced: {r}"),
                None => x.status.to_string(),
            };
            let _ = writeln!(tb, "| `{}` | {} | {} | {} | {} |", x.name, cell(&status), codes(&x.matched_with), x.confidence.unwrap_or(""), cell(&evidence_text(x)));
        }
        table(o, &format!("All {} matched and replaced components", covered.len()), covered.len(), &tb);
    }
    let missing: Vec<&ComponentMatch> = c.components.iter().filter(|x| x.status == "missing").collect();
    if !missing.is_empty() {
        let _ = writeln!(o, "#### Missing from the chart ({})\n", missing.len());
        let mut tb = String::from("| component | kind | category | replicas | queues | closest chart workload | why it is not a match | source |\n|---|---|---|---|---|---|---|---|\n");
        for x in &missing {
            let (closest, why) = match &x.closest {
                Some(cand) => (code(&cand.workload), cand.rejected_because.clone()),
                None => ("—".into(), "no workload has anything in common with it".into()),
            };
            let why = if x.gated_templates.is_empty() { why } else { format!("{why}; the chart has {} but it renders nothing with these values", x.gated_templates.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")) };
            let _ = writeln!(tb, "| `{}` | {} | {} | {} | {} | {} | {} | line {} |", x.name, x.kind, x.category, x.replicas.map(|v| v.to_string()).unwrap_or("—".into()), list(&x.queues), closest, cell(&why), x.source.line);
        }
        table(o, &format!("All {} missing components", missing.len()), missing.len(), &tb);
    }
    let accepted: Vec<&ComponentMatch> = c.components.iter().filter(|x| x.status == "accepted").collect();
    if !accepted.is_empty() {
        let _ = writeln!(o, "#### Accepted omissions ({})\n", accepted.len());
        let mut tb = String::from("| component | reason |\n|---|---|\n");
        for x in &accepted {
            let _ = writeln!(tb, "| `{}` | {} |", x.name, cell(x.accepted_reason.as_deref().unwrap_or("")));
        }
        table(o, &format!("All {} accepted omissions", accepted.len()), accepted.len(), &tb);
    }
    differences(o, &covered);
    chart_only(o, c);
    queues(o, c);
    env(o, c);
    objects(o, c);
    infrastructure(o, c);
    decisions(o, c);
}

fn reading(o: &mut String, c: &Comparison) {
    if c.reading.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Reading the chart\n");
    let _ = writeln!(o, "The rendered output was read the way Kubernetes reads it; these documents needed care:\n");
    for n in &c.reading {
        let _ = writeln!(o, "- **{}**: {}", n.kind, n.message);
    }
    o.push('\n');
}

fn differences(o: &mut String, covered: &[&ComponentMatch]) {
    let rows: usize = covered.iter().map(|x| x.differences.len() + usize::from(!x.env_only_in_clowdapp.is_empty() || !x.env_only_in_chart.is_empty())).sum();
    if rows == 0 {
        return;
    }
    let _ = writeln!(o, "#### How matched pairs differ\n");
    let _ = writeln!(o, "Replicas, resources and probes at the ClowdApp's defaults against the chart's rendered values; env names set on one side only.\n");
    let mut tb = String::from("| component | chart workload | field | ClowdApp | chart |\n|---|---|---|---|---|\n");
    for x in covered {
        let w = x.matched_with.first().map(String::as_str).unwrap_or("");
        for d in &x.differences {
            let _ = writeln!(tb, "| `{}` | `{w}` | {} | {} | {} |", x.name, d.field, cell(&d.clowdapp), cell(&d.chart));
        }
        if !x.env_only_in_clowdapp.is_empty() || !x.env_only_in_chart.is_empty() {
            let _ = writeln!(tb, "| `{}` | `{w}` | env | {} only here | {} only here |", x.name, x.env_only_in_clowdapp.len(), x.env_only_in_chart.len());
        }
    }
    table(o, &format!("{rows} differences"), rows, &tb);
}

fn chart_only(o: &mut String, c: &Comparison) {
    if c.chart_only.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Only in the chart ({})\n", c.chart_only.len());
    let _ = writeln!(o, "Workloads no ClowdApp component is served by. Some of them provide infrastructure the ClowdApp needs (\"serves\").\n");
    let mut tb = String::from("| workload | kind | category | role | serves | image |\n|---|---|---|---|---|---|\n");
    for w in &c.chart_only {
        let _ = writeln!(tb, "| `{}` | {} | {} | {} | {} | {} |", w.name, w.kind, w.category, cell(&w.role), cell(w.serves.as_deref().unwrap_or("—")), code(&w.image));
    }
    table(o, &format!("All {} chart-only workloads", c.chart_only.len()), c.chart_only.len(), &tb);
}

fn queues(o: &mut String, c: &Comparison) {
    if c.queues.is_empty() {
        return;
    }
    let unconsumed: Vec<&str> = c.queues.iter().filter(|q| q.status == "unconsumed").map(|q| q.name.as_str()).collect();
    let _ = writeln!(o, "### Worker queues\n");
    if unconsumed.is_empty() {
        let _ = writeln!(o, "A chart workload consumes every queue the ClowdApp names.\n");
    } else {
        let _ = writeln!(o, "**{} queues no chart workload consumes**: {}.\n", unconsumed.len(), unconsumed.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>().join(", "));
    }
    let mut tb = String::from("| queue | status | ClowdApp consumer | listed by | chart consumer |\n|---|---|---|---|---|\n");
    for q in &c.queues {
        let status = match &q.accepted_reason {
            Some(r) => format!("accepted: {r}"),
            None => q.status.to_string(),
        };
        let _ = writeln!(tb, "| `{}` | {} | {} | {} | {} |", q.name, cell(&status), list(&q.consumed_by), list(&q.listed_by), list(&q.chart_consumers));
    }
    table(o, &format!("All {} queues", c.queues.len()), c.queues.len(), &tb);
}

fn env(o: &mut String, c: &Comparison) {
    if c.env_unset.is_empty() {
        return;
    }
    let total: usize = c.env_unset.iter().map(|g| g.unset.len()).sum();
    let _ = writeln!(o, "### Env vars the chart never sets ({total})\n");
    let _ = writeln!(o, "Variables the ClowdApp's containers set, so the app reads them, that no chart workload serving a component sets. The app falls back to its built-in default for each.\n");
    let mut tb = String::from("| category | set by the chart | never set | names |\n|---|---|---|---|\n");
    for g in &c.env_unset {
        let names = if g.accepted.is_empty() { codes(&g.unset) } else { format!("{}; accepted: {}", codes(&g.unset), g.accepted.join("; ")) };
        let _ = writeln!(tb, "| {} | {} | {} | {} |", g.title, g.set, g.unset.len(), cell(&names));
    }
    table(o, &format!("{} categories", c.env_unset.len()), c.env_unset.len(), &tb);
}

fn objects(o: &mut String, c: &Comparison) {
    let objs: Vec<_> = c.missing_secrets.iter().chain(&c.missing_config_maps).collect();
    let _ = writeln!(o, "### Secrets and ConfigMaps the chart lacks ({})\n", objs.iter().filter(|m| m.status == "missing").count());
    if objs.is_empty() {
        let _ = writeln!(o, "The chart creates or references every Secret and ConfigMap the ClowdApp uses (clowd2helm's own names for provider credentials aside; see Infrastructure).\n");
        return;
    }
    let mut tb = String::from("| kind | name | keys | ClowdApp side | optional | used by | status |\n|---|---|---|---|---|---|---|\n");
    for m in &objs {
        let users = if m.used_by.len() > 6 { format!("{} workloads", m.used_by.len()) } else { list(&m.used_by) };
        let side = if m.provided_by == "chart" { "template object" } else { "referenced (must exist)" };
        let status = match (&m.accepted_reason, m.status) {
            (Some(r), _) => format!("accepted: {r}"),
            (None, "replaced") => format!("replaced: {}", m.replaced_by.join(", ")),
            (None, s) if !m.replaced_by.is_empty() => format!("{s} (partly filled: {})", m.replaced_by.join(", ")),
            (None, s) => s.to_string(),
        };
        let _ = writeln!(tb, "| {} | `{}` | {} | {side} | {} | {} | {} |", m.kind, cell(&m.name), cell(&list(&m.keys)), if m.optional { "yes" } else { "no" }, cell(&users), cell(&status));
    }
    table(o, &format!("All {} Secrets and ConfigMaps", objs.len()), objs.len(), &tb);
}

fn infrastructure(o: &mut String, c: &Comparison) {
    let _ = writeln!(o, "### Infrastructure\n");
    if c.infrastructure.is_empty() {
        let _ = writeln!(o, "The ClowdApp needs no infrastructure.\n");
        return;
    }
    let _ = writeln!(o, "For each thing Clowder provided: does the chart run it (bundled), point at one outside (external), or lack it? Read from the chart's workloads, Services (ExternalName ones point outside) and the env values of the workloads that serve the app.\n");
    let _ = writeln!(o, "| provider | what | status | evidence |\n|---|---|---|---|");
    for i in &c.infrastructure {
        let status = match &i.accepted_reason {
            Some(r) => format!("accepted: {r}"),
            None => i.status.to_string(),
        };
        let _ = writeln!(o, "| {} | {} | {} | {} |", i.provider, cell(&i.detail), cell(&status), cell(&i.evidence.join("; ")));
    }
    o.push('\n');
}

fn decisions(o: &mut String, c: &Comparison) {
    let Some(d) = &c.decisions else { return };
    let _ = writeln!(o, "### Decisions\n");
    let _ = writeln!(o, "`{}`: {} decisions; {} gaps accepted.\n", d.file, d.decisions, d.accepted);
    if !d.unused.is_empty() {
        let _ = writeln!(o, "Decisions that match nothing (stale or misspelt):\n");
        for u in &d.unused {
            let _ = writeln!(o, "- line {}: `{}: {}`", u.line, u.subject, u.pattern);
        }
        o.push('\n');
    }
}

/// The comparison's lines of the executive summary.
pub fn executive(o: &mut String, c: &Comparison) {
    let t = &c.totals;
    let _ = writeln!(o, "Compared with chart `{}`:\n", c.chart.name);
    let _ = writeln!(o, "- **Components**: {} in the ClowdApp; **{} covered** ({} matched, {} replaced by different software), **{} missing**, {} accepted as intended omissions.", t.clowdapp, t.matched + t.replaced, t.matched, t.replaced, t.missing, t.accepted);
    let unconsumed: Vec<String> = c.queues.iter().filter(|q| q.status == "unconsumed").map(|q| format!("`{}`", q.name)).collect();
    if !unconsumed.is_empty() {
        let _ = writeln!(o, "- **Queues no chart workload consumes** ({}): {}.", unconsumed.len(), unconsumed.join(", "));
    } else if !c.queues.is_empty() {
        let _ = writeln!(o, "- **Queues**: a chart workload consumes every queue.");
    }
    if !c.infrastructure.is_empty() {
        let _ = writeln!(o, "- **Infrastructure**: {}.", c.infrastructure.iter().map(|i| format!("{} {}", if i.provider == "service" { i.detail.split('`').nth(1).unwrap_or(&i.detail).to_string() } else if i.provider == "dependency" { format!("dependency {}", i.detail) } else { i.provider.clone() }, i.status)).collect::<Vec<_>>().join(", "));
    }
    let objs = c.missing_secrets.iter().chain(&c.missing_config_maps).filter(|m| m.status == "missing").count();
    if objs > 0 {
        let _ = writeln!(o, "- **Secrets and ConfigMaps the chart lacks**: {objs}.");
    }
    if !c.risks.is_empty() {
        let _ = writeln!(o, "- **Top risks**:");
        for (i, r) in c.risks.iter().enumerate() {
            let _ = writeln!(o, "  {}. {}", i + 1, r);
        }
    }
    o.push('\n');
}
