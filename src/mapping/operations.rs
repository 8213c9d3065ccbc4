//! The operational values Helm users expect (docs/operating.md): `global.*` for every pod,
//! `components.<key>.*` overriding them for one component, PodDisruptionBudgets and
//! NetworkPolicies. Nothing here is rendered at defaults: the chart stays what Clowder ran.

use super::Ctx;
use crate::model::k8s::{gateway_selector, label_map, GATEWAY};
use crate::model::operations::Scopes;
use crate::model::value::path_key;
use crate::model::{Cond, ExtraObject, Item, Model, Outcome, Part, Replicas, Text, Val, ValuesBlock, ValuesNode, Workload, WorkloadKind};
use serde_json::{json, Value as J};

/// The values key of a component (`components.<key>`, shared with `.enabled`).
pub fn component_key(w: &Workload, multi_app: bool) -> String {
    super::components::key(&w.component, &w.app, multi_app)
}

/// The values path of a component's block.
pub fn component_path(key: &str) -> String {
    format!("components.{}", path_key(key))
}

fn text_map() -> J {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

fn objects() -> J {
    json!({"type": "array", "items": {"type": "object"}})
}

fn closed_object(fields: &[&str]) -> J {
    let props: serde_json::Map<String, J> = fields.iter().map(|f| (f.to_string(), json!({}))).collect();
    json!({"type": "object", "properties": props, "additionalProperties": false})
}

/// Fields of a Kubernetes PodSecurityContext and SecurityContext (a misspelt one fails the render).
const POD_SECURITY: &[&str] = &[
    "appArmorProfile", "fsGroup", "fsGroupChangePolicy", "runAsGroup", "runAsNonRoot", "runAsUser", "seLinuxChangePolicy", "seLinuxOptions", "seccompProfile",
    "supplementalGroups", "supplementalGroupsPolicy", "sysctls", "windowsOptions",
];
const CONTAINER_SECURITY: &[&str] = &[
    "allowPrivilegeEscalation", "appArmorProfile", "capabilities", "privileged", "procMount", "readOnlyRootFilesystem", "runAsGroup", "runAsNonRoot", "runAsUser",
    "seLinuxOptions", "seccompProfile", "windowsOptions",
];

/// One operational value: key, what it does (global wording), default and schema.
struct Knob {
    key: &'static str,
    global: &'static str,
    component: &'static str,
    default: J,
    schema: J,
}

fn knobs() -> Vec<Knob> {
    let k = |key, global, component, default, schema| Knob { key, global, component, default, schema };
    vec![
        k("imageRegistry", "Registry that replaces the one in every image (a mirror); empty keeps the images as written.", "Replaces `global.imageRegistry` for this component's images.", json!(""), json!({"type": "string"})),
        k(
            "imagePullSecrets",
            "Pull secrets on every pod (`[{name: my-secret}]`), besides the top-level `imagePullSecrets` on the app's ServiceAccounts.",
            "Pull secrets added to this component's pods, after the global ones.",
            json!([]),
            json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": false}}),
        ),
        k("nodeSelector", "Node labels every pod must match.", "Replaces `global.nodeSelector` for this component.", json!({}), text_map()),
        k("tolerations", "Tolerations of every pod; set, they replace Clowder's (the machinePool toleration).", "Replaces `global.tolerations` (and Clowder's) for this component.", json!([]), objects()),
        k("affinity", "Affinity of every pod; set, it replaces Clowder's zone/host anti-affinity.", "Replaces `global.affinity` (and Clowder's) for this component.", json!({}), json!({"type": "object"})),
        k("topologySpreadConstraints", "Topology spread constraints of every pod.", "Replaces `global.topologySpreadConstraints` for this component.", json!([]), objects()),
        k("priorityClassName", "PriorityClass of every pod.", "Replaces `global.priorityClassName` for this component.", json!(""), json!({"type": "string"})),
        k("podAnnotations", "Annotations added to every pod.", "Annotations added to this component's pods; a key here wins over `global.podAnnotations`.", json!({}), text_map()),
        k("podLabels", "Labels added to every pod (never to selectors; Clowder's labels are kept).", "Labels added to this component's pods; a key here wins over `global.podLabels`.", json!({}), text_map()),
        k("podSecurityContext", "Pod securityContext of every pod (Clowder sets none).", "Replaces `global.podSecurityContext` for this component.", json!({}), closed_object(POD_SECURITY)),
        k(
            "containerSecurityContext",
            "securityContext of every container, init containers included (Clowder sets none).",
            "Replaces `global.containerSecurityContext` for this component.",
            json!({}),
            closed_object(CONTAINER_SECURITY),
        ),
        k("extraEnv", "Env vars appended to every container of the app (not of bundled services).", "Env vars appended after the global ones (the last of a name wins).", json!([]), objects()),
        k("extraVolumes", "Volumes added to every pod of the app.", "Volumes added to this component's pods, after the global ones.", json!([]), objects()),
        k("extraVolumeMounts", "Volume mounts added to every container of the app.", "Volume mounts added to this component's containers, after the global ones.", json!([]), objects()),
    ]
}

fn int_or_percent() -> J {
    json!({"type": ["integer", "string"]})
}

fn global_block() -> ValuesBlock {
    let mut entries: Vec<(String, String, ValuesNode)> = knobs().into_iter().map(|k| (k.key.to_string(), k.global.to_string(), ValuesNode::typed(k.default, k.schema))).collect();
    entries.push((
        "podDisruptionBudget".into(),
        "A PodDisruptionBudget for every deployment that runs more than one replica.".into(),
        ValuesNode::map(vec![
            ("enabled", "Render them (Clowder made none).", ValuesNode::leaf(false)),
            ("maxUnavailable", "Pods of one deployment that may be down at once during voluntary disruptions (a number or a percentage).", ValuesNode::typed(json!(1), int_or_percent())),
        ]),
    ));
    entries.push((
        "networkPolicy".into(),
        "NetworkPolicies that let in only what the ClowdApp declares, per deployment: its public port (through the gateway when it is on), its private port from the namespace, its metrics port.".into(),
        ValuesNode::map(vec![
            ("enabled", "Render them (Clowder made none).", ValuesNode::leaf(false)),
            ("publicFrom", "Extra peers allowed to the public port (`from` entries); with none and no gateway, anyone may connect.", ValuesNode::typed(json!([]), objects())),
            ("privateFrom", "Peers allowed to the private port (the app's dependents).", ValuesNode::typed(json!([{"podSelector": {}}]), objects())),
            ("metricsFrom", "Peers allowed to the metrics port (Prometheus).", ValuesNode::typed(json!([{"namespaceSelector": {}}]), objects())),
        ]),
    ));
    ValuesBlock {
        key: "global".into(),
        comment: "Operational values for every pod of the chart (docs/operating.md); `components.<key>` overrides them per component. Unset, the pods are what Clowder ran.".into(),
        value: ValuesNode::Map(entries),
    }
}

fn component_entries(kind: &WorkloadKind) -> Vec<(String, String, ValuesNode)> {
    let mut out: Vec<(String, String, ValuesNode)> = knobs().into_iter().map(|k| (k.key.to_string(), k.component.to_string(), ValuesNode::typed(k.default, k.schema))).collect();
    if *kind == WorkloadKind::Deployment {
        out.push((
            "podDisruptionBudget".into(),
            "This deployment's PodDisruptionBudget (rendered when `global.podDisruptionBudget.enabled` and it runs more than one replica).".into(),
            ValuesNode::map(vec![
                ("enabled", "Take part (set false to leave this deployment out).", ValuesNode::leaf(true)),
                ("maxUnavailable", "Replaces `global.podDisruptionBudget.maxUnavailable`; empty keeps it.", ValuesNode::typed(json!(""), int_or_percent())),
            ]),
        ));
    }
    out
}

/// Add the operational entries to a component's block of `components`, creating it if needed.
fn component_block<'a>(model: &'a mut Model, key: &str) -> &'a mut Vec<(String, String, ValuesNode)> {
    if !model.values.iter().any(|b| b.key == "components") {
        model.values.push(ValuesBlock {
            key: "components".into(),
            comment: "The ClowdApp's deployments and jobs, each with its own settings.".into(),
            value: ValuesNode::Map(Vec::new()),
        });
    }
    let block = model.values.iter_mut().find(|b| b.key == "components").expect("just ensured");
    let ValuesNode::Map(entries) = &mut block.value else { unreachable!("components is a map") };
    if !entries.iter().any(|(k, _, _)| k == key) {
        entries.push((key.to_string(), String::new(), ValuesNode::Map(Vec::new())));
    }
    match entries.iter_mut().find(|(k, _, _)| k == key).map(|(_, _, v)| v) {
        Some(ValuesNode::Map(m)) => m,
        _ => unreachable!("component blocks are maps"),
    }
}

