//! The gap report: every finding and everything the chart now owns, for people (Markdown) and
//! machines (JSON), both rendered from one [`Report`] computed from the model; plus the
//! comparison with an existing chart (`gap --against`).
//!
//! Dependencies point one way: `markdown`/`json` (the two views) and `overview` (the executive
//! summary, which reads the whole report) → `assembly` (the report, one field per section) →
//! `compare` and `sections` (one module per section) → `facts`, `resources`, `md`, `paths`,
//! `categories` (shared readings and helpers) → `model`.
//!
//! Every struct the JSON serializes declares its fields in key order (the byte order of their
//! JSON names), not in reading order: `json_writer` then writes each object as it comes instead
//! of reordering its text (`json::tests` names a struct that breaks this; the output would
//! still be right, only slower).

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
