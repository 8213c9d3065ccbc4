//! Env mode: Clowder's injected configuration replaced by the env vars the app's profile names.


use crate::mapping::connections::{Connections, Mount, Setting, Settings};
use crate::mapping::profile::{EnvSpec, Profile};
use crate::mapping::Ctx;
use crate::error::InputError;
use crate::model::workload::{EnvOrigin, EnvValue, EnvVar};
use crate::model::{Cond, Container, Item, Model, Outcome, Val};
use crate::source::clowdapp::ClowdApp;


/// Does the profile's configuration go to this container (by the parameters its image uses)?
pub fn container_applies(profile: &Profile, c: &Container) -> bool {
    let wanted = &profile.containers.image_parameters;
    if wanted.is_empty() {
        return true;
    }
    let uses = |v: &Val| {
        let mut ps = Vec::new();
        v.params(&mut ps);
        ps.iter().any(|p| wanted.contains(p))
    };
    uses(&c.image)
}

fn resolve(profile: &Profile, provider: &str, spec: &EnvSpec, settings: &Settings) -> Result<Option<Setting>, InputError> {
    if let Some(l) = &spec.literal {
        return Ok(Some(Setting::new(EnvValue::Value(Val::str(l)), None)));
    }
    let from = spec.from.as_deref().unwrap_or_default();
    match settings.get(from) {
        Some(s) => Ok(Some(s.clone())),
        None => Err(InputError::whole(&profile.origin, format!("env `{}` of provider `{provider}` takes `from: {from}`, which that provider does not offer", spec.name))
            .hint(format!("use one of: {}", settings.keys().copied().collect::<Vec<_>>().join(", ")))),
    }
}

fn provider_specs<'p>(profile: &'p Profile, provider: &str) -> &'p [EnvSpec] {
    let p = &profile.providers;
    let block = match provider {
        "database" => &p.database,
        "inMemoryDb" => &p.in_memory_db,
        "kafka" => &p.kafka,
        "objectStore" => &p.object_store,
        "featureFlags" => &p.feature_flags,
        _ => &None,
    };
    block.as_ref().map(|b| b.env.as_slice()).unwrap_or(&[])
}

/// Env mode: force the Clowder switch off and append the profile's env vars.
pub fn apply_env(ctx: &mut Ctx, app: &ClowdApp, profile: &Profile, conns: &Connections, model: &mut Model) -> Result<(), InputError> {
    // Each provider env var points at the ClowdApp field that asked for the provider.
    let source_of = |provider: &str, detail: Option<&str>| {
        model.infrastructure.iter().find(|n| n.app == app.name && n.provider == provider && detail.is_none_or(|d| n.detail.ends_with(d))).map(|n| n.source.clone())
    };
    let mut additions: Vec<EnvVar> = Vec::new();
    // Files some settings point at (CA certificates): mounted where the env var goes.
    let mut mounts: Vec<(Mount, Option<Cond>)> = Vec::new();
    for (provider, settings) in &conns.providers {
        for spec in provider_specs(profile, provider) {
            if let Some(s) = resolve(profile, provider, spec, settings)? {
                if let Some(m) = &s.mount
                    && !mounts.iter().any(|(x, _)| x == m)
                {
                    mounts.push((m.clone(), s.when.clone()));
                }
                additions.push(EnvVar { name: spec.name.clone(), value: s.value, origin: EnvOrigin::Provider(provider.to_string()), when: s.when, source: source_of(provider, None) });
            }
        }
    }
    for (dep, _, settings, specs) in &conns.dependencies {
        for spec in specs {
            if let Some(s) = resolve(profile, &format!("dependency {dep}"), spec, settings)? {
                additions.push(EnvVar { name: spec.name.clone(), value: s.value, origin: EnvOrigin::Provider(format!("dependency:{dep}")), when: s.when, source: source_of("dependency", Some(dep)) });
            }
        }
    }
    super::prune_unused(model, conns, |provider, key| provider_specs(profile, provider).iter().any(|s| s.from.as_deref() == Some(key)));
    let mut forced = 0;
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut skipped_containers = Vec::new();
    for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
        let wname = w.name.display();
        let mut mounted = false;
        let all: Vec<&mut Container> = w.pod.containers.iter_mut().chain(w.pod.init_containers.iter_mut()).collect();
        for c in all {
            if !container_applies(profile, c) {
                skipped_containers.push(c.name.display());
                continue;
            }
            if !profile.clowder_switch.is_empty() {
                match c.env.iter_mut().find(|e| e.name == profile.clowder_switch) {
                    Some(e) => e.value = EnvValue::Value(Val::str("false")),
                    None => c.env.push(EnvVar { name: profile.clowder_switch.clone(), value: EnvValue::Value(Val::str("false")), origin: EnvOrigin::Provider("clowder".into()), when: None, source: None }),
                }
                forced += 1;
            }
            for a in &additions {
                if c.env.iter().any(|e| e.name == a.name) {
                    if !kept.iter().any(|(n, _)| *n == a.name) {
                        kept.push((a.name.clone(), wname.clone()));
                    }
                    continue;
                }
                c.env.push(a.clone());
            }
            for (m, when) in &mounts {
                c.conditional_mounts.push(Item { val: m.mount.clone(), when: when.clone() });
                mounted = true;
            }
        }
        if mounted {
            w.pod.conditional_volumes.extend(mounts.iter().map(|(m, when)| Item { val: m.volume.clone(), when: when.clone() }));
        }
    }
    if let Some(port) = profile.app_ports.get("private") {
        let mut moved = Vec::new();
        for w in model.workloads.iter_mut().filter(|w| w.app == app.name) {
            let Some(main) = w.pod.containers.first_mut() else { continue };
            if !container_applies(profile, main) {
                continue;
            }
            let Some(p) = main.ports.iter_mut().find(|p| p.name == "private") else { continue };
            p.port = Val::Int(*port);
            if let Some(sp) = w.service.as_mut().and_then(|s| s.ports.iter_mut().find(|p| p.name == "private")) {
                sp.target_port = Val::Int(*port);
            }
            moved.push(w.name.display());
        }
        if !moved.is_empty() {
            ctx.find("config.app-port", Outcome::Approximated, app.pos, "Service private targetPort", format!("profile `{}`: without cdappconfig.json the app listens on {port} for its private API; container port `private` and the Service targetPort use {port} (the Service port stays Clowder's) in {}", profile.name, moved.join(", ")), None);
        }
    }
    if forced > 0 {
        ctx.find("config.clowder-disabled", Outcome::Translated, app.pos, format!("env {}", profile.clowder_switch), format!("{} forced to \"false\" in {forced} containers so the app reads env vars instead of cdappconfig.json (no ACG_CONFIG is set)", profile.clowder_switch), None);
    }
    for (name, w) in kept {
        ctx.find("config.template-env-kept", Outcome::Approximated, app.pos, format!("{w}:env.{name}"), format!("the template already sets {name}; its value is kept instead of the provider's"), Some("remove it from the template if the chart's value should win"));
    }
    if !skipped_containers.is_empty() {
        skipped_containers.sort();
        skipped_containers.dedup();
        ctx.find("config.containers-skipped", Outcome::Translated, app.pos, "-", format!("containers not running the app's image get no provider env: {}", skipped_containers.join(", ")), None);
    }
    if !additions.is_empty() {
        let names: Vec<&str> = additions.iter().map(|a| a.name.as_str()).collect();
        ctx.find("config.env", Outcome::Translated, app.pos, "-", format!("Clowder's injected configuration replaced by env vars from profile `{}`: {}", profile.name, names.join(", ")), None);
    }
    Ok(())
}
