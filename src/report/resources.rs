//! CPU and memory of a pod at the chart's defaults, as the scheduler counts them.

use super::facts::display_val;
use crate::model::eval::{cpu_millis, mem_bytes, show_cpu, show_mem, Eval};
use crate::model::{Container, Val, Workload};
use serde::Serialize;

/// CPU and memory, as numbers and as readable text.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Res {
    pub cpu: String,
    pub cpu_millicores: u64,
    pub memory: String,
    pub memory_bytes: u64,
}

impl Res {
    pub fn new(cpu_millicores: u64, memory_bytes: u64) -> Res {
        Res { cpu_millicores, memory_bytes, cpu: show_cpu(cpu_millicores), memory: show_mem(memory_bytes) }
    }
    pub fn add(&self, o: &Res) -> Res {
        Res::new(self.cpu_millicores + o.cpu_millicores, self.memory_bytes + o.memory_bytes)
    }
    pub fn times(&self, n: u64) -> Res {
        Res::new(self.cpu_millicores * n, self.memory_bytes * n)
    }
    pub fn max(&self, o: &Res) -> Res {
        Res::new(self.cpu_millicores.max(o.cpu_millicores), self.memory_bytes.max(o.memory_bytes))
    }
}

fn resources(ev: &Eval, list: &[(String, Val)], what: &str, container: &str, unresolved: &mut Vec<String>) -> Res {
    let mut cpu = 0;
    let mut mem = 0;
    for (k, v) in list {
        let Some(s) = ev.string(v) else {
            unresolved.push(format!("{what}.{k} of container {container} ({} has no default)", display_val(v)));
            continue;
        };
        let parsed = match k.as_str() {
            "cpu" => cpu_millis(&s).map(|m| cpu += m),
            "memory" => mem_bytes(&s).map(|b| mem += b),
            _ => Some(()),
        };
        if parsed.is_none() && !s.is_empty() {
            unresolved.push(format!("{what}.{k} of container {container}: `{s}` is not a quantity"));
        }
    }
    Res::new(cpu, mem)
}

/// A pod's effective requests/limits: the sum of its containers, or the largest init container
/// when that is bigger (how the scheduler counts it).
pub fn pod_resources(ev: &Eval, w: &Workload, unresolved: &mut Vec<String>) -> (Res, Res) {
    let mut req = Res::default();
    let mut lim = Res::default();
    for c in &w.pod.containers {
        let n = ev.text_or_display(&c.name);
        req = req.add(&resources(ev, &c.resources.requests, "requests", &n, unresolved));
        lim = lim.add(&resources(ev, &c.resources.limits, "limits", &n, unresolved));
    }
    for c in &w.pod.init_containers {
        let n = ev.text_or_display(&c.name);
        let mut ignore = Vec::new();
        req = req.max(&resources(ev, &c.resources.requests, "requests", &n, &mut ignore));
        lim = lim.max(&resources(ev, &c.resources.limits, "limits", &n, &mut ignore));
    }
    (req, lim)
}

/// `cpu 100m, memory 128Mi` for the container's requests or limits.
pub fn res_text(ev: &Eval, c: &Container, requests: bool) -> String {
    let list = if requests { &c.resources.requests } else { &c.resources.limits };
    list.iter().map(|(k, v)| format!("{k} {}", ev.string(v).unwrap_or_else(|| display_val(v)))).collect::<Vec<_>>().join(", ")
}
