//! The gap report: every finding, for people (Markdown) and machines (JSON).

pub mod json;
pub mod markdown;
