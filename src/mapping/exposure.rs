//! Exposure of the public web services (docs/operating.md): an optional Ingress and optional
//! OpenShift Routes per public deployment, on the API paths Clowder routes to it (§1.3, §3.7:
//! `apiPaths`, else `/api/<apiPath>/`, else `/api/<app>-<deployment>/`; prefix matches, as the
//! Ingress of Clowder's local web mode, §2.17). Off by default: Clowder's operator and none
//! web modes create neither.

use super::Ctx;
use crate::error::InputError;
use crate::model::k8s::{gateway_name, label_map, GATEWAY};
use crate::model::{Cond, Entry, ExtraObject, Item, Model, Outcome, SourceRef, Text, Val, ValuesBlock, ValuesNode, WorkloadKind};
use crate::source::clowdapp::ClowdApp;
use serde_json::json;

/// A deployment with a public web service, and how Clowder routes to it.
pub struct Public {
    /// Index in `model.workloads`.
    pub workload: usize,
    /// `<app>-<deployment>`: Deployment and Service name.
    pub name: Text,
    /// API path prefixes (`/api/cost-management/`).
    pub paths: Vec<Val>,
    /// `whitelistPaths`: paths Clowder's local auth gateway let through without a login.
    pub open_paths: Vec<Val>,
    pub source: SourceRef,
}

/// Every public deployment of the model, in model order.
pub fn public_services(ctx: &Ctx, apps: &[ClowdApp], model: &Model) -> Result<Vec<Public>, InputError> {
    let mut out = Vec::new();
    for (i, w) in model.workloads.iter().enumerate() {
        if w.kind != WorkloadKind::Deployment || !w.service.as_ref().is_some_and(|s| s.ports.iter().any(|p| p.name == "public")) {
            continue;
        }
        let Some(dep) = apps.iter().filter(|a| a.name == w.app).flat_map(|a| a.deployments.iter()).find(|d| w.component.is_literal(&d.name)) else { continue };
        let public = &dep.public;
        let paths = if !public.api_paths.is_empty() {
            public.api_paths.iter().map(|n| ctx.val(n)).collect::<Result<_, _>>()?
        } else if let Some(p) = &public.api_path {
            vec![Val::Str(Text::lit("/api/").then(&ctx.text(p)?).then_lit("/"))]
        } else {
            vec![Val::str(format!("/api/{}/", w.name.display()))]
        };
        let open_paths = public.whitelist_paths.iter().map(|n| ctx.val(n)).collect::<Result<_, _>>()?;
        out.push(Public { workload: i, name: w.name.clone(), paths, open_paths, source: ctx.src(dep.pos) });
    }
    Ok(out)
}

fn values_blocks() -> Vec<ValuesBlock> {
    let text_map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let ingress = ValuesNode::map(vec![
        ("enabled", "Render an Ingress per public deployment, on its API paths (Clowder created none outside its local web mode).", ValuesNode::leaf(false)),
        ("className", "IngressClass; empty uses the cluster's default class.", ValuesNode::leaf("")),
        ("host", "Host name the Ingresses answer; empty answers any host.", ValuesNode::leaf("")),
        ("annotations", "Annotations of every Ingress (cert-manager, the ingress controller's settings).", ValuesNode::typed(json!({}), text_map.clone())),
        ("tls", "TLS of the Ingresses.", ValuesNode::map(vec![("secretName", "TLS Secret (tls.crt, tls.key) for `host`; empty serves plain HTTP.", ValuesNode::leaf(""))])),
    ]);
    let route = ValuesNode::map(vec![
        ("enabled", "Render an OpenShift Route per API path of each public deployment.", ValuesNode::leaf(false)),
        ("host", "Host name of the Routes; set it, so that every path shares one host (empty: the router makes one per Route).", ValuesNode::leaf("")),
        ("annotations", "Annotations of every Route (router settings such as haproxy.router.openshift.io/timeout).", ValuesNode::typed(json!({}), text_map)),
        (
            "tls",
            "TLS of the Routes (by default the router's certificate).",
            ValuesNode::map(vec![
                ("termination", "`edge`: the router's certificate; `reencrypt`: also TLS to the gateway with a certificate from OpenShift's service CA (`gateway.tls.serviceCA`); empty: plain HTTP.", ValuesNode::typed(json!("edge"), json!({"enum": ["", "edge", "reencrypt"]}))),
                ("insecureEdgeTerminationPolicy", "What plain HTTP requests get: `Redirect`, `None` or `Allow`.", ValuesNode::typed(json!("Redirect"), json!({"enum": ["Redirect", "None", "Allow"]}))),
                ("externalCertificate", "TLS Secret the router serves instead of its own certificate (OpenShift 4.16 or newer); empty: the router's.", ValuesNode::leaf("")),
            ]),
        ),
    ]);
    vec![
        ValuesBlock { key: "ingress".into(), comment: "Ingress for the public web services (docs/operating.md).".into(), value: ingress },
        ValuesBlock { key: "route".into(), comment: "OpenShift Routes for the public web services (docs/operating.md).".into(), value: route },
    ]
}

/// `annotations` from a values map, only when it is not empty.
fn annotations(path: &str) -> Entry {
    Entry {
        key: Text::lit("annotations"),
        val: Val::Map(vec![Entry { key: Text::lit(""), val: Val::Splice(vec![path.into()]), when: None }]),
        when: Some(Cond::value(path)),
    }
}

