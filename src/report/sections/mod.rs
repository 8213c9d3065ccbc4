//! The report's sections, one module each: its data (serialized into the JSON as is), how it is
//! computed, and its Markdown. A new section is a new module here, a field in
//! [`crate::report::Report`] and a line in `report/markdown.rs`.

pub mod components;
pub mod config_objects;
pub mod diagram;
pub mod env;
pub mod externals;
pub mod infrastructure;
pub mod ledger;
pub mod parameters;
pub mod queues;
pub mod services;
pub mod summary;
