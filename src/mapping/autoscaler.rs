//! `autoScaler` (KEDA) and `autoScalerSimple` (HPA) (`P/autoscaler`).

use super::Ctx;
use crate::error::InputError;
use crate::model::{Autoscaler, Outcome, Part, Text, Val};
use crate::source::clowdapp::{ClowdApp, Deployment};
use crate::source::template::err;

pub fn map_autoscaler(ctx: &mut Ctx, app: &ClowdApp, dep: &Deployment, full: &str, labels: &[(String, Val)]) -> Result<Option<Autoscaler>, InputError> {
    let _ = labels;
    let target = format!("Deployment/{full}");
    if (dep.auto_scaler.is_some() || dep.auto_scaler_simple.is_some()) && !ctx.env.autoscaler_enabled {
        let pos = dep.auto_scaler.as_ref().or(dep.auto_scaler_simple.as_ref()).unwrap().pos;
        ctx.find("autoscaler.env-disabled", Outcome::Translated, pos, &target, "the environment's autoscaler mode is not `enabled`, so Clowder ignores this autoscaler; none is rendered", None);
        return Ok(None);
    }
    if let Some(simple) = &dep.auto_scaler_simple {
        if dep.auto_scaler.is_some() {
            ctx.find("autoscaler.both", Outcome::Translated, simple.pos, &target, "both autoScaler and autoScalerSimple are set; autoScalerSimple wins, as in Clowder", None);
        }
        let replicas = simple.get("replicas").ok_or_else(|| err(&ctx.input.file, simple.pos, "autoScalerSimple needs replicas.min and replicas.max"))?;
        let min = replicas.get("min").ok_or_else(|| err(&ctx.input.file, replicas.pos, "autoScalerSimple.replicas.min is required"))?;
        let max = replicas.get("max").ok_or_else(|| err(&ctx.input.file, replicas.pos, "autoScalerSimple.replicas.max is required"))?;
        let mut metrics = Vec::new();
        for (key, resource) in [("ram", "memory"), ("cpu", "cpu")] {
            let Some(m) = simple.get(key) else { continue };
            if let Some(u) = m.get("scaleAtUtilization") {
                metrics.push(resource_metric(resource, Val::map().with("type", Val::str("Utilization")).with("averageUtilization", ctx.val(u)?).build()));
            }
            if let Some(v) = m.get("scaleAtValue") {
                metrics.push(resource_metric(resource, Val::map().with("type", Val::str("AverageValue")).with("averageValue", ctx.val(v)?).build()));
            }
        }
        ctx.find("autoscaler.hpa", Outcome::Translated, simple.pos, format!("HorizontalPodAutoscaler/{full}-hpa"), "autoScalerSimple → autoscaling/v2 HorizontalPodAutoscaler; the Deployment carries no replicas", None);
        return Ok(Some(Autoscaler::Hpa { min: ctx.val(min)?, max: ctx.val(max)?, metrics }));
    }
    let Some(keda) = &dep.auto_scaler else { return Ok(None) };
    let min = keda.get("minReplicaCount").map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(1));
    let max = keda.get("maxReplicaCount").map(|n| ctx.val(n)).transpose()?.unwrap_or(Val::Int(10));
    let mut spec = Val::map().with(
        "scaleTargetRef",
        Val::map().with("apiVersion", Val::str("apps/v1")).with("kind", Val::str("Deployment")).with("name", Val::str(full)).build(),
    );
    for key in ["pollingInterval", "cooldownPeriod"] {
        if let Some(n) = keda.get(key) {
            spec = spec.with(key, ctx.val(n)?);
        }
    }
    spec = spec.with("minReplicaCount", min.clone()).with("maxReplicaCount", max.clone());
    for key in ["advanced", "fallback"] {
        if let Some(n) = keda.get(key) {
            spec = spec.with(key, ctx.val(n)?);
        }
    }
    let mut triggers = Vec::new();
    for t in keda.get("triggers").map(|t| t.items()).unwrap_or(&[]) {
        let mut tv = ctx.val(t)?;
        match t.get("type").and_then(|n| n.as_str()) {
            Some("prometheus") => {
                if let Some(md) = tv.get_mut("metadata") {
                    // Rendering fails, naming the value, when KEDA is on and the address is unset.
                    md.set("serverAddress", Val::Str(Text(vec![Part::RequiredValue("autoscaling.keda.prometheusServerAddress".into())])));
                }
                ctx.find("autoscaler.keda-prometheus", Outcome::NeedsInput, t.pos, format!("ScaledObject/{full}:triggers"), "Clowder filled the Prometheus trigger's serverAddress from the environment; the chart takes it from autoscaling.keda.prometheusServerAddress", Some("set autoscaling.keda.prometheusServerAddress to your Prometheus URL"));
            }
            Some("kafka") => {
                if let Some(Val::Map(md)) = tv.get_mut("metadata") {
                    let sc = ctx.values_of(&app.name);
                    let bundled = sc.cond("kafka.bundled.enabled");
                    let sasl = crate::model::Cond::And(vec![bundled.clone().negated(), sc.cond("kafka.sasl.mechanism")]);
                    md.retain(|e| !matches!(e.key.as_literal().as_deref(), Some("bootstrapServers" | "sasl" | "tls")));
                    let external = Val::Str(Text(vec![Part::RequiredValue(sc.path("kafka.external.host")), Part::Lit(":".into()), Part::Value(sc.path("kafka.external.port"))]));
                    let servers = Val::If(bundled, Box::new(Val::str(format!("{}-kafka:9092", app.name))), Box::new(external));
                    md.push(crate::model::Entry { key: Text::lit("bootstrapServers"), val: servers, when: None });
                    // Clowder adds the SASL mechanism and TLS when the broker uses SASL.
                    md.push(crate::model::Entry { key: Text::lit("sasl"), val: sc.str("kafka.sasl.mechanism"), when: Some(sasl.clone()) });
                    md.push(crate::model::Entry { key: Text::lit("tls"), val: Val::str("enable"), when: Some(sasl) });
                }
                ctx.find("autoscaler.keda-kafka", Outcome::Translated, t.pos, format!("ScaledObject/{full}:triggers"), "the Kafka trigger's bootstrapServers come from the kafka values, as Clowder filled them from the broker config", None);
            }
            _ => {}
        }
        triggers.push(tv);
    }
    spec = spec.with("triggers", Val::seq(triggers));
    for (k, _) in keda.entries() {
        if !["pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount", "advanced", "triggers", "fallback"].contains(&k.text.as_str()) {
            ctx.find("autoscaler.unknown-field", Outcome::Unsupported, k.pos, format!("ScaledObject/{full}"), format!("autoScaler.{} is not used by Clowder and is not rendered", k.text), None);
        }
    }
    ctx.find("autoscaler.keda", Outcome::Translated, keda.pos, format!("ScaledObject/{full}"), "autoScaler → KEDA ScaledObject, rendered when autoscaling.keda.enabled is true; otherwise the Deployment runs minReplicaCount replicas", Some("enable autoscaling.keda.enabled once the KEDA CRDs are installed"));
    Ok(Some(Autoscaler::Keda { spec: spec.build(), min, max }))
}

fn resource_metric(resource: &str, target: Val) -> Val {
    Val::map()
        .with("type", Val::str("Resource"))
        .with("resource", Val::map().with("name", Val::str(resource)).with("target", target).build())
        .build()
}
