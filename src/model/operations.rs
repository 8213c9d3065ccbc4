//! Operational values on a pod template (docs/operating.md): scheduling, security contexts, pod
//! annotations and labels, image registry, pull secrets, extra env, volumes and mounts. Each is
//! read from chart values at render time, in the most specific scope that sets it; while none
//! does, the pod is exactly what it was (Clowder's).

use super::value::{Cond, Entry, Item, Text, Val};

/// Where a pod's operational values live, most specific first (`components.api`, `global`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scopes {
    pub paths: Vec<String>,
    /// Extra env, volumes and mounts apply (the app's own pods, not bundled services).
    pub extras: bool,
}

/// Pod spec fields a set value replaces as a whole (Clowder's tolerations and anti-affinity
/// included): values key → field.
pub const REPLACED: &[(&str, &str)] = &[
    ("priorityClassName", "priorityClassName"),
    ("nodeSelector", "nodeSelector"),
    ("tolerations", "tolerations"),
    ("affinity", "affinity"),
    ("topologySpreadConstraints", "topologySpreadConstraints"),
    ("podSecurityContext", "securityContext"),
];

impl Scopes {
    pub fn new(paths: &[&str], extras: bool) -> Scopes {
        Scopes { paths: paths.iter().map(|p| p.to_string()).collect(), extras }
    }

    fn at(&self, key: &str) -> Vec<String> {
        self.paths.iter().map(|p| format!("{p}.{key}")).collect()
    }

    /// Least specific first: lists are concatenated in this order, so a component's entries
    /// come after the global ones (and win where Kubernetes keeps the last, as for env).
    fn at_global_first(&self, key: &str) -> Vec<String> {
        self.paths.iter().rev().map(|p| format!("{p}.{key}")).collect()
    }

    /// Apply to the pod template of a workload object (none for other kinds).
    pub fn apply_to_object(&self, body: &mut Val) {
        if let Some(t) = pod_template_mut(body) {
            self.apply(t);
        }
    }

    /// Apply to a pod template (`metadata` and `spec`).
    pub fn apply(&self, template: &mut Val) {
        if self.paths.is_empty() {
            return;
        }
        if let Some(md) = template.get_mut("metadata") {
            for (key, field) in [("podLabels", "labels"), ("podAnnotations", "annotations")] {
                add_splice(md, field, self.at(key));
            }
        }
        let Some(spec) = template.get_mut("spec") else { return };
        for (key, field) in REPLACED {
            replace_when_set(spec, field, &self.at(key), &["initContainers", "containers"]);
        }
        splice_list(spec, "imagePullSecrets", self.at_global_first("imagePullSecrets"), &["initContainers", "containers"]);
        for list in ["initContainers", "containers"] {
            if let Some(Val::Seq(items)) = spec.get_mut(list) {
                for it in items.iter_mut() {
                    self.container(&mut it.val);
                }
            }
        }
        if self.extras {
            splice_list(spec, "volumes", self.at_global_first("extraVolumes"), &[]);
        }
    }

    fn container(&self, c: &mut Val) {
        if let Some(image) = c.get_mut("image") {
            let inner = std::mem::replace(image, Val::Null);
            *image = Val::Image { image: Box::new(inner), registries: self.at("imageRegistry") };
        }
        replace_when_set(c, "securityContext", &self.at("containerSecurityContext"), &["imagePullPolicy"]);
        if self.extras {
            splice_list(c, "env", self.at_global_first("extraEnv"), &["ports", "resources"]);
            splice_list(c, "volumeMounts", self.at_global_first("extraVolumeMounts"), &["lifecycle", "imagePullPolicy"]);
        }
    }
}

/// The pod template of a workload object.
pub fn pod_template_mut(body: &mut Val) -> Option<&mut Val> {
    let kind = body.get("kind").and_then(Val::as_literal_str).unwrap_or_default();
    let path: &[&str] = match kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => return None,
    };
    path.iter().try_fold(body, |v, seg| v.get_mut(seg))
}

fn any_set(paths: &[String]) -> Cond {
    match paths {
        [one] => Cond::value(one),
        many => Cond::Or(many.iter().map(|p| Cond::value(p)).collect()),
    }
}

/// The first set value of `paths` (the last one when none of the others is).
fn first_set(paths: &[String]) -> Val {
    let (last, rest) = paths.split_last().expect("at least one scope");
    rest.iter().rev().fold(Val::ValueRef(last.clone()), |otherwise, p| Val::If(Cond::value(p), Box::new(Val::ValueRef(p.clone())), Box::new(otherwise)))
}

fn entries(map: &mut Val) -> Option<&mut Vec<Entry>> {
    match map {
        Val::Map(e) => Some(e),
        _ => None,
    }
}

/// Where a new field goes: before the first of `before` present, else at the end.
fn position(e: &[Entry], before: &[&str]) -> usize {
    e.iter().position(|x| before.iter().any(|b| x.key.is_literal(b))).unwrap_or(e.len())
}