/// Values blocks, scopes on every pod, PodDisruptionBudgets and NetworkPolicies.
pub fn apply(ctx: &mut Ctx, model: &mut Model) {
    if model.workloads.is_empty() {
        return;
    }
    model.values.push(global_block());
    let mut done: Vec<String> = Vec::new();
    for i in 0..model.workloads.len() {
        let key = component_key(&model.workloads[i], ctx.multi_app);
        let path = component_path(&key);
        model.workloads[i].pod.ops = Some(Scopes::new(&[path.as_str(), "global"], true));
        if !done.contains(&key) {
            let kind = model.workloads[i].kind.clone();
            let block = component_block(model, &key);
            for (k, c, v) in component_entries(&kind) {
                if !block.iter().any(|(x, _, _)| *x == k) {
                    block.push((k, c, v));
                }
            }
            done.push(key.clone());
        }
    }
    disruption_budgets(ctx, model);
    network_policies(model);
}

/// The replica count a PodDisruptionBudget depends on: always, never, or above 1 at render time.
fn more_than_one(r: &Option<Replicas>, autoscaler: Option<&crate::model::Autoscaler>) -> Option<Option<Cond>> {
    let count = match (autoscaler, r) {
        (Some(crate::model::Autoscaler::Hpa { min, .. }), _) | (Some(crate::model::Autoscaler::Keda { min, .. }), _) => min.clone(),
        (None, Some(Replicas::Fixed(v))) => v.clone(),
        _ => Val::Int(1),
    };
    match count {
        Val::Int(n) if n > 1 => Some(None),
        Val::Typed(p) => Some(Some(Cond::ParamAbove(p, 1))),
        Val::Str(t) => match t.0.as_slice() {
            [Part::Param(p)] => Some(Some(Cond::ParamAbove(p.clone(), 1))),
            _ => None,
        },
        _ => None,
    }
}

