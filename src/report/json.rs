//! `gap-report.json`: the report for machines, [`Report`] serialized (the same data as the
//! Markdown), versioned and described by docs/gap-report.schema.json.

use super::categories::Categories;
use super::Report;
use crate::model::Model;
use serde_json::Value;

pub use super::assembly::VERSION;

/// The report of a model with the built-in categories (what `convert` writes).
pub fn report(model: &Model) -> Value {
    to_value(&Report::build(model, &Categories::builtin()))
}

pub fn to_value(r: &Report) -> Value {
    serde_json::to_value(r).expect("the report serializes")
}

pub fn render(model: &Model) -> String {
    render_report(&Report::build(model, &Categories::builtin()))
}

/// The text of [`to_value`] pretty-printed, written without building the `Value`.
pub fn render_report(r: &Report) -> String {
    // Koku's is 600 KB: reserving once instead of growing from 64 KiB saves four copies, and
    // address space never written costs nothing.
    let mut s = crate::json_writer::to_string(r, 1 << 20).expect("the report serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::super::compare::decisions::Decisions;
    use super::super::compare::{compare, Against};
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Structs of the model that the report carries as they are: their fields keep the model's
    /// order (`SourceRef` and `Finding` derive `Ord` from it), so the writer reorders them.
    const MODEL_STRUCTS: &[&str] = &["Finding", "InfraNeed", "SourceRef"];

    /// A chart as `helm template` prints it, for the comparison's structs.
    const RENDERED: &str = "---
# Source: cost/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cost-api}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: api
        image: quay.io/example/cost:2.4
        env:
        - {name: DJANGO_SECRET_KEY, valueFrom: {secretKeyRef: {name: cost-secret, key: django-secret-key}}}
        - {name: DATABASE_HOST, value: postgres}
---
# Source: cost/templates/worker.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker-priority}
spec:
  template:
    spec:
      containers:
      - name: w
        image: quay.io/example/cost:2.4
        command: [celery, -A, cost, worker, -Q, priority]
        envFrom: [{configMapRef: {name: cost-config}}]
---
# Source: cost/templates/redis.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis}
spec: {template: {spec: {containers: [{name: redis, image: 'redis:7'}]}}}
---
# Source: cost/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata: {name: cost-secret}
type: Opaque
type: Opaque
";

    /// The report's own structs declare their fields in key order, so that gap-report.json is
    /// written without reordering (which copies each object's text out and back). A field
    /// added out of order still gives the right output, only slower: this test names it.
    #[test]
    fn report_structs_declare_their_fields_in_key_order() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let rendered = dir.path().join("rendered.yaml");
        std::fs::write(&rendered, RENDERED).unwrap();
        let decisions = "decisions:\n- component: nothing-is-called-this\n  reason: kept out\n- queue: priority\n  reason: served elsewhere\n";
        let cats = Categories::builtin();
        let mut unsorted = BTreeSet::new();
        let mut reports = 0;
        for folder in ["fixtures", "fixtures/realworld", "fixtures/charts"] {
            for entry in std::fs::read_dir(root.join(folder)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.display().to_string();
                if !name.ends_with(".yaml") || name.ends_with(".values.yaml") {
                    continue;
                }
                // Inputs that need `--param` are left out.
                let Ok(model) = crate::model_from_text(&name, &std::fs::read_to_string(&path).unwrap(), &Default::default()) else { continue };
                let mut r = Report::build(&model, &cats);
                let against = Against {
                    chart_dir: None,
                    rendered: Some(rendered.clone()),
                    values: Vec::new(),
                    set: Vec::new(),
                    set_string: Vec::new(),
                    matches: Vec::new(),
                    release: None,
                    helm: None,
                    decisions: Some(Decisions::parse("decisions.yaml", decisions).unwrap()),
                };
                r.comparison = Some(compare(&model, &cats, r.ours(), &against).unwrap());
                unsorted.extend(crate::json_writer::unsorted_structs(&r).unwrap());
                reports += 1;
            }
        }
        assert!(reports > 20, "{reports} reports");
        unsorted.retain(|s| !MODEL_STRUCTS.contains(s));
        assert!(unsorted.is_empty(), "declare the fields of {unsorted:?} in key order (byte order of their JSON names)");
    }
}
