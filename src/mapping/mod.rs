//! ClowdApp constructs → the chart-neutral model, one module per Clowder concern, each following
//! `reference/clowder-semantics.md`.

pub mod app;
pub mod app_env;
pub mod autoscaler;
pub mod components;
pub mod config;
pub mod connections;
pub mod deployment;
pub mod environment;
pub mod exposure;
pub mod externals;
pub mod gateway;
pub mod install_order;
pub mod job;
pub mod layers;
pub mod objects;
pub mod operations;
pub mod params;
pub mod pod;
pub mod profile;
pub mod providers;
pub mod scope;

use crate::error::InputError;
use crate::model::{Cond, Entry, Findings, Item, Model, Outcome, Pin, SourceRef, Text, Val};
use crate::source::sym::{self, Parsed};
use crate::source::template::{err, Input};
use crate::source::yaml::{Kind, Node, Pos};
pub use environment::Environment;

/// How Clowder's injected configuration is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigMode {
    /// Explicit env vars and Secret references named by the profile.
    Env,
    /// The cdappconfig.json Clowder would have written, in a Secret mounted at /cdapp/.
    Cdappconfig,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub environment: Environment,
    pub config_mode: Option<ConfigMode>,
    /// `--profile NAME|FILE`; None selects by ClowdApp name.
    pub profile: Option<String>,
    /// Unknown ClowdApp fields become findings instead of errors.
    pub allow_unknown_fields: bool,
    /// `--param NAME=VALUE`: values that replace parameters' defaults, as `oc process -p` does.
    pub params: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options { environment: Environment::builtin(), config_mode: None, profile: None, allow_unknown_fields: false, params: Vec::new() }
    }
}

/// Shared state of one conversion.
pub struct Ctx<'a> {
    pub input: &'a Input,
    /// Every ClowdApp of the input (an app may share another's database or cache).
    pub apps: &'a [crate::source::clowdapp::ClowdApp],
    pub env: &'a Environment,
    pub options: &'a Options,
    /// Several ClowdApps in one input: template file names carry the app name.
    pub multi_app: bool,
    pub findings: Findings,
    /// Parameters fixed to their defaults because the conversion needed their value.
    pub pins: Vec<Pin>,
}