fn object(api: &str, kind: &str, name: &Text, labels: &[(String, Val)]) -> crate::model::value::MapBuilder {
    Val::map()
        .with("apiVersion", Val::str(api))
        .with("kind", Val::str(kind))
        .with("metadata", Val::map().with("name", Val::Str(name.clone())).with("labels", label_map(labels)).build())
}

/// Does the template already define an object of this kind and name?
pub fn template_has(model: &Model, kind: &str, name: &Text) -> bool {
    model.objects.iter().any(|o| o.kind == kind && o.name == *name)
}

fn disruption_budgets(ctx: &mut Ctx, model: &mut Model) {
    let mut add = Vec::new();
    for w in model.workloads.iter().filter(|w| w.kind == WorkloadKind::Deployment) {
        let Some(above) = more_than_one(&w.replicas, w.autoscaler.as_ref()) else { continue };
        if template_has(model, "PodDisruptionBudget", &w.name) {
            let f = ctx.findings.add(
                "operations.pdb-in-template",
                Outcome::Translated,
                w.source.clone(),
                format!("PodDisruptionBudget/{}", w.name.display()),
                "the template defines its own PodDisruptionBudget for this deployment; `global.podDisruptionBudget` adds none",
            );
            f.hint("change the template's PodDisruptionBudget through its parameters");
            continue;
        }
        let c = component_path(&component_key(w, ctx.multi_app));
        let mine = format!("{c}.podDisruptionBudget.maxUnavailable");
        let max = Val::If(Cond::value(&mine), Box::new(Val::ValueRef(mine.clone())), Box::new(Val::ValueRef("global.podDisruptionBudget.maxUnavailable".into())));
        let body = object("policy/v1", "PodDisruptionBudget", &w.name, &w.labels)
            .with("spec", Val::map().with("maxUnavailable", max).with("selector", Val::map().with("matchLabels", label_map(&w.labels)).build()).build())
            .build();
        let when = [Some(Cond::value("global.podDisruptionBudget.enabled")), Some(Cond::value(&format!("{c}.podDisruptionBudget.enabled"))), above, w.when.clone()]
            .into_iter()
            .fold(None, Cond::and);
        add.push(ExtraObject { file: w.file.clone(), body, when, infra: false });
    }
    model.extra.extend(add);
}

