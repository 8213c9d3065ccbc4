//! One module per subcommand: its arguments and how it prints.

pub mod check;
pub mod common;
pub mod convert;
pub mod diff;
pub mod gap;
pub mod recorded;
pub mod verify;
