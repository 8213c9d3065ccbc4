//! `clowd2helm check` (not implemented yet).

use clowd2helm::error::{Error, Result};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &Args) -> Result<u8> {
    Err(Error::Usage("`check` is not implemented yet".into()))
}
