//! The optional identity gateway (docs/operating.md): an Envoy in front of the public web
//! services that turns an OIDC bearer token into the `x-rh-identity` header Insights apps read,
//! as the hosted platform's gateway (or Clowder's local web mode, §2.17) did. It is generic: the
//! routes are the ClowdApp's API paths, what the identity holds comes from values, with
//! defaults from each app's profile (Koku: its entitlement, everyone org admin). The Envoy
//! configuration itself is a template the chart writes (`chart/gateway.rs`).

use super::exposure::Public;
use super::profile;
use super::Ctx;
use crate::model::k8s::{gateway_name, gateway_selector, label_map, GATEWAY};
use crate::model::{Cond, Entry, External, ExtraObject, Item, Model, Outcome, Part, Text, Val, ValuesBlock, ValuesNode};
use serde_json::{json, Value as J};

/// The Envoy image: a public build, the version the chart's tests run.
pub const IMAGE: &str = "docker.io/envoyproxy/envoy:v1.40.0";
/// Named templates of the Envoy configuration (written by the chart stage).
pub const CONFIG_TEMPLATE: &str = "clowd2helm.gateway.envoy";

/// A path at parameter defaults (values.yaml holds plain data).
fn at_defaults(ctx: &Ctx, v: &Val) -> String {
    match v {
        Val::Str(t) => t
            .0
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Param(n) => ctx.input.parameter(n).and_then(|p| p.value.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .collect(),
        Val::Typed(n) => ctx.input.parameter(n).and_then(|p| p.value.clone()).unwrap_or_default(),
        other => other.as_literal_str().unwrap_or_default(),
    }
}

fn values_block(ctx: &mut Ctx, publics: &[Public], model: &Model) -> ValuesBlock {
    let mut routes = Vec::new();
    let mut open = Vec::new();
    for p in publics {
        for path in &p.paths {
            if !matches!(path, Val::Str(t) if t.as_literal().is_some()) {
                ctx.findings.add("gateway.path-parameter", Outcome::Approximated, p.source.clone(), "values.yaml:gateway.routes", format!("an API path of `{}` uses a parameter: the gateway route takes its default", p.name.display()));
            }
            routes.push(json!({"prefix": at_defaults(ctx, path), "service": p.name.display()}));
        }
        open.extend(p.open_paths.iter().map(|v| J::String(at_defaults(ctx, v))));
    }
    // Identity defaults from the apps' profiles: entitlements of all, org admin if any says so.
    let mut entitlements: Vec<String> = Vec::new();
    let mut admin = false;
    for app in &model.apps {
        if let Ok((p, _)) = profile::select(ctx.options.profile.as_deref(), app) {
            for e in p.identity.entitlements {
                if !entitlements.contains(&e) {
                    entitlements.push(e);
                }
            }
            admin |= p.identity.org_admin_by_default;
        }
    }
    let string = |s: &str| ValuesNode::leaf(s);
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let route_schema = json!({"type": "array", "items": {"type": "object", "properties": {"prefix": {"type": "string"}, "service": {"type": "string"}, "port": {"type": "integer"}}, "required": ["prefix", "service"], "additionalProperties": false}});
    let value = ValuesNode::map(vec![
        ("enabled", "Run the gateway and send the Ingress/Route traffic through it. Every request to an API path then needs a valid bearer token.", ValuesNode::leaf(false)),
        ("image", "Envoy image (any Envoy 1.30 or newer).", string(IMAGE)),
        ("replicas", "Gateway pods.", ValuesNode::leaf(1)),
        ("port", "Port the gateway listens on (Service port `gateway`).", ValuesNode::leaf(8080)),
        ("timeout", "Longest time a request to the app may take.", string("300s")),
        ("logLevel", "Envoy log level.", ValuesNode::typed(json!("info"), json!({"enum": ["trace", "debug", "info", "warning", "error", "critical", "off"]}))),
        ("resources", "Resources of the gateway container.", ValuesNode::typed(json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}), json!({"type": "object"}))),
        (
            "securityContext",
            "securityContext of the gateway container (restricted). On OpenShift set `runAsUser: null` so that the namespace's range applies.",
            ValuesNode::typed(
                json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 101, "seccompProfile": {"type": "RuntimeDefault"}}),
                json!({"type": "object"}),
            ),
        ),
        ("routes", "API path prefixes and the Service each goes to (`port` defaults to `web.port`): the ClowdApp's public services, as Clowder routed them.", ValuesNode::typed(J::Array(routes), route_schema)),
        ("publicPaths", "Path prefixes let through without a token and without identity (the ClowdApp's whitelistPaths).", ValuesNode::typed(J::Array(open), strings.clone())),
        (
            "jwt",
            "Who issues the tokens (Keycloak or any OIDC provider).",
            ValuesNode::map(vec![
                ("issuer", "The tokens' `iss` (Keycloak: https://<host>/realms/<realm>). Required unless development mode is on.", string("")),
                ("audiences", "Accepted `aud` values; empty accepts any.", ValuesNode::typed(json!([]), strings)),
                ("jwksUri", "Where the gateway fetches the signing keys (Keycloak: <issuer>/protocol/openid-connect/certs).", string("")),
                ("jwks", "The signing keys themselves (JWKS JSON), instead of jwksUri (no network access to the issuer).", string("")),
                (
                    "ca",
                    "CA that signs the jwksUri server's certificate, when not a public one.",
                    ValuesNode::map(vec![("configMap", "ConfigMap holding it (OpenShift: openshift-service-ca.crt); empty: the image's CA bundle.", string("")), ("key", "Key of the CA in the ConfigMap.", string("ca.crt"))]),
                ),
                ("forwardToken", "Pass the Authorization header on to the app.", ValuesNode::leaf(false)),
            ]),
        ),
        (
            "identity",
            "What `x-rh-identity` holds, from the token's claims (dotted paths reach nested claims).",
            ValuesNode::map(vec![
                (
                    "claims",
                    "Claim of each identity field. A token without the org id claim is refused (403).",
                    ValuesNode::map(vec![
                        ("orgId", "identity.org_id", string("org_id")),
                        ("accountNumber", "identity.account_number", string("account_number")),
                        ("username", "identity.user.username", string("preferred_username")),
                        ("email", "identity.user.email", string("email")),
                        ("firstName", "identity.user.first_name", string("given_name")),
                        ("lastName", "identity.user.last_name", string("family_name")),
                        ("userId", "identity.user.user_id", string("sub")),
                    ]),
                ),
                (
                    "orgAdmin",
                    "identity.user.is_org_admin: a boolean claim, else membership of a role, else the default.",
                    ValuesNode::map(vec![
                        ("claim", "Boolean claim (`is_org_admin`); empty: not used.", string("")),
                        ("role", "Role that makes a user org admin; empty: not used.", string("")),
                        ("rolesClaim", "Claim listing the user's roles.", string("realm_access.roles")),
                        ("default", "Org admin when neither the claim nor the role says (the app's profile decides the default).", ValuesNode::leaf(admin)),
                    ]),
                ),
                ("entitlements", "Services the identity is entitled to (`entitlements.<name>.is_entitled: true`).", ValuesNode::typed(json!(entitlements), json!({"type": "array", "items": {"type": "string"}}))),
            ]),
        ),
        (
            "development",
            "Development only: no token is checked and every request gets this fixed identity. Never turn it on where anyone else can reach the gateway.",
            ValuesNode::map(vec![
                ("enabled", "Inject the fixed identity.", ValuesNode::leaf(false)),
                (
                    "identity",
                    "The fixed identity.",
                    ValuesNode::map(vec![
                        ("orgId", "identity.org_id", string("1234567")),
                        ("accountNumber", "identity.account_number", string("7654321")),
                        ("username", "identity.user.username", string("developer")),
                        ("email", "identity.user.email", string("developer@example.com")),
                        ("orgAdmin", "identity.user.is_org_admin", ValuesNode::leaf(true)),
                    ]),
                ),
            ]),
        ),
        (
            "tls",
            "TLS on the gateway's own port (for Route reencrypt or end-to-end TLS); off: plain HTTP.",
            ValuesNode::map(vec![
                ("secretName", "TLS Secret (tls.crt, tls.key) the gateway serves.", string("")),
                ("serviceCA", "OpenShift: the service CA issues the certificate (Secret `<gateway>-tls`), which the router trusts for reencrypt.", ValuesNode::leaf(false)),
            ]),
        ),
    ]);
    ValuesBlock { key: GATEWAY.into(), comment: "Identity gateway in front of the public web services (docs/operating.md): turns a bearer token into `x-rh-identity`.".into(), value }
}

