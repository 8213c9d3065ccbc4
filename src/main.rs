//! The `clowd2helm` command line. Parsing arguments and printing only: the work is in the library.

use clap::{Parser, Subcommand, ValueEnum};
use clowd2helm::error::{Error, Result};
use clowd2helm::mapping::{ConfigMode, Environment, Options};
use clowd2helm::regen::manifest::{self, InputInfo, Manifest};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "clowd2helm", version, about = "Turn Clowder ClowdApps into a plain Helm chart and a gap report")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Env,
    Cdappconfig,
}

#[derive(clap::Args, Clone)]
struct ConvertArgs {
    /// OpenShift Template, ClowdApp or multi-document YAML; `-` reads stdin. Without it, the
    /// embedded Koku-like fixture is converted.
    template: Option<String>,
    /// Chart folder to write (replaced atomically; files you added are kept).
    #[arg(short, long, default_value = "chart")]
    output: PathBuf,
    /// How Clowder's injected configuration is replaced.
    #[arg(long, value_enum)]
    config_mode: Option<Mode>,
    /// A ClowdEnvironment whose ports and resource defaults replace the built-in profile.
    #[arg(long)]
    environment: Option<PathBuf>,
    /// Chart version written to Chart.yaml.
    #[arg(long, default_value = "0.1.0")]
    chart_version: String,
    /// Overwrite generated files that were edited by hand.
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a template into a Helm chart (with GAP_REPORT.md and gap-report.json).
    Convert(ConvertArgs),
    /// Print the gap report without writing a chart.
    Gap {
        template: String,
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
        #[arg(long, value_enum)]
        config_mode: Option<Mode>,
        #[arg(long)]
        environment: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Md,
    Json,
}

fn options(config_mode: Option<Mode>, environment: &Option<PathBuf>) -> Result<Options> {
    let environment = match environment {
        Some(p) => {
            let (name, text) = clowd2helm::read_input(&p.display().to_string())?;
            Environment::from_clowd_environment(&name, &text)?
        }
        None => Environment::builtin(),
    };
    Ok(Options {
        environment,
        config_mode: config_mode.map(|m| match m {
            Mode::Env => ConfigMode::Env,
            Mode::Cdappconfig => ConfigMode::Cdappconfig,
        }),
    })
}

fn convert(a: &ConvertArgs) -> Result<()> {
    let (name, text) = match &a.template {
        Some(t) => clowd2helm::read_input(t)?,
        None => (clowd2helm::EMBEDDED_FIXTURE_NAME.to_string(), clowd2helm::EMBEDDED_FIXTURE.to_string()),
    };
    let opts = options(a.config_mode, &a.environment)?;
    let model = clowd2helm::model_from_text(&name, &text, &opts)?;
    let mut files = clowd2helm::chart_files(&model, &a.chart_version);
    let mut recorded = BTreeMap::new();
    recorded.insert("chart-version".to_string(), a.chart_version.clone());
    if let Some(m) = a.config_mode {
        recorded.insert("config-mode".into(), match m { Mode::Env => "env", Mode::Cdappconfig => "cdappconfig" }.into());
    }
    if let Some(e) = &a.environment {
        recorded.insert("environment".into(), e.display().to_string());
    }
    let manifest = Manifest::new(InputInfo { file: name.clone(), sha256: model.input_sha256.clone() }, recorded, None, &files);
    files.insert(manifest::PATH.into(), manifest.to_text());
    let plan = manifest::plan(&a.output, &files, a.force)?;
    clowd2helm::chart::writer::replace_dir(&a.output, &files, &plan.keep)?;
    let count = |o| model.findings.iter().filter(|f| f.outcome == o).count();
    use clowd2helm::model::Outcome::*;
    let shown = std::fs::canonicalize(&a.output).unwrap_or(a.output.clone());
    println!("Chart `{}` written to {} ({} files).", model.chart_name, shown.display(), files.len());
    println!(
        "Findings: {} translated, {} approximated, {} need input, {} unsupported — see {}/GAP_REPORT.md",
        count(Translated),
        count(Approximated),
        count(NeedsInput),
        count(Unsupported),
        shown.display()
    );
    if !plan.removed.is_empty() {
        println!("Removed {} files that are no longer generated: {}", plan.removed.len(), plan.removed.join(", "));
    }
    if !plan.keep.is_empty() {
        println!("Kept {} files of yours.", plan.keep.len());
    }
    Ok(())
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Convert(a) => convert(&a).map(|_| 0),
        Command::Gap { template, format, config_mode, environment } => {
            let (name, text) = clowd2helm::read_input(&template)?;
            let model = clowd2helm::model_from_text(&name, &text, &options(config_mode, &environment)?)?;
            match format {
                Format::Md => print!("{}", clowd2helm::report::markdown::render(&model)),
                Format::Json => print!("{}", clowd2helm::report::json::render(&model)),
            }
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

#[allow(dead_code)]
fn _assert_error_is_send(e: Error) -> Box<dyn std::error::Error + Send> {
    Box::new(e)
}
