//! Safe regeneration: the manifest of generated files, drift checks, overlays and upstream diffs.

pub mod manifest;
