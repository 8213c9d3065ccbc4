//! Reading the input: YAML with positions, the OpenShift Template, ClowdApps and other objects.

pub mod clowdapp;
pub mod process;
pub mod suggest;
pub mod sym;
pub mod template;
pub mod yaml;
pub mod yaml_fast;