fn port_rule(port: &str, from: Option<Val>) -> Val {
    Val::map().with("ports", Val::seq([Val::map().with("protocol", Val::str("TCP")).with("port", Val::str(port)).build()])).opt("from", from).build()
}

fn item(val: Val, when: Option<Cond>) -> Item {
    Item { val, when }
}

/// One NetworkPolicy per deployment (ports by container port name): its public port from anyone
/// — only from the identity gateway while it is on, plus `publicFrom`, or only from
/// `publicFrom` when set —, its private port from `privateFrom`, its metrics port from
/// `metricsFrom`. Everything else is refused.
fn network_policies(model: &mut Model) {
    let gateway = model.values.iter().any(|b| b.key == GATEWAY);
    let peers = "global.networkPolicy.publicFrom";
    let mut add = Vec::new();
    for w in model.workloads.iter().filter(|w| w.kind == WorkloadKind::Deployment) {
        let Some(s) = &w.service else { continue };
        let has = |name: &str| s.ports.iter().any(|p| p.name == name);
        let mut rules = Vec::new();
        if has("public") {
            let direct = if gateway {
                let gw = Val::map().with("podSelector", Val::map().with("matchLabels", label_map(&gateway_selector(&model.chart_name))).build()).build();
                let from = Val::Seq(vec![item(gw, None), item(Val::Splice(vec![peers.into()]), None)]);
                rules.push(item(port_rule("web", Some(from)), Some(Cond::value("gateway.enabled"))));
                Some(Cond::value("gateway.enabled").negated())
            } else {
                None
            };
            rules.push(item(port_rule("web", None), Cond::and(direct.clone(), Some(Cond::value(peers).negated()))));
            rules.push(item(port_rule("web", Some(Val::ValueRef(peers.into()))), Cond::and(direct, Some(Cond::value(peers)))));
        }
        if has("private") {
            rules.push(item(port_rule("private", Some(Val::ValueRef("global.networkPolicy.privateFrom".into()))), None));
        }
        rules.push(item(port_rule("metrics", Some(Val::ValueRef("global.networkPolicy.metricsFrom".into()))), None));
        let body = object("networking.k8s.io/v1", "NetworkPolicy", &w.name, &w.labels)
            .with(
                "spec",
                Val::map().with("podSelector", Val::map().with("matchLabels", label_map(&s.selector)).build()).with("policyTypes", Val::seq([Val::str("Ingress")])).with("ingress", Val::Seq(rules)).build(),
            )
            .build();
        let when = Cond::and(Some(Cond::value("global.networkPolicy.enabled")), w.when.clone());
        add.push(ExtraObject { file: w.file.clone(), body, when, infra: false });
    }
    model.extra.extend(add);
}