fn metadata(name: &Text, labels: &[(String, Val)], annotations_path: &str) -> Val {
    let mut md = Val::map().with("name", Val::Str(name.clone())).with("labels", label_map(labels)).build();
    if let Val::Map(e) = &mut md {
        e.push(annotations(annotations_path));
    }
    md
}

/// The Service (and its port name) a request goes to: the identity gateway while it is on.
fn backend(model: &Model, service: &Text) -> (Val, Val) {
    if !model.values.iter().any(|b| b.key == GATEWAY) {
        return (Val::Str(service.clone()), Val::str("public"));
    }
    let on = Cond::value("gateway.enabled");
    (
        Val::If(on.clone(), Box::new(Val::str(gateway_name(&model.chart_name))), Box::new(Val::Str(service.clone()))),
        Val::If(on, Box::new(Val::str("gateway")), Box::new(Val::str("public"))),
    )
}

fn ingress(model: &Model, p: &Public) -> Val {
    let w = &model.workloads[p.workload];
    let (service, port) = backend(model, &p.name);
    let paths = Val::seq(p.paths.iter().map(|path| {
        Val::map()
            .with("path", path.clone())
            .with("pathType", Val::str("Prefix"))
            .with("backend", Val::map().with("service", Val::map().with("name", service.clone()).with("port", Val::map().with("name", port.clone()).build()).build()).build())
            .build()
    }));
    let host = Cond::value("ingress.host");
    let tls = Val::seq([Val::map().when(host.clone(), "hosts", Val::seq([Val::ValueRef("ingress.host".into())])).with("secretName", Val::ValueRef("ingress.tls.secretName".into())).build()]);
    let spec = Val::map()
        .when(Cond::value("ingress.className"), "ingressClassName", Val::ValueRef("ingress.className".into()))
        .when(Cond::value("ingress.tls.secretName"), "tls", tls)
        .with("rules", Val::Seq(vec![Item { val: Val::map().when(host, "host", Val::ValueRef("ingress.host".into())).with("http", Val::map().with("paths", paths).build()).build(), when: None }]))
        .build();
    Val::map()
        .with("apiVersion", Val::str("networking.k8s.io/v1"))
        .with("kind", Val::str("Ingress"))
        .with("metadata", metadata(&p.name, &w.labels, "ingress.annotations"))
        .with("spec", spec)
        .build()
}

fn route(model: &Model, p: &Public, name: &Text, path: &Val) -> Val {
    let w = &model.workloads[p.workload];
    let (service, port) = backend(model, &p.name);
    let tls = Val::map()
        .with("termination", Val::ValueRef("route.tls.termination".into()))
        .when(Cond::value("route.tls.insecureEdgeTerminationPolicy"), "insecureEdgeTerminationPolicy", Val::ValueRef("route.tls.insecureEdgeTerminationPolicy".into()))
        .when(Cond::value("route.tls.externalCertificate"), "externalCertificate", Val::map().with("name", Val::ValueRef("route.tls.externalCertificate".into())).build())
        .build();
    let spec = Val::map()
        .when(Cond::value("route.host"), "host", Val::ValueRef("route.host".into()))
        .with("path", path.clone())
        .with("to", Val::map().with("kind", Val::str("Service")).with("name", service).with("weight", Val::Int(100)).build())
        .with("port", Val::map().with("targetPort", port).build())
        .when(Cond::value("route.tls.termination"), "tls", tls)
        .with("wildcardPolicy", Val::str("None"))
        .build();
    Val::map()
        .with("apiVersion", Val::str("route.openshift.io/v1"))
        .with("kind", Val::str("Route"))
        .with("metadata", metadata(name, &w.labels, "route.annotations"))
        .with("spec", spec)
        .build()
}

/// Ingresses, Routes and their values. Call after the gateway's values exist (backends follow it).
pub fn apply(ctx: &mut Ctx, publics: &[Public], model: &mut Model) {
    if publics.is_empty() {
        return;
    }
    model.values.extend(values_blocks());
    let mut add = Vec::new();
    for p in publics {
        let w = &model.workloads[p.workload];
        let shown: Vec<String> = p.paths.iter().map(|v| v.as_text().map(Text::display).unwrap_or_default()).collect();
        let f = ctx.findings.add(
            "exposure.paths",
            Outcome::Translated,
            p.source.clone(),
            format!("Ingress/{}", p.name.display()),
            format!("public service exposed on {} (Prefix) with `ingress.enabled` or `route.enabled`", shown.join(", ")),
        );
        f.hint("set ingress.host or route.host, and TLS, see docs/operating.md");
        if super::operations::template_has(model, "Ingress", &p.name) {
            ctx.findings.add("exposure.in-template", Outcome::Translated, p.source.clone(), format!("Ingress/{}", p.name.display()), "the template defines its own Ingress with this name; the chart adds none");
        } else {
            add.push(ExtraObject { file: w.file.clone(), body: ingress(model, p), when: Cond::and(Some(Cond::value("ingress.enabled")), w.when.clone()), infra: false });
        }
        for (i, path) in p.paths.iter().enumerate() {
            let name = if p.paths.len() == 1 { p.name.clone() } else { p.name.clone().then_lit(&format!("-{}", i + 1)) };
            if super::operations::template_has(model, "Route", &name) {
                ctx.findings.add("exposure.in-template", Outcome::Translated, p.source.clone(), format!("Route/{}", name.display()), "the template defines its own Route with this name; the chart adds none for this path");
                continue;
            }
            add.push(ExtraObject { file: w.file.clone(), body: route(model, p, &name, path), when: Cond::and(Some(Cond::value("route.enabled")), w.when.clone()), infra: false });
        }
    }
    model.extra.extend(add);
}