impl<'a> Ctx<'a> {
    pub fn src(&self, pos: Pos) -> SourceRef {
        self.input.src(pos)
    }
    /// Where `app`'s provider values live (`apps.<app>` when the input holds several apps).
    pub fn values_of(&self, app: &str) -> scope::AppValues {
        scope::AppValues::new(app, self.multi_app)
    }
    /// A ClowdApp of this input by name.
    pub fn app(&self, name: &str) -> Option<&'a crate::source::clowdapp::ClowdApp> {
        self.apps.iter().find(|a| a.name == name)
    }
    pub fn find(&mut self, rule: &str, outcome: Outcome, pos: Pos, target: impl Into<String>, message: impl Into<String>, hint: Option<&str>) {
        let src = self.src(pos);
        let f = self.findings.add(rule, outcome, src, target, message);
        if let Some(h) = hint {
            f.hint(h);
        }
    }

    /// A template node as a symbolic value. An undeclared `${{X}}` is an error: OpenShift would
    /// leave it as literal text where a typed value was clearly meant.
    pub fn val(&self, node: &Node) -> Result<Val, InputError> {
        Ok(match &node.kind {
            Kind::Null => Val::Null,
            Kind::Bool(b) => Val::Bool(*b),
            Kind::Int(i) => Val::Int(*i),
            Kind::Float(f) => Val::Float(f.clone()),
            Kind::Str(s) => {
                if let Some(name) = sym::undeclared_typed(s, &self.input.declared) {
                    return Err(err(&self.input.file, node.pos, format!("`${{{{{name}}}}}` refers to a parameter that is not declared"))
                        .hint(format!("declare `{name}` under the template's `parameters`, or fix the name")));
                }
                match sym::parse(s, &self.input.declared) {
                    Parsed::Typed(n) => Val::Typed(n),
                    Parsed::Str(sym) => Val::Str(Text::from(sym)),
                }
            }
            Kind::Seq(items) => Val::Seq(items.iter().map(|n| Ok(Item { val: self.val(n)?, when: None })).collect::<Result<_, InputError>>()?),
            Kind::Map(entries) => Val::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok(Entry { key: Text::from(sym::parse_str(&k.text, &self.input.declared)), val: self.val(v)?, when: None }))
                    .collect::<Result<_, InputError>>()?,
            ),
        })
    }

    /// The string form of a scalar node (names, images).
    pub fn text(&self, node: &Node) -> Result<Text, InputError> {
        match self.val(node)? {
            Val::Str(t) => Ok(t),
            Val::Int(i) => Ok(Text::lit(i.to_string())),
            Val::Bool(b) => Ok(Text::lit(b.to_string())),
            Val::Float(f) => Ok(Text::lit(f)),
            Val::Typed(n) => Ok(Text::param(n)),
            _ => Err(err(&self.input.file, node.pos, format!("expected a string, found {}", node.a_type()))),
        }
    }

    /// A name the conversion must know (another app's name in `sharedDbAppName`, a
    /// dependency): the text with every parameter at its default, each parameter pinned to it.
    pub fn fixed(&mut self, node: &Node, what: &str) -> Result<String, InputError> {
        let Some(text) = node.scalar_text() else {
            return Err(err(&self.input.file, node.pos, format!("{what} must be a string, found {}", node.a_type())));
        };
        let (fixed, pins) = self.input.fixed_text(&text, node.pos, what)?;
        self.pins.extend(pins);
        Ok(fixed)
    }

    /// A switch that decides which objects exist. A parameter here is resolved with its default
    /// at conversion time (and pinned to it), with a finding.
    pub fn static_bool(&mut self, node: Option<&Node>, target: &str) -> Result<bool, InputError> {
        let Some(node) = node else { return Ok(false) };
        match &node.kind {
            Kind::Bool(b) => Ok(*b),
            Kind::Null => Ok(false),
            Kind::Str(s) => {
                let name = match sym::parse(s, &self.input.declared) {
                    Parsed::Typed(n) => n,
                    Parsed::Str(sym) => match sym.as_literal() {
                        Some(l) if l.eq_ignore_ascii_case("true") => return Ok(true),
                        Some(l) if l.eq_ignore_ascii_case("false") || l.is_empty() => return Ok(false),
                        _ => sym.params().next().unwrap_or_default().to_string(),
                    },
                };
                let default = self.input.parameter(&name).and_then(|p| p.value.clone()).unwrap_or_default();
                let b = default.trim().eq_ignore_ascii_case("true");
                let pinned = if self.input.parameter(&name).is_some() {
                    self.pins.push(Pin { param: name.clone(), value: default.clone(), what: format!("the switch `{target}`"), pos: node.pos, noted: true });
                    format!("; parameters.{name} is pinned to it in values.schema.json")
                } else {
                    String::new()
                };
                self.find(
                    "input.static-switch",
                    Outcome::Approximated,
                    node.pos,
                    target,
                    format!("`{s}` decides which objects exist; it was resolved at conversion time with the parameter's default ({b}){pinned}"),
                    Some("change the parameter's default in the template and regenerate to flip it"),
                );
                Ok(b)
            }
            _ => Err(err(&self.input.file, node.pos, format!("expected true or false, found {}", node.a_type()))),
        }
    }
}

/// Template file name of a workload: `deployment-api.yaml`, or `deployment-<app>-api.yaml` when
/// the input holds several ClowdApps (their deployment names may repeat).
pub fn workload_file(ctx: &Ctx, kind: &str, app: &str, stem: &str) -> String {
    if ctx.multi_app { format!("{kind}-{app}-{stem}.yaml") } else { format!("{kind}-{stem}.yaml") }
}

