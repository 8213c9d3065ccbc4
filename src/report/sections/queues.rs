//! Section "Worker queues": distinct queue names, who consumes each and who only lists it.

use crate::report::md::{list, table};
use super::components::Component;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub consumed_by: Vec<String>,
    pub listed_by: Vec<String>,
    pub name: String,
}

pub fn build(components: &[Component]) -> Vec<Queue> {
    let mut map: BTreeMap<String, Queue> = BTreeMap::new();
    for c in components {
        for q in &c.queues {
            let e = map.entry(q.clone()).or_insert_with(|| Queue { name: q.clone(), consumed_by: Vec::new(), listed_by: Vec::new() });
            if c.consumes_queues {
                e.consumed_by.push(c.name.clone());
            } else {
                e.listed_by.push(c.name.clone());
            }
        }
    }
    map.into_values().collect()
}

pub fn markdown(o: &mut String, queues: &[Queue]) {
    if queues.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Worker queues ({})\n", queues.len());
    let _ = writeln!(o, "From each command's `-Q`/`--queues` argument (a `$VAR` there resolved through the container's env), else from `WORKER_QUEUES`.\n");
    // Celery's implicit default queue is worth telling apart from the named ones.
    if queues.iter().any(|q| q.name == "celery") {
        let _ = writeln!(o, "That is {} named queues plus Celery's default queue `celery`.\n", queues.len() - 1);
    }
    let mut t = String::from("| queue | consumed by | listed by (WORKER_QUEUES, no `-Q`) |\n|---|---|---|\n");
    for q in queues {
        let _ = writeln!(t, "| `{}` | {} | {} |", q.name, list(&q.consumed_by), list(&q.listed_by));
    }
    table(o, &format!("All {} queues", queues.len()), queues.len(), &t);
}
