//! `clowd2helm diff OLD NEW`: what an upstream change of the template does to the chart.

use super::common::MappingArgs;
use clap::ValueEnum;
use clowd2helm::error::Result;
use clowd2helm::regen::upstream;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template the chart was generated from.
    pub old: String,
    /// The new upstream template.
    pub new: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Chart version used to render both charts for the file diff.
    #[arg(long, default_value = "0.1.0")]
    pub chart_version: String,
}

pub fn run(a: &Args) -> Result<u8> {
    let options = a.mapping.options()?;
    let model = |path: &str| -> Result<_> {
        let (name, text) = clowd2helm::read_input(path)?;
        clowd2helm::model_from_text(&name, &text, &options)
    };
    let (old, new) = (model(&a.old)?, model(&a.new)?);
    let summary = upstream::compare(&old, &new, &a.chart_version);
    let out = match a.format {
        Format::Text => upstream::text::render(&summary),
        Format::Json => serde_json::to_string_pretty(&summary).expect("summary serializes") + "\n",
    };
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    Ok(u8::from(summary.changed))
}