/// `field` becomes the first set value of `paths`; what the map had stays while none is set.
/// A field the chart already takes from a more specific value (a bundled service's own
/// `podSecurityContext`: an entry with a condition) keeps winning while that value is set.
fn replace_when_set(map: &mut Val, field: &str, paths: &[String], before: &[&str]) {
    let Some(e) = entries(map) else { return };
    let set = any_set(paths);
    let mut user = Entry { key: Text::lit(field), val: first_set(paths), when: Some(set.clone()) };
    match e.iter().position(|x| x.key.is_literal(field)) {
        Some(i) => {
            match &e[i].when {
                Some(own) => user.when = Cond::and(Some(set), Some(own.clone().negated())),
                None => e[i].when = Some(set.negated()),
            }
            e.insert(i + 1, user);
        }
        None => {
            let at = position(e, before);
            e.insert(at, user);
        }
    }
}

/// Items of the values lists at `paths` after the list's own; the field appears when it had
/// none and some list is not empty.
fn splice_list(map: &mut Val, field: &str, paths: Vec<String>, before: &[&str]) {
    let Some(e) = entries(map) else { return };
    let set = any_set(&paths);
    let item = Item { val: Val::Splice(paths), when: None };
    match e.iter_mut().find(|x| x.key.is_literal(field)) {
        Some(x) => match &mut x.val {
            Val::Seq(items) => items.push(item),
            // A whole list from values (the ServiceAccounts' pull secrets): both lists.
            Val::ValueRef(p) => {
                let own = Item { val: Val::Splice(vec![p.clone()]), when: None };
                x.when = x.when.take().map(|w| Cond::Or(vec![w, set]));
                x.val = Val::Seq(vec![own, item]);
            }
            _ => {}
        },
        None => {
            let at = position(e, before);
            e.insert(at, Entry { key: Text::lit(field), val: Val::Seq(vec![item]), when: Some(set) });
        }
    }
}

/// Entries of the values maps at `paths` after the map's own (labels, annotations).
fn add_splice(metadata: &mut Val, field: &str, paths: Vec<String>) {
    let Some(e) = entries(metadata) else { return };
    let set = any_set(&paths);
    let splice = Entry { key: Text::lit(""), val: Val::Splice(paths), when: None };
    match e.iter_mut().find(|x| x.key.is_literal(field)) {
        Some(x) => {
            if let Val::Map(m) = &mut x.val {
                m.push(splice);
            }
        }
        None => e.push(Entry { key: Text::lit(field), val: Val::Map(vec![splice]), when: Some(set) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Val {
        let container = Val::map().with("name", Val::str("c")).with("image", Val::str("quay.io/a/b:1")).with("imagePullPolicy", Val::str("IfNotPresent")).build();
        Val::map()
            .with("metadata", Val::map().with("labels", Val::map().with("pod", Val::str("x")).build()).build())
            .with("spec", Val::map().with("tolerations", Val::seq([Val::str("clowder")])).with("containers", Val::seq([container])).build())
            .build()
    }

    #[test]
    fn set_values_replace_fields_and_unset_keep_them() {
        let mut p = pod();
        Scopes::new(&["components.api", "global"], true).apply(&mut p);
        let spec = p.get("spec").unwrap();
        let tol: Vec<&Entry> = spec.entries().iter().filter(|e| e.key.is_literal("tolerations")).collect();
        assert_eq!(tol.len(), 2, "Clowder's tolerations and the user's, each under its condition");
        let set = Cond::Or(vec![Cond::value("components.api.tolerations"), Cond::value("global.tolerations")]);
        assert_eq!(tol[0].when, Some(set.clone().negated()));
        assert_eq!(tol[1].when, Some(set));
        assert_eq!(tol[1].val, Val::If(Cond::value("components.api.tolerations"), Box::new(Val::ValueRef("components.api.tolerations".into())), Box::new(Val::ValueRef("global.tolerations".into()))));
        let c = &spec.get("containers").unwrap().items()[0].val;
        assert!(matches!(c.get("image"), Some(Val::Image { registries, .. }) if registries == &["components.api.imageRegistry".to_string(), "global.imageRegistry".to_string()]));
        assert_eq!(c.get("env").unwrap().items()[0].val, Val::Splice(vec!["global.extraEnv".into(), "components.api.extraEnv".into()]), "component env after the global one");
        let keys: Vec<String> = spec.entries().iter().filter_map(|e| e.key.as_literal()).collect();
        assert!(keys.iter().position(|k| k == "nodeSelector") < keys.iter().position(|k| k == "containers"));
    }

    #[test]
    fn a_more_specific_value_keeps_winning() {
        let mut p = pod();
        if let Some(Val::Map(e)) = p.get_mut("spec") {
            e.insert(0, Entry { key: Text::lit("securityContext"), val: Val::ValueRef("database.psc".into()), when: Some(Cond::value("database.psc")) });
        }
        Scopes::new(&["global"], false).apply(&mut p);
        let sc: Vec<&Entry> = p.get("spec").unwrap().entries().iter().filter(|e| e.key.is_literal("securityContext")).collect();
        assert_eq!(sc[0].when, Some(Cond::value("database.psc")), "the service's own value, unchanged");
        assert_eq!(sc[1].when, Some(Cond::And(vec![Cond::value("global.podSecurityContext"), Cond::value("database.psc").negated()])));
    }

    #[test]
    fn bundled_services_get_no_extras() {
        let mut p = pod();
        Scopes::new(&["global"], false).apply(&mut p);
        let spec = p.get("spec").unwrap();
        assert!(spec.get("volumes").is_none());
        assert!(spec.get("containers").unwrap().items()[0].val.get("env").is_none());
    }
}
