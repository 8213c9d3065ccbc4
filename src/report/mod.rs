//! The gap report: every finding and everything the chart now owns, for people (Markdown) and
//! machines (JSON), both rendered from one [`data::Report`] computed from the model; plus the
//! comparison with an existing chart (`gap --against`).

pub mod categories;
pub mod compare;
pub mod data;
pub mod externals;
pub mod json;
pub mod markdown;
pub mod mermaid;

pub use data::Report;