fn v(path: &str) -> Val {
    Val::ValueRef(path.into())
}

fn tls_on() -> Cond {
    Cond::Or(vec![Cond::value("gateway.tls.secretName"), Cond::value("gateway.tls.serviceCA")])
}

fn objects(chart: &str, labels: &[(String, Val)]) -> Vec<Val> {
    let name = Text::lit(gateway_name(chart));
    let selector = gateway_selector(chart);
    let mut all_labels = labels.to_vec();
    all_labels.extend(selector.iter().cloned());
    let metadata = |extra: Vec<Entry>| {
        let mut m = Val::map().with("name", Val::Str(name.clone())).with("labels", label_map(&all_labels)).build();
        if let Val::Map(e) = &mut m {
            e.extend(extra);
        }
        m
    };
    let config = Val::map()
        .with("apiVersion", Val::str("v1"))
        .with("kind", Val::str("ConfigMap"))
        .with("metadata", metadata(Vec::new()))
        .with("data", Val::map().with("envoy.yaml", Val::Include { template: CONFIG_TEMPLATE.into(), sha256: false }).build())
        .build();
    let scheme = Val::If(tls_on(), Box::new(Val::str("HTTPS")), Box::new(Val::str("HTTP")));
    let probe = |delay: i64| {
        Val::map()
            .with("httpGet", Val::map().with("path", Val::str("/healthz")).with("port", Val::str("gateway")).with("scheme", scheme.clone()).build())
            .with("initialDelaySeconds", Val::Int(delay))
            .with("periodSeconds", Val::Int(10))
            .build()
    };
    let tls_secret = Val::If(Cond::value("gateway.tls.serviceCA"), Box::new(Val::str(format!("{}-tls", gateway_name(chart)))), Box::new(v("gateway.tls.secretName")));
    let ca = Cond::value("gateway.jwt.ca.configMap");
    let mounts = Val::Seq(vec![
        Item { val: Val::map().with("name", Val::str("config")).with("mountPath", Val::str("/etc/envoy")).with("readOnly", Val::Bool(true)).build(), when: None },
        Item { val: Val::map().with("name", Val::str("tls")).with("mountPath", Val::str("/etc/envoy/tls")).with("readOnly", Val::Bool(true)).build(), when: Some(tls_on()) },
        Item { val: Val::map().with("name", Val::str("jwks-ca")).with("mountPath", Val::str("/etc/envoy/jwks-ca")).with("readOnly", Val::Bool(true)).build(), when: Some(ca.clone()) },
    ]);
    let volumes = Val::Seq(vec![
        Item { val: Val::map().with("name", Val::str("config")).with("configMap", Val::map().with("name", Val::Str(name.clone())).build()).build(), when: None },
        Item { val: Val::map().with("name", Val::str("tls")).with("secret", Val::map().with("secretName", tls_secret).build()).build(), when: Some(tls_on()) },
        Item { val: Val::map().with("name", Val::str("jwks-ca")).with("configMap", Val::map().with("name", v("gateway.jwt.ca.configMap")).build()).build(), when: Some(ca) },
    ]);
    let container = Val::map()
        .with("name", Val::str("envoy"))
        .with("image", v("gateway.image"))
        .with("command", Val::seq([Val::str("envoy")]))
        .with("args", Val::seq([Val::str("--config-path"), Val::str("/etc/envoy/envoy.yaml"), Val::str("--disable-hot-restart"), Val::str("--log-level"), v("gateway.logLevel")]))
        .with("ports", Val::seq([Val::map().with("name", Val::str("gateway")).with("containerPort", v("gateway.port")).with("protocol", Val::str("TCP")).build()]))
        .with("readinessProbe", probe(2))
        .with("livenessProbe", probe(10))
        .with("resources", v("gateway.resources"))
        .with("volumeMounts", mounts)
        .when(Cond::value("gateway.securityContext"), "securityContext", v("gateway.securityContext"))
        .with("imagePullPolicy", Val::str("IfNotPresent"))
        .build();
    let pod = Val::map()
        .with("metadata", Val::map().with("labels", label_map(&all_labels)).with("annotations", Val::map().with("checksum/envoy", Val::Include { template: CONFIG_TEMPLATE.into(), sha256: true }).build()).build())
        .with("spec", Val::map().with("automountServiceAccountToken", Val::Bool(false)).with("containers", Val::seq([container])).with("volumes", volumes).build())
        .build();
    let deployment = Val::map()
        .with("apiVersion", Val::str("apps/v1"))
        .with("kind", Val::str("Deployment"))
        .with("metadata", metadata(Vec::new()))
        .with("spec", Val::map().with("replicas", v("gateway.replicas")).with("selector", Val::map().with("matchLabels", label_map(&selector)).build()).with("template", pod).build())
        .build();
    let service_ca = Entry {
        key: Text::lit("annotations"),
        val: Val::map().with("service.beta.openshift.io/serving-cert-secret-name", Val::str(format!("{}-tls", gateway_name(chart)))).build(),
        when: Some(Cond::value("gateway.tls.serviceCA")),
    };
    let service = Val::map()
        .with("apiVersion", Val::str("v1"))
        .with("kind", Val::str("Service"))
        .with("metadata", metadata(vec![service_ca]))
        .with(
            "spec",
            Val::map()
                .with("type", Val::str("ClusterIP"))
                .with("selector", label_map(&selector))
                .with(
                    "ports",
                    Val::seq([Val::map()
                        .with("name", Val::str("gateway"))
                        .with("port", v("gateway.port"))
                        .with("targetPort", Val::str("gateway"))
                        .with("protocol", Val::str("TCP"))
                        .with("appProtocol", Val::If(tls_on(), Box::new(Val::str("https")), Box::new(Val::str("http"))))
                        .build()]),
                )
                .build(),
        )
        .build();
    vec![config, deployment, service]
}

