//! `clowd2helm gap`.

use super::common::MappingArgs;
use clap::ValueEnum;
use clowd2helm::error::Result;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum Format {
    Md,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template to report on.
    pub template: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    #[command(flatten)]
    pub mapping: MappingArgs,
}

pub fn run(a: &Args) -> Result<u8> {
    let (name, text) = clowd2helm::read_input(&a.template)?;
    let model = clowd2helm::model_from_text(&name, &text, &a.mapping.options()?)?;
    match a.format {
        Format::Md => print!("{}", clowd2helm::report::markdown::render(&model)),
        Format::Json => print!("{}", clowd2helm::report::json::render(&model)),
    }
    Ok(0)
}