pub fn cond_keda() -> Cond {
    Cond::value("autoscaling.keda.enabled")
}

/// Run every mapping step.
pub fn map(mut input: Input, options: &Options) -> Result<Model, InputError> {
    input.allow_unknown_fields = options.allow_unknown_fields;
    input.give_parameters(&options.params)?;
    let (apps, cjis) = crate::source::clowdapp::extract(&mut input)?;
    let mut ctx = Ctx { input: &input, apps: &apps, env: &options.environment, options, multi_app: apps.len() > 1, findings: input.findings.clone(), pins: input.pins.clone() };
    let mut model = Model {
        chart_name: String::new(),
        app_version: None,
        input_file: input.file.clone(),
        input_sha256: input.text_sha256.clone(),
        apps: apps.iter().map(|a| a.name.clone()).collect(),
        parameters: Vec::new(),
        workloads: Vec::new(),
        objects: Vec::new(),
        extra: Vec::new(),
        values: Vec::new(),
        infrastructure: Vec::new(),
        externals: Vec::new(),
        layers: Vec::new(),
        config_files: Vec::new(),
        findings: Vec::new(),
        notes: Vec::new(),
    };
    model.chart_name = chart_name(&input, &apps[0].name);
    for app in &apps {
        app::map_app(&mut ctx, app, &cjis, &mut model)?;
    }
    objects::map_objects(&mut ctx, &mut model)?;
    externals::resolve(&mut ctx, &mut model);
    install_order::apply(&mut ctx, &mut model);
    components::apply(&ctx, &mut model);
    check_collisions(&ctx, &model)?;
    params::map_parameters(&mut ctx, &mut model)?;
    app::values_blocks(&ctx, &mut model);
    let publics = exposure::public_services(&ctx, &apps, &model)?;
    gateway::apply(&mut ctx, &publics, &mut model);
    exposure::apply(&mut ctx, &publics, &mut model);
    operations::apply(&mut ctx, &mut model);
    // Layers fit the finished values.
    let mapped: Vec<&crate::source::clowdapp::ClowdApp> = apps.iter().filter(|a| model.workloads.iter().any(|w| w.app == a.name)).collect();
    for app in mapped {
        let (profile, _) = profile::select(options.profile.as_deref(), &app.name)?;
        layers::apply(&mut ctx, &profile, &app.name, app.pos, &mut model);
    }
    model.findings = ctx.findings.list;
    Ok(model)
}

fn chart_name(input: &Input, first_app: &str) -> String {
    let raw = input.template_name.clone().filter(|n| !n.contains("${")).unwrap_or_else(|| first_app.to_string());
    let cleaned: String = raw.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() { "clowdapp".to_string() } else { trimmed.to_string() }
}

/// Two objects of the same kind and name would overwrite each other in the cluster.
fn check_collisions(ctx: &Ctx, model: &Model) -> Result<(), InputError> {
    let mut seen: std::collections::HashMap<(String, String), SourceRef> = std::collections::HashMap::new();
    let mut claim = |kind: &str, name: &Text, src: &SourceRef| -> Result<(), InputError> {
        let Some(n) = name.as_literal() else { return Ok(()) };
        if let Some(first) = seen.get(&(kind.to_string(), n.clone())) {
            return Err(InputError::at(&ctx.input.file, src.line, src.column.unwrap_or(1), format!("{kind} `{n}` would be generated twice (also from line {})", first.line))
                .hint("rename one of the deployments, jobs or template objects"));
        }
        seen.insert((kind.to_string(), n), src.clone());
        Ok(())
    };
    for w in &model.workloads {
        claim(w.kind.as_str(), &w.name, &w.source)?;
        if let Some(s) = &w.service {
            claim("Service", &s.name, &w.source)?;
        }
    }
    for o in &model.objects {
        claim(&o.kind, &o.name, &o.source)?;
    }
    Ok(())
}
