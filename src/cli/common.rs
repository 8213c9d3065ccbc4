//! Options shared by the commands that convert a template.

use clap::ValueEnum;
use clowd2helm::error::Result;
use clowd2helm::mapping::{ConfigMode, Environment, Options};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum Mode {
    Env,
    Cdappconfig,
}

/// How the template is mapped (shared by convert, check, gap, diff, verify).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct MappingArgs {
    /// How Clowder's injected configuration is replaced (default: env when a profile applies).
    #[arg(long, value_enum)]
    pub config_mode: Option<Mode>,
    /// A ClowdEnvironment whose ports and resource defaults replace the built-in profile.
    #[arg(long)]
    pub environment: Option<PathBuf>,
    /// Profile name (koku, generic) or a profile file; default: chosen by ClowdApp name.
    #[arg(long)]
    pub profile: Option<String>,
    /// Report ClowdApp fields clowd2helm does not know, and ignore them, instead of stopping.
    #[arg(long)]
    pub allow_unknown_fields: bool,
    /// Replace a template parameter's default, as `oc process -p` does (repeatable). Needed when a
    /// name comes from a parameter without a usable default.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// `NAME=VALUE` split at the first `=`.
fn parse_param(arg: &str) -> Result<(String, String)> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(clowd2helm::error::Error::Usage(format!("--param `{arg}`: write NAME=VALUE, for example --param APP_NAME=my-app"))),
    }
}

impl MappingArgs {
    pub fn options(&self) -> Result<Options> {
        let environment = match &self.environment {
            Some(p) => {
                let (name, text) = clowd2helm::read_input(&p.display().to_string())?;
                Environment::from_clowd_environment(&name, &text)?
            }
            None => Environment::builtin(),
        };
        Ok(Options {
            environment,
            config_mode: self.config_mode.map(|m| match m {
                Mode::Env => ConfigMode::Env,
                Mode::Cdappconfig => ConfigMode::Cdappconfig,
            }),
            profile: self.profile.clone(),
            allow_unknown_fields: self.allow_unknown_fields,
            params: self.params.iter().map(|a| parse_param(a)).collect::<Result<_>>()?,
        })
    }

    /// The options as recorded in the manifest (only those that shape the output).
    pub fn recorded(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        if let Some(c) = self.config_mode {
            m.insert("config-mode".into(), format!("{c:?}").to_lowercase());
        }
        if let Some(e) = &self.environment {
            m.insert("environment".into(), e.display().to_string());
        }
        if let Some(p) = &self.profile {
            m.insert("profile".into(), p.clone());
        }
        if self.allow_unknown_fields {
            m.insert("allow-unknown-fields".into(), "true".into());
        }
        for (name, value) in self.params.iter().filter_map(|a| parse_param(a).ok()) {
            m.insert(format!("param.{name}"), value);
        }
        m
    }
}
