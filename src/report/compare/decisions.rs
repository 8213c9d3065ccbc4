//! `gap --decisions FILE`: the omissions a team made on purpose ("sources-client: not used
//! on-prem"). A gap a decision covers is reported as `accepted` with its reason; a decision
//! that covers nothing is a warning, because it is stale or misspelt.
//!
//! ```yaml
//! decisions:
//!   - component: clowder-sources-client     # ClowdApp deployment or job (as written or as named)
//!     reason: the Sources API is part of Koku on-prem
//!   - component: "*-xl"                      # `*` matches any text
//!     reason: cloud-scale workers are SaaS only
//!   - queue: download
//!     reason: OCP data is pushed, not downloaded
//!   - provider: featureFlags                 # database, inMemoryDb, kafka, objectStore,
//!     reason: flags are answered by a mock   # featureFlags, dependency:NAME, service:HOST
//!   - secret: koku-gcp                       # also config_map, env
//!     reason: no GCP sources on-prem
//! ```

use crate::error::InputError;
use crate::source::yaml::{self, Node};
use serde::Serialize;

/// What a decision is about.
pub const SUBJECTS: [&str; 6] = ["component", "queue", "provider", "secret", "config_map", "env"];

#[derive(Debug, Clone)]
pub struct Decision {
    pub subject: &'static str,
    pub pattern: String,
    pub reason: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub file: String,
    pub list: Vec<Decision>,
}

/// A decision that covered nothing.
#[derive(Debug, Clone, Serialize)]
pub struct UnusedDecision {
    pub line: usize,
    pub message: String,
    pub pattern: String,
    pub subject: &'static str,
}

/// What the decisions did, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionsInfo {
    /// Gaps turned into `accepted`.
    pub accepted: usize,
    pub decisions: usize,
    pub file: String,
    pub unused: Vec<UnusedDecision>,
}

fn err(file: &str, n: &Node, msg: impl Into<String>) -> InputError {
    InputError::at(file, n.pos.line, n.pos.col, msg)
}

impl Decisions {
    pub fn parse(file: &str, text: &str) -> Result<Decisions, InputError> {
        let docs = yaml::load_documents(file, text)?;
        let hint = "write `decisions:` followed by a list of entries such as `- component: NAME` with `reason: WHY` (see docs/report.md)";
        let Some(root) = docs.iter().find(|d| !d.is_null()) else {
            return Err(InputError::whole(file, "the decisions file is empty").hint(hint));
        };
        let Some(list) = root.get("decisions") else {
            return Err(err(file, root, "no `decisions:` list").hint(hint));
        };
        if !list.is_seq() {
            return Err(err(file, list, format!("`decisions` must be a list, found {}", list.a_type())).hint(hint));
        }
        let mut out = Vec::new();
        for item in list.items() {
            if !item.is_map() {
                return Err(err(file, item, format!("a decision is a mapping like `component: NAME` plus `reason: WHY`, found {}", item.a_type())).hint(hint));
            }
            let mut subject: Option<(&'static str, String)> = None;
            let mut reason: Option<String> = None;
            for (k, v) in item.entries() {
                let text = v.scalar_text().filter(|t| !t.trim().is_empty());
                match k.text.as_str() {
                    "reason" => reason = Some(text.ok_or_else(|| err(file, v, "`reason` must be a non-empty text"))?),
                    key => {
                        let Some(s) = SUBJECTS.iter().find(|s| **s == key) else {
                            return Err(InputError::at(file, k.pos.line, k.pos.col, format!("unknown field `{key}` in a decision")).hint(format!("a decision names one of: {}, and gives a `reason`", SUBJECTS.join(", "))));
                        };
                        if subject.is_some() {
                            return Err(InputError::at(file, k.pos.line, k.pos.col, "a decision is about one thing; split it into two entries"));
                        }
                        subject = Some((s, text.ok_or_else(|| err(file, v, format!("`{key}` must name something")))?));
                    }
                }
            }
            let Some((subject, pattern)) = subject else {
                return Err(err(file, item, format!("the decision names nothing: give one of {}", SUBJECTS.join(", "))));
            };
            let Some(reason) = reason else {
                return Err(err(file, item, "the decision has no `reason`").hint("say why it is left out; the report shows it"));
            };
            out.push(Decision { subject, pattern, reason, line: item.pos.line });
        }
        Ok(Decisions { file: file.to_string(), list: out })
    }

    /// The first decision about `subject` that matches one of `names`, with its index.
    pub fn find(&self, subject: &str, names: &[&str]) -> Option<(usize, &Decision)> {
        self.list.iter().enumerate().find(|(_, d)| d.subject == subject && names.iter().any(|n| glob(&d.pattern, n)))
    }
}

/// `*` matches any text (also none); everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*-xl", "clowder-worker-priority-xl"));
        assert!(!glob("*-xl", "clowder-worker-priority"));
        assert!(glob("worker-*-penalty", "worker-ocp-penalty"));
        assert!(glob("a*b*c", "abc") && glob("a*", "a") && !glob("ab*ba", "aba"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let d = Decisions::parse("d.yaml", "decisions:\n- component: a\n  reason: r\n- queue: q\n  reason: s\n").unwrap();
        assert_eq!((d.list[1].subject, d.list[1].line), ("queue", 4));
        let e = Decisions::parse("d.yaml", "decisions:\n- component: a\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = Decisions::parse("d.yaml", "decisions:\n- compnent: a\n  reason: r\n").unwrap_err();
        assert!(e.message.contains("unknown field `compnent`"), "{}", e.message);
    }
}
