//! Findings: one record per mapping decision. The report is rendered from this list alone.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Carried over with the same effect.
    Translated,
    /// Carried over with a documented difference.
    Approximated,
    /// The operator must supply a value or a decision.
    NeedsInput,
    /// Not carried over.
    Unsupported,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Translated, Outcome::Approximated, Outcome::NeedsInput, Outcome::Unsupported];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Translated => "translated",
            Outcome::Approximated => "approximated",
            Outcome::NeedsInput => "needs-input",
            Outcome::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceRef {
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `deployment.strategy`.
    pub rule: String,
    pub outcome: Outcome,
    pub source: SourceRef,
    /// Chart object and path the decision produced, e.g. `Deployment/koku-api-reads:spec.replicas`.
    pub target: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Collects findings while mapping; keeps them in the order decisions were made.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn add(&mut self, rule: &str, outcome: Outcome, source: SourceRef, target: impl Into<String>, message: impl Into<String>) -> &mut Finding {
        self.list.push(Finding { rule: rule.to_string(), outcome, source, target: target.into(), message: message.into(), hint: None });
        self.list.last_mut().expect("just pushed")
    }
}

impl Finding {
    pub fn hint(&mut self, h: impl Into<String>) -> &mut Self {
        self.hint = Some(h.into());
        self
    }
}