/// The gateway's values and objects (rendered only with `gateway.enabled`), when the chart has
/// public web services.
pub fn apply(ctx: &mut Ctx, publics: &[Public], model: &mut Model) {
    let Some(first) = publics.first() else { return };
    let block = values_block(ctx, publics, model);
    model.values.push(block);
    let labels = model.workloads[first.workload].labels.iter().filter(|(k, _)| k != "pod").cloned().collect::<Vec<_>>();
    for body in objects(&model.chart_name, &labels) {
        model.extra.push(ExtraObject { file: "gateway.yaml".into(), body, when: Some(Cond::value("gateway.enabled")), infra: false });
    }
    let gw = gateway_name(&model.chart_name);
    let on = |c: Cond| Some(Cond::And(vec![Cond::value("gateway.enabled"), c]));
    let mut external = |kind: &str, name: Text, key: &str, keys: &[&str], when: Option<Cond>, pending: Option<Cond>, resolve: &str| {
        model.externals.push(External {
            kind: kind.into(),
            name,
            values_key: key.into(),
            keys: keys.iter().map(|k| Text::lit(*k)).collect(),
            optional: false,
            used_by: vec![format!("Deployment/{gw}")],
            fields: vec![format!("volume {}", if kind == "Secret" { "tls" } else { "jwks-ca" })],
            source: first.source.clone(),
            when,
            pending,
            resolve: resolve.into(),
        });
    };
    let own = Cond::And(vec![Cond::value("gateway.tls.secretName"), Cond::value("gateway.tls.serviceCA").negated()]);
    external("Secret", Text::value("gateway.tls.secretName"), "gateway.tls.secretName", &["tls.crt", "tls.key"], on(own.clone()), on(own), "create the TLS Secret the gateway serves, or turn gateway.tls off");
    external("Secret", Text::lit(format!("{gw}-tls")), "gateway.tls.serviceCA", &["tls.crt", "tls.key"], on(Cond::value("gateway.tls.serviceCA")), None, "OpenShift's service CA creates it from the Service annotation");
    external("ConfigMap", Text::value("gateway.jwt.ca.configMap"), "gateway.jwt.ca.configMap", &[], on(Cond::value("gateway.jwt.ca.configMap")), on(Cond::value("gateway.jwt.ca.configMap")), "create the ConfigMap with the CA of the token issuer's certificate");
    let f = ctx.findings.add(
        "gateway.identity",
        Outcome::Translated,
        first.source.clone(),
        format!("Deployment/{gw}"),
        "the x-rh-identity header the hosted gateway added comes from an optional Envoy gateway (`gateway.enabled`) that checks OIDC bearer tokens and builds the identity from their claims",
    );
    f.hint("set gateway.jwt.issuer and gateway.jwt.jwksUri (Keycloak realm), then gateway.enabled=true; see docs/operating.md");
}
