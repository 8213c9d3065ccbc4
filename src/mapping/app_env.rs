//! `appEnv`: env vars the app's profile declares as settings of the whole app (Koku's `ONPREM`,
//! `ENHANCED_ORG_ADMIN`...). A value set under `appEnv.<NAME>` replaces the template's value in
//! every container running the app's image, or is added where the template does not set it;
//! unset (the default) keeps the template's own value, as Clowder ran it.

use super::config::env::container_applies;
use super::profile::Profile;
use super::Ctx;
use crate::model::workload::{EnvOrigin, EnvValue, EnvVar};
use crate::model::{Cond, Model, Outcome, Text, Val, ValuesBlock, ValuesNode};
use crate::source::clowdapp::ClowdApp;

pub const BLOCK: &str = "appEnv";

fn path(name: &str) -> String {
    format!("{BLOCK}.{}", crate::model::value::path_key(name))
}

pub fn apply(ctx: &mut Ctx, app: &ClowdApp, profile: &Profile, model: &mut Model) {
    if profile.app_env.is_empty() {
        return;
    }
    let mut fixed_by_template = Vec::new();
    for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
        for c in w.pod.containers.iter_mut().chain(w.pod.init_containers.iter_mut()) {
            if !container_applies(profile, c) {
                continue;
            }
            for name in profile.app_env.keys() {
                let set = Cond::value(&path(name));
                let chosen = Val::Str(Text::value(path(name)));
                match c.env.iter_mut().find(|e| e.name == *name) {
                    Some(EnvVar { value: EnvValue::Value(v), .. }) => *v = Val::If(set, Box::new(chosen), Box::new(v.clone())),
                    Some(_) => fixed_by_template.push(format!("{}:{name}", c.name.display())),
                    None => c.env.push(EnvVar { name: name.clone(), value: EnvValue::Value(chosen), origin: EnvOrigin::Provider("appEnv".into()), when: Some(set), source: None }),
                }
            }
        }
    }
    let entries: Vec<(String, String, ValuesNode)> = profile.app_env.iter().map(|(n, d)| (n.clone(), d.clone(), ValuesNode::leaf(""))).collect();
    match model.values.iter_mut().find(|b| b.key == BLOCK) {
        Some(ValuesBlock { value: ValuesNode::Map(m), .. }) => {
            for e in entries {
                if !m.iter().any(|(k, _, _)| *k == e.0) {
                    m.push(e);
                }
            }
        }
        _ => model.values.push(ValuesBlock {
            key: BLOCK.into(),
            comment: format!("Settings of the whole app (profile `{}`): a value set here is the env var of that name in every container running the app's image; empty keeps each container's own value from the template.", profile.name),
            value: ValuesNode::Map(entries),
        }),
    }
    ctx.find(
        "config.app-env",
        Outcome::Translated,
        app.pos,
        "values.yaml:appEnv",
        format!("profile `{}`: {} set in every app container through appEnv.<NAME> when given", profile.name, profile.app_env.keys().cloned().collect::<Vec<_>>().join(", ")),
        None,
    );
    if !fixed_by_template.is_empty() {
        ctx.find("config.app-env-fixed", Outcome::Approximated, app.pos, "values.yaml:appEnv", format!("the template reads these from a Secret or ConfigMap, so appEnv cannot change them: {}", fixed_by_template.join(", ")), None);
    }
}
