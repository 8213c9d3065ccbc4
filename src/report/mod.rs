//! The gap report: every finding and everything the chart now owns, for people (Markdown) and
//! machines (JSON), both rendered from one [`Report`] computed from the model; plus the
//! comparison with an existing chart (`gap --against`).
//!
//! Dependencies point one way: `markdown`/`json` (the two views) and `overview` (the executive
//! summary, which reads the whole report) → `assembly` (the report, one field per section) →
//! `compare` and `sections` (one module per section) → `facts`, `resources`, `md`, `paths`,
//! `categories` (shared readings and helpers) → `model`.

pub mod assembly;
pub mod categories;
pub mod compare;
pub mod facts;
pub mod json;
pub mod markdown;
pub mod md;
pub mod overview;
pub mod paths;
pub mod resources;
pub mod sections;

pub use assembly::Report;
