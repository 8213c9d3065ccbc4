//! `components.<key>`: each deployment and job of the ClowdApp can be switched off with
//! `components.<key>.enabled` (all on by default, as Clowder runs them). A component the app's
//! profile says cannot run without a provider (`requires`) is rendered only when that provider
//! is there. Everything that belongs to a component (Service, ServiceAccount, autoscaler,
//! ServiceMonitor) goes with it.

use super::Ctx;
use crate::model::{Cond, Model, Outcome, Part, Text, ValuesBlock, ValuesNode, WorkloadKind};

/// The values key of a component: its name with parameters left out (`db-migrate-cji-${TAG}` →
/// `db-migrate-cji`), prefixed by the app when a template holds several ClowdApps.
pub fn key(component: &Text, app: &str, multi_app: bool) -> String {
    let raw: String = component.0.iter().map(|p| if let Part::Lit(s) = p { s.as_str() } else { "-" }).collect();
    let mut out = String::new();
    for c in raw.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_end_matches('-').to_string();
    let out = if out.is_empty() { "component".to_string() } else { out };
    if multi_app { format!("{app}-{out}") } else { out }
}

/// The condition a workload is rendered under.
pub fn enabled(key: &str) -> Cond {
    Cond::value(&format!("components.{}.enabled", crate::model::value::path_key(key)))
}

/// Render the named components of `app` only when `available` holds (the provider they need).
pub fn require(ctx: &mut Ctx, model: &mut Model, app: &str, provider: &str, names: &[String], available: &Cond) {
    for w in model.workloads.iter_mut().filter(|w| w.app == app && names.iter().any(|n| w.component.is_literal(n))) {
        w.when = Cond::and(w.when.take(), Some(available.clone()));
        let f = ctx.findings.add(
            "component.requires",
            Outcome::Translated,
            w.source.clone(),
            format!("{}/{}", w.kind.as_str(), w.name.display()),
            format!("`{}` cannot run without {provider} (profile): it is rendered only when {provider} is bundled or external", w.component.display()),
        );
        f.hint(format!("configure {provider} in values to run it"));
    }
}

/// Gate every workload (and the objects tied to it) on `components.<key>.enabled`.
pub fn apply(ctx: &Ctx, model: &mut Model) {
    if model.workloads.is_empty() {
        return;
    }
    let mut entries: Vec<(String, String, ValuesNode)> = Vec::new();
    let mut gates: Vec<(String, Cond)> = Vec::new();
    for w in model.workloads.iter_mut() {
        let k = key(&w.component, &w.app, ctx.multi_app);
        let on = enabled(&k);
        w.when = Cond::and(Some(on.clone()), w.when.take());
        gates.push((w.file.clone(), w.when.clone().expect("just set")));
        // A scheduled job that an invocation also runs shares one key.
        if !entries.iter().any(|(e, _, _)| *e == k) {
            let what = match w.kind {
                WorkloadKind::Deployment => "deployment",
                WorkloadKind::CronJob => "scheduled job",
                WorkloadKind::HookJob => "invoked job",
            };
            let comment = format!("{what} `{}` ({}).", w.component.display(), w.name.display());
            entries.push((k, comment, ValuesNode::map(vec![("enabled", "Render it.", ValuesNode::leaf(true))])));
        }
    }
    // Objects a component owns in its template file (ServiceMonitor) follow it.
    for x in model.extra.iter_mut() {
        if let Some((_, gate)) = gates.iter().find(|(file, _)| *file == x.file) {
            x.when = Cond::and(Some(gate.clone()), x.when.take());
        }
    }
    model.values.push(ValuesBlock {
        key: "components".into(),
        comment: "The ClowdApp's deployments and jobs, each with its own settings. All are rendered by default, as Clowder runs them.".into(),
        value: ValuesNode::Map(entries),
    });
}
