//! The text form of the upstream diff: a summary a reviewer reads top-down, then the file diff.

use super::{Change, ContainerChange, Keyed, Summary, WorkloadChange};
use std::fmt::Write;

/// Long values (Prometheus queries, probes) are cut in the summary; the file diff has them whole.
const MAX_VALUE: usize = 160;

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE {
        return s.to_string();
    }
    let head: String = s.chars().take(MAX_VALUE).collect();
    format!("{head}…")
}

fn change(out: &mut String, pad: &str, what: &str, c: &Option<Change>) {
    let Some(c) = c else { return };
    let _ = match (c.old.as_deref(), c.new.as_deref()) {
        (None, Some(n)) => writeln!(out, "{pad}{what} added: {}", cut(n)),
        (Some(o), None) => writeln!(out, "{pad}{what} removed: {}", cut(o)),
        (Some(o), Some(n)) => writeln!(out, "{pad}{what}: {} → {}", cut(o), cut(n)),
        (None, None) => Ok(()),
    };
}

fn keyed(out: &mut String, pad: &str, what: &str, k: &Keyed) {
    for a in &k.added {
        let _ = writeln!(out, "{pad}{what} added: {} = {}", a.name, cut(&a.value));
    }
    for r in &k.removed {
        let _ = writeln!(out, "{pad}{what} removed: {} (was {})", r.name, cut(&r.value));
    }
    for c in &k.changed {
        let _ = writeln!(out, "{pad}{what} changed: {}: {} → {}", c.name, cut(&c.old), cut(&c.new));
    }
}

fn container(out: &mut String, c: &ContainerChange) {
    let _ = writeln!(out, "      container {}:", c.name);
    let pad = "        ";
    change(out, pad, "image", &c.image);
    change(out, pad, "command", &c.command);
    change(out, pad, "args", &c.args);
    keyed(out, pad, "env", &c.env);
    change(out, pad, "resources", &c.resources);
    change(out, pad, "livenessProbe", &c.liveness_probe);
    change(out, pad, "readinessProbe", &c.readiness_probe);
    keyed(out, pad, "volumeMount", &c.volume_mounts);
    if !c.other.is_empty() {
        let _ = writeln!(out, "{pad}also changed: {}", c.other.join(", "));
    }
}

fn workload(out: &mut String, w: &WorkloadChange) {
    let _ = writeln!(out, "  ~ {} {}", w.kind, w.name);
    let pad = "      ";
    change(out, pad, "replicas", &w.replicas);
    change(out, pad, "autoscaler", &w.autoscaler);
    for a in &w.containers.added {
        let _ = writeln!(out, "{pad}container added: {a}");
    }
    for r in &w.containers.removed {
        let _ = writeln!(out, "{pad}container removed: {r}");
    }
    for c in &w.containers_changed {
        container(out, c);
    }
    keyed(out, pad, "volume", &w.volumes);
    for s in &w.secrets.added {
        let _ = writeln!(out, "{pad}secret reference added: {}{} ({})", s.secret, s.key.as_deref().map(|k| format!(" key {k}")).unwrap_or_default(), s.via);
    }
    for s in &w.secrets.removed {
        let _ = writeln!(out, "{pad}secret reference removed: {}{} ({})", s.secret, s.key.as_deref().map(|k| format!(" key {k}")).unwrap_or_default(), s.via);
    }
    keyed(out, pad, "annotation", &w.annotations);
    keyed(out, pad, "pod annotation", &w.pod_annotations);
    if !w.other.is_empty() {
        let _ = writeln!(out, "{pad}also changed: {}", w.other.join(", "));
    }
}

fn default_text(d: &Option<String>) -> String {
    match d {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "no default".into(),
    }
}

pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Upstream change {} → {}", s.old, s.new);
    if !s.changed {
        let _ = writeln!(out, "\nNo change: both give the same chart.");
        return out;
    }
    let w = &s.workloads;
    let _ = writeln!(out, "\nWorkloads: {} added, {} removed, {} changed", w.added.len(), w.removed.len(), w.changed.len());
    for a in &w.added {
        let _ = writeln!(out, "  + {} {} (component {})", a.kind, a.name, a.component);
    }
    for r in &w.removed {
        let _ = writeln!(out, "  - {} {} (component {})", r.kind, r.name, r.component);
    }
    for c in &w.changed {
        workload(&mut out, c);
    }
    let p = &s.parameters;
    let _ = writeln!(out, "\nParameters: {} added, {} removed, {} defaults changed", p.added.len(), p.removed.len(), p.default_changed.len());
    for a in &p.added {
        let _ = writeln!(out, "  + {} ({}{})", a.name, default_text(&a.default), if a.required { ", required" } else { "" });
    }
    for r in &p.removed {
        let _ = writeln!(out, "  - {}", r.name);
    }
    for d in &p.default_changed {
        let _ = writeln!(out, "  ~ {}: {} → {}", d.name, default_text(&d.old), default_text(&d.new));
    }
    let i = &s.infrastructure;
    let _ = writeln!(out, "\nInfrastructure needs: {} added, {} removed, {} changed", i.added.len(), i.removed.len(), i.changed.len());
    for a in &i.added {
        let _ = writeln!(out, "  + {} {}", a.provider, a.detail);
    }
    for r in &i.removed {
        let _ = writeln!(out, "  - {} {}", r.provider, r.detail);
    }
    for c in &i.changed {
        let _ = writeln!(out, "  ~ {} {}", c.provider, c.detail);
        for u in &c.used_by.added {
            let _ = writeln!(out, "      now used by {u}");
        }
        for u in &c.used_by.removed {
            let _ = writeln!(out, "      no longer used by {u}");
        }
        change(&mut out, "      ", "need", &c.detail_change);
        change(&mut out, "      ", "bundled switch", &c.bundled_switch);
    }
    let f = &s.files;
    let _ = writeln!(out, "\nChart files: {} added, {} removed, {} changed\n", f.added.len(), f.removed.len(), f.changed.len());
    out.push_str(&s.diff);
    out
}
