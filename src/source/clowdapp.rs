//! The typed ClowdApp (and ClowdJobInvocation) read from template objects.
//!
//! Structure is typed; leaves stay as positioned YAML nodes so that the mapping stage can turn
//! them into symbolic values and every finding can point at its line. Fields that are not part
//! of the ClowdApp schema are recorded as findings, never dropped silently.

use super::template::{err, Input};
use super::yaml::{Key, Kind, Node, Pos};
use crate::error::InputError;
use crate::model::{Outcome, SourceRef};
use std::collections::HashMap;

pub const API_VERSION: &str = "cloud.redhat.com/v1alpha1";

#[derive(Debug, Clone)]
pub struct ClowdApp {
    pub name: String,
    pub pos: Pos,
    pub labels: Vec<(Key, Node)>,
    pub annotations: Vec<(Key, Node)>,
    pub env_name: Option<Node>,
    pub deployments: Vec<Deployment>,
    pub jobs: Vec<Job>,
    pub kafka_topics: Vec<KafkaTopic>,
    pub database: Option<Database>,
    pub object_store: Vec<Node>,
    pub in_memory_db: Option<Node>,
    pub shared_in_memory_db_app_name: Option<Node>,
    pub feature_flags: Option<Node>,
    pub dependencies: Vec<Node>,
    pub optional_dependencies: Vec<Node>,
    pub testing: Option<Node>,
    pub cyndi: Option<Node>,
    pub disabled: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub name: String,
    pub pos: Pos,
    pub replicas: Option<Node>,
    pub min_replicas: Option<Node>,
    pub web: Option<Node>,
    pub public: WebService,
    pub private: WebService,
    pub metrics_service: Option<Node>,
    pub pod_spec: PodSpec,
    pub k8s_access_level: Option<Node>,
    pub auto_scaler: Option<Node>,
    pub auto_scaler_simple: Option<Node>,
    pub private_strategy: Option<Node>,
    pub annotations: Vec<(Key, Node)>,
}

#[derive(Debug, Clone, Default)]
pub struct WebService {
    pub pos: Option<Pos>,
    pub enabled: Option<Node>,
    pub h2c_enabled: Option<Node>,
    pub h2c_target_port: Option<Node>,
    pub tls: Option<Node>,
    pub api_path: Option<Node>,
    pub api_paths: Vec<Node>,
    pub whitelist_paths: Vec<Node>,
    pub session_affinity: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct PodSpec {
    pub pos: Pos,
    pub image: Option<Node>,
    pub command: Option<Node>,
    pub args: Option<Node>,
    pub env: Vec<Node>,
    pub resources: Option<Node>,
    pub liveness_probe: Option<Node>,
    pub readiness_probe: Option<Node>,
    pub volumes: Vec<Node>,
    pub volume_mounts: Vec<Node>,
    pub lifecycle: Option<Node>,
    pub termination_grace_period_seconds: Option<Node>,
    pub init_containers: Vec<InitContainer>,
    pub sidecars: Vec<Sidecar>,
    pub machine_pool: Option<Node>,
    pub annotations: Vec<(Key, Node)>,
}

#[derive(Debug, Clone)]
pub struct InitContainer {
    pub pos: Pos,
    pub name: Option<String>,
    pub image: Option<Node>,
    pub command: Option<Node>,
    pub args: Option<Node>,
    pub env: Vec<Node>,
    pub inherit_env: bool,
}

#[derive(Debug, Clone)]
pub struct Sidecar {
    pub pos: Pos,
    pub name: String,
    pub enabled: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct Job {
    /// May hold parameters (Koku: `db-migrate-cji-${DBM_IMAGE_TAG}-${DBM_INVOCATION}`).
    pub name: Node,
    pub pos: Pos,
    /// An earlier entry of the ClowdApp has the same name (written there): Clowder's invocations
    /// run that first entry, never this one (docs/compatibility.md).
    pub repeats: Option<Pos>,
    pub schedule: Option<Node>,
    pub pod_spec: PodSpec,
    pub disabled: Option<Node>,
    pub parallelism: Option<Node>,
    pub completions: Option<Node>,
    pub restart_policy: Option<Node>,
    pub concurrency_policy: Option<Node>,
    pub suspend: Option<Node>,
    pub successful_jobs_history_limit: Option<Node>,
    pub failed_jobs_history_limit: Option<Node>,
    pub starting_deadline_seconds: Option<Node>,
    pub active_deadline_seconds: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct KafkaTopic {
    pub pos: Pos,
    pub topic_name: Node,
    pub partitions: Option<Node>,
    pub replicas: Option<Node>,
    pub config: Vec<(Key, Node)>,
}

#[derive(Debug, Clone)]
pub struct Database {
    pub pos: Pos,
    pub name: Option<Node>,
    pub version: Option<Node>,
    pub shared_db_app_name: Option<Node>,
    pub db_volume_size: Option<Node>,
    pub db_resource_size: Option<Node>,
}

#[derive(Debug, Clone)]
pub struct JobInvocation {
    pub name: Node,
    pub pos: Pos,
    pub app_name: String,
    pub app_name_pos: Pos,
    pub jobs: Vec<Node>,
    pub disabled: Option<Node>,
    pub run_on_not_ready: Option<Node>,
    pub testing: Option<Node>,
    /// The invocation's own labels and annotations (Clowder copies them onto its Job).
    pub labels: Vec<(Key, Node)>,
    pub annotations: Vec<(Key, Node)>,
}

/// Kubernetes `ObjectMeta` fields: written on ClowdApp (and nested) metadata, never read by
/// Clowder beyond name, labels and annotations.
const OBJECT_META: &[&str] = &["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields"];

/// Kubernetes `Container` fields that Clowder's init containers do not have (the CRD prunes them;
/// resources and mounts come from the main container).
const CONTAINER_FIELDS: &[&str] = &["resources", "volumeMounts", "volumeDevices", "ports", "envFrom", "workingDir", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "securityContext", "imagePullPolicy", "restartPolicy", "resizePolicy", "stdin", "stdinOnce", "tty", "terminationMessagePath", "terminationMessagePolicy"];

/// Kubernetes Deployment spec fields written on a ClowdApp deployment: Clowder sets these itself
/// (strategy, selector...) and its CRD prunes them.
const DEPLOYMENT_FIELDS: &[&str] = &["strategy", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds", "paused", "selector", "template"];

/// Kubernetes Job and CronJob spec fields written on a ClowdApp job: not in Clowder's job schema.
const JOB_FIELDS: &[&str] = &["backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "ttlSecondsAfterFinished", "completionMode", "podFailurePolicy", "podReplacementPolicy", "successPolicy", "manualSelector", "selector", "template", "jobTemplate", "timeZone"];

/// Reads the keys of one mapping, remembering which were understood.
struct Fields<'a> {
    node: &'a Node,
    what: &'static str,
    used: Vec<&'static str>,
    /// Keys Kubernetes users write that Clowder's CRD prunes: reported, never an error.
    pruned: &'static [&'static str],
    /// Keys of Clowder's own schema written at the wrong level, or from its history: the CRD
    /// prunes them too, but the author meant something, so the report asks for a decision.
    moved: &'static [Moved],
}

/// Keys that real templates write where Clowder's CRD has no such field, and what they mean.
type Moved = (&'static [&'static str], &'static str);

impl<'a> Fields<'a> {
    fn new(input: &Input, node: &'a Node, what: &'static str) -> Result<Fields<'a>, InputError> {
        if !node.is_map() {
            return Err(err(&input.file, node.pos, format!("{what} must be a mapping, found {}", node.a_type())));
        }
        Ok(Fields { node, what, used: Vec::new(), pruned: &[], moved: &[] })
    }
    fn pruned(mut self, keys: &'static [&'static str]) -> Self {
        self.pruned = keys;
        self
    }
    fn moved(mut self, groups: &'static [Moved]) -> Self {
        self.moved = groups;
        self
    }
    fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        self.used.push(key);
        self.node.get(key).filter(|n| !n.is_null())
    }
    /// The required `key` is missing: the error names a near miss the mapping holds instead.
    fn missing(&self, input: &Input, pos: Pos, message: String, hint: &str) -> InputError {
        let key = self.used.last().copied().unwrap_or_default();
        match self.node.entries().iter().find(|(k, _)| super::suggest::did_you_mean(&k.text, [key]).is_some()) {
            Some((k, _)) => err(&input.file, k.pos, format!("{message}; `{}` is not a field of {}: did you mean `{key}`?", k.text, self.what)).hint(format!("rename `{}` to `{key}`", k.text)),
            None => err(&input.file, pos, message).hint(hint),
        }
    }
    fn map(&mut self, input: &Input, key: &'static str) -> Result<Option<&'a Node>, InputError> {
        match self.get(key) {
            Some(n) if !n.is_map() => Err(err(&input.file, n.pos, format!("`{key}` in {} must be a mapping, found {}", self.what, n.a_type())).hint(format!("write `{key}:` followed by indented `field: value` lines"))),
            other => Ok(other),
        }
    }
    fn list(&mut self, input: &Input, key: &'static str) -> Result<&'a [Node], InputError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(n) if n.is_seq() => Ok(n.items()),
            Some(n) => Err(err(&input.file, n.pos, format!("`{key}` in {} must be a list, found {}", self.what, n.a_type())).hint(format!("write `{key}:` followed by entries that start with `- `"))),
        }
    }
    /// A scalar (string, number, bool, or a `${{X}}` reference).
    fn scalar(&mut self, input: &Input, key: &'static str) -> Result<Option<&'a Node>, InputError> {
        match self.get(key) {
            Some(n) if n.is_map() || n.is_seq() => Err(err(&input.file, n.pos, format!("`{key}` in {} must be a single value, found {}", self.what, n.a_type())).hint("write one value: a string, a number, a boolean or a `${{PARAMETER}}` reference")),
            other => Ok(other),
        }
    }
    fn string(&mut self, input: &Input, key: &'static str) -> Result<Option<String>, InputError> {
        match self.get(key) {
            None => Ok(None),
            Some(n) => match &n.kind {
                Kind::Str(s) => Ok(Some(s.clone())),
                _ => Err(err(&input.file, n.pos, format!("`{key}` in {} must be a string, found {}", self.what, n.a_type()))),
            },
        }
    }
    fn annotations(&mut self, input: &Input, key: &'static str) -> Result<Vec<(Key, Node)>, InputError> {
        Ok(self.map(input, key)?.map(|m| m.entries().to_vec()).unwrap_or_default())
    }
    /// Every key not read: a known pruned key is an `unsupported` finding (`why` says what
    /// happened to it); any other key is a mistake clowd2helm cannot guess the meaning of, so
    /// it stops the conversion with a "did you mean", unless unknown fields are allowed.
    fn finish(self, input: &mut Input, target: &str, why: &str) -> Result<(), InputError> {
        for (k, _) in self.node.entries() {
            let key = k.text.as_str();
            if self.used.contains(&key) {
                continue;
            }
            let src = input.src(k.pos);
            if let Some((_, meaning)) = self.moved.iter().find(|(keys, _)| keys.contains(&key)) {
                input
                    .findings
                    .add("input.misplaced-field", Outcome::NeedsInput, src, target.to_string(), format!("`{key}` is not a field of {}: {meaning}. Clowder's CRD prunes it here, so Clowder never applied it, and the chart does not either", self.what))
                    .hint("move it where it belongs if it is meant (then convert again), or delete it");
                continue;
            }
            if self.pruned.contains(&key) {
                input
                    .findings
                    .add("input.unknown-field", Outcome::Unsupported, src, target.to_string(), format!("`{key}` is not a field of {}; {why}", self.what))
                    .hint("remove it, or add the setting to the chart with an overlay (--overrides)");
                continue;
            }
            let known = self.used.iter().chain(self.pruned).copied();
            let guess = super::suggest::did_you_mean(key, known);
            if !input.allow_unknown_fields {
                let mut fields: Vec<&str> = self.used.iter().copied().filter(|u| !self.pruned.contains(u)).collect();
                fields.sort_unstable();
                fields.dedup();
                let guess = guess.map(|g| format!("; did you mean `{g}`?")).unwrap_or_default();
                return Err(err(&input.file, k.pos, format!("`{key}` is not a field of {}{guess}", self.what))
                    .hint(format!("the fields of {} are: {}. Fix the name, or pass --allow-unknown-fields to convert anyway (each unknown field is then reported and ignored)", self.what, fields.join(", "))));
            }
            input
                .findings
                .add("input.unknown-field", Outcome::Unsupported, src, target.to_string(), format!("`{key}` is not a field of {}{}; ignored (--allow-unknown-fields)", self.what, guess.map(|g| format!(" (did you mean `{g}`?)")).unwrap_or_default()))
                .hint("fix the field name in the template, or remove it");
        }
        Ok(())
    }
}

/// Read every ClowdApp and ClowdJobInvocation; the other objects stay in `input.objects`.
pub fn extract(input: &mut Input) -> Result<(Vec<ClowdApp>, Vec<JobInvocation>), InputError> {
    let mut apps = Vec::new();
    let mut cjis = Vec::new();
    let objects = std::mem::take(&mut input.objects);
    for o in &objects {
        super::sym::typed_refs(o, &input.declared, &mut input.typed_refs);
    }
    for (_, v) in &input.labels {
        super::sym::typed_refs(v, &input.declared, &mut input.typed_refs);
    }
    let mut rest = Vec::new();
    for obj in objects {
        let kind = obj.get("kind").and_then(Node::as_str).unwrap_or("");
        let api = obj.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        let api_pos = obj.get("apiVersion").map(|n| n.pos).unwrap_or(obj.pos);
        match kind {
            "ClowdApp" | "ClowdJobInvocation" if api != API_VERSION => {
                return Err(err(&input.file, api_pos, format!("{kind} has apiVersion `{api}`; expected {API_VERSION}")).hint(format!("set apiVersion: {API_VERSION}")));
            }
            "ClowdApp" => apps.push(read_app(input, &obj)?),
            "ClowdJobInvocation" => cjis.push(read_cji(input, &obj)?),
            "ClowdEnvironment" => {
                let src = input.src(obj.pos);
                input.findings.add("input.clowdenvironment", Outcome::Unsupported, src, "-", "a ClowdEnvironment inside the template is not converted").hint("pass it with --environment to use its ports and resource defaults");
            }
            _ => rest.push(obj),
        }
    }
    input.objects = rest;
    if apps.is_empty() && !cjis.is_empty() {
        // A post-deployment test template: its invocations run jobs of an app deployed elsewhere.
        let c = &cjis[0];
        let others = if cjis.len() > 1 { format!(" (and {} more)", cjis.len() - 1) } else { String::new() };
        return Err(err(&input.file, c.pos, format!("no ClowdApp found: the input holds only ClowdJobInvocation `{}`{others}, which runs jobs of ClowdApp `{}`, defined in another template", c.name.scalar_text().unwrap_or_default(), c.app_name))
            .hint(format!("convert the template that defines ClowdApp `{}` (add this invocation to it to run its jobs as Helm hooks); an invocation alone has nothing to run", c.app_name)));
    }
    if apps.is_empty() {
        let hint = "clowd2helm converts ClowdApps (apiVersion cloud.redhat.com/v1alpha1, kind: ClowdApp); add one or pass the template that has it";
        let found: Vec<String> = input
            .objects
            .iter()
            .take(5)
            .map(|o| {
                let kind = o.get("kind").and_then(Node::as_str).unwrap_or("?");
                match o.get("metadata").and_then(|m| m.get("name")).and_then(Node::scalar_text) {
                    Some(n) => format!("{kind} `{n}`"),
                    None => kind.to_string(),
                }
            })
            .collect();
        let what = match input.objects.len() {
            0 => "no ClowdApp found: the input holds no objects at all".to_string(),
            1 => format!("no ClowdApp found: the input's only object is {}", found[0]),
            n => format!("no ClowdApp found among the input's {n} objects: {}{}", found.join(", "), if n > 5 { ", ..." } else { "" }),
        };
        return Err(match input.objects_pos {
            Some(pos) => err(&input.file, pos, what),
            None => InputError::whole(&input.file, what),
        }
        .hint(hint));
    }
    for c in &cjis {
        if !apps.iter().any(|a| a.name == c.app_name) {
            let pos = c.app_name_pos;
            let known: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
            return Err(err(&input.file, pos, format!("ClowdJobInvocation `{}` runs jobs of ClowdApp `{}`, which is not in this input (ClowdApps here: {})", c.name.scalar_text().unwrap_or_default(), c.app_name, known.join(", ")))
                .hint("fix spec.appName; jobs of an app outside this template cannot be converted into this chart"));
        }
    }
    let mut names: HashMap<&str, Pos> = HashMap::new();
    for a in &apps {
        if let Some(first) = names.get(a.name.as_str()) {
            return Err(err(&input.file, a.pos, format!("ClowdApp `{}` is defined twice (first on line {})", a.name, first.line)).hint("remove the copy or rename one of them; Clowder would reconcile only one"));
        }
        names.insert(&a.name, a.pos);
    }
    Ok((apps, cjis))
}

/// A switch as it reads at the parameters' defaults (`true`, `"true"`, `${{X}}` with default
/// `true`); for checks that run before mapping.
fn on_at_defaults(input: &Input, n: Option<&Node>) -> bool {
    let Some(n) = n else { return false };
    match &n.kind {
        Kind::Bool(b) => *b,
        Kind::Str(s) => {
            let text = match super::sym::parse(s, &input.declared) {
                super::sym::Parsed::Typed(p) => input.parameter(&p).and_then(|p| p.value.clone()).unwrap_or_default(),
                super::sym::Parsed::Str(sym) => sym.render(&|p| input.parameter(p).and_then(|p| p.value.clone()).unwrap_or_default()),
            };
            text.trim().eq_ignore_ascii_case("true")
        }
        _ => false,
    }
}

/// Whether `text` holds a `${NAME}` reference to a declared parameter. Linear in `text`: names
/// are checked for every deployment, and a template may declare thousands of parameters.
fn references_parameter(text: &str, input: &Input) -> bool {
    text.contains("${")
        && match super::sym::parse(text, &input.declared) {
            super::sym::Parsed::Typed(_) => true,
            super::sym::Parsed::Str(sym) => sym.params().next().is_some(),
        }
}

fn metadata_name(input: &Input, obj: &Node, kind: &str) -> Result<(Node, Pos), InputError> {
    let md = obj.get("metadata").filter(|m| m.is_map());
    let name = md.and_then(|m| m.get("name")).filter(|n| !n.is_null());
    match name {
        Some(n) if matches!(n.kind, Kind::Str(ref s) if !s.is_empty()) => Ok((n.clone(), n.pos)),
        Some(n) => Err(err(&input.file, n.pos, format!("{kind} metadata.name must be a non-empty string, found {}", n.a_type())).hint("write the name as text that starts with a letter, e.g. `name: my-app`")),
        None => Err(err(&input.file, md.map(|m| m.pos).unwrap_or(obj.pos), format!("{kind} has no metadata.name")).hint("give the object a name")),
    }
}

fn read_app(input: &mut Input, obj: &Node) -> Result<ClowdApp, InputError> {
    let (name_node, pos) = metadata_name(input, obj, "ClowdApp")?;
    let name = fixed_name(input, name_node.as_str().unwrap_or_default().to_string(), pos, "ClowdApp name")?;
    let md = obj.get("metadata").unwrap();
    let mut mdf = Fields::new(input, md, "ClowdApp metadata")?.pruned(OBJECT_META);
    mdf.get("name");
    mdf.get("namespace");
    let labels = mdf.annotations(input, "labels")?;
    let annotations = mdf.annotations(input, "annotations")?;
    mdf.finish(input, "-", "Clowder does not copy it onto generated objects")?;

    let spec = obj.get("spec").ok_or_else(|| err(&input.file, obj.pos, format!("ClowdApp `{name}` has no spec")))?;
    let mut f = Fields::new(input, spec, "ClowdApp spec")?.moved(SPEC_MOVED);
    let env_name = f.scalar(input, "envName")?.cloned();
    // Name → line of first use: hash lookups keep a template with thousands of entries linear.
    let mut deployments = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for d in f.list(input, "deployments")? {
        let dep = read_deployment(input, d)?;
        if let Some(first) = first_line.get(&dep.name) {
            return Err(err(&input.file, dep.pos, format!("deployment name `{}` is used twice in ClowdApp `{name}` (first on line {first})", dep.name)).hint("deployment names must be unique within a ClowdApp"));
        }
        first_line.insert(dep.name.clone(), dep.pos.line);
        deployments.push(dep);
    }
    let mut jobs: Vec<Job> = Vec::new();
    // Name → where it was first written, and where an entry of that name makes a CronJob.
    let mut first_job: HashMap<String, (Pos, Option<Pos>)> = HashMap::new();
    for j in f.list(input, "jobs")? {
        let mut job = read_job(input, j)?;
        let job_name = job.name.scalar_text().unwrap_or_default();
        let cron = (job.schedule.is_some() && !on_at_defaults(input, job.disabled.as_ref())).then_some(job.pos);
        match first_job.get_mut(&job_name) {
            Some((first, earlier_cron)) => {
                // Clowder's CronJob provider creates `<app>-<job>` once per scheduled entry; the
                // second creation fails and the whole ClowdApp is never reconciled.
                if let (Some(c), Some(this)) = (*earlier_cron, cron) {
                    return Err(err(&input.file, this, format!("job name `{job_name}` is scheduled twice in ClowdApp `{name}` (lines {} and {}): Clowder creates CronJob `{name}-{job_name}` once per entry, fails on the second and never reconciles this ClowdApp", c.line, this.line))
                        .hint("rename one of the jobs, or remove the entry that is not meant"));
                }
                job.repeats = Some(*first);
                *earlier_cron = earlier_cron.or(cron);
            }
            None => {
                first_job.insert(job_name, (job.pos, cron));
            }
        }
        jobs.push(job);
    }
    let mut kafka_topics = Vec::new();
    for t in f.list(input, "kafkaTopics")? {
        kafka_topics.push(read_topic(input, t)?);
    }
    let database = match f.map(input, "database")? {
        Some(d) => Some(read_database(input, d)?),
        None => None,
    };
    let object_store = f.list(input, "objectStore")?.to_vec();
    let in_memory_db = f.scalar(input, "inMemoryDb")?.cloned();
    let shared_in_memory_db_app_name = f.scalar(input, "sharedInMemoryDbAppName")?.cloned();
    let feature_flags = f.scalar(input, "featureFlags")?.cloned();
    let dependencies = f.list(input, "dependencies")?.to_vec();
    let optional_dependencies = f.list(input, "optionalDependencies")?.to_vec();
    let testing = f.map(input, "testing")?.cloned();
    let cyndi = f.map(input, "cyndi")?.cloned();
    let disabled = f.scalar(input, "disabled")?.cloned();
    if let Some((k, _)) = spec.entries().iter().find(|(k, _)| k.text == "pods") {
        legacy_pods(input, k.pos, &name)?;
        f.used.push("pods");
    }
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(ClowdApp {
        name,
        pos,
        labels,
        annotations,
        env_name,
        deployments,
        jobs,
        kafka_topics,
        database,
        object_store,
        in_memory_db,
        shared_in_memory_db_app_name,
        feature_flags,
        dependencies,
        optional_dependencies,
        testing,
        cyndi,
        disabled,
    })
}

/// `spec.pods` is the layout Clowder had before `deployments`. Old Clowder converted each entry
/// into a deployment; today's CRD has no such field and prunes it, so the app would run none of
/// those pods. Converting silently to nothing would hide the app, so this stops unless unknown
/// fields are allowed.
fn legacy_pods(input: &mut Input, pos: Pos, app: &str) -> Result<(), InputError> {
    let message = format!("`pods` is the layout Clowder used before `deployments`; today's ClowdApp CRD prunes it, so Clowder would run none of the pods of `{app}`");
    let hint = "rename `pods:` to `deployments:` and, in each entry, keep `name`, `minReplicas` and `web` and move the other fields (image, command, args, env, resources, probes, volumes, volumeMounts, initContainers) under `podSpec:`";
    if !input.allow_unknown_fields {
        return Err(err(&input.file, pos, message).hint(format!("{hint}; or pass --allow-unknown-fields to convert without them")));
    }
    let src = input.src(pos);
    input.findings.add("input.legacy-pods", Outcome::NeedsInput, src, "-", format!("{message}; the chart has none of them either (--allow-unknown-fields)")).hint(hint);
    Ok(())
}

/// A name as `oc process` hands it to Clowder: written with parameters, it takes their values
/// now (every object name derives from it), and those parameters are pinned.
fn fixed_name(input: &mut Input, name: String, pos: Pos, what: &str) -> Result<String, InputError> {
    if !references_parameter(&name, input) {
        return Ok(name);
    }
    let (fixed, pins) = input.fixed_text(&name, pos, what)?;
    input.pins.extend(pins);
    Ok(fixed)
}

fn read_web(input: &mut Input, node: Option<&Node>) -> Result<WebService, InputError> {
    let Some(n) = node else { return Ok(WebService::default()) };
    let mut f = Fields::new(input, n, "a webServices entry")?.moved(WEB_MOVED);
    let w = WebService {
        pos: Some(n.pos),
        enabled: f.scalar(input, "enabled")?.cloned(),
        h2c_enabled: f.scalar(input, "h2cEnabled")?.cloned(),
        h2c_target_port: f.scalar(input, "h2cTargetPort")?.cloned(),
        tls: f.scalar(input, "tls")?.cloned(),
        api_path: f.scalar(input, "apiPath")?.cloned(),
        api_paths: f.list(input, "apiPaths")?.to_vec(),
        whitelist_paths: f.list(input, "whitelistPaths")?.to_vec(),
        session_affinity: f.scalar(input, "sessionAffinity")?.cloned(),
    };
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(w)
}

fn read_deployment(input: &mut Input, d: &Node) -> Result<Deployment, InputError> {
    let mut f = Fields::new(input, d, "a ClowdApp deployment")?.pruned(DEPLOYMENT_FIELDS).moved(DEPLOYMENT_MOVED);
    let Some(name) = f.string(input, "name")? else {
        return Err(f.missing(input, d.pos, "deployment without a `name`".into(), "every entry of spec.deployments needs a name"));
    };
    let pos = d.get("name").map(|n| n.pos).unwrap_or(d.pos);
    let name = fixed_name(input, name, pos, "deployment name")?;
    let replicas = f.scalar(input, "replicas")?.cloned();
    let min_replicas = f.scalar(input, "minReplicas")?.cloned();
    let web = f.scalar(input, "web")?.cloned();
    let (public, private, metrics_service) = match f.map(input, "webServices")? {
        Some(ws) => {
            let mut wf = Fields::new(input, ws, "webServices")?;
            let public = read_web(input, wf.map(input, "public")?)?;
            let private = read_web(input, wf.map(input, "private")?)?;
            let metrics = wf.get("metrics").cloned();
            wf.finish(input, "-", "Clowder's CRD prunes it")?;
            (public, private, metrics)
        }
        None => (WebService::default(), WebService::default(), None),
    };
    let Some(pod) = f.map(input, "podSpec")? else {
        return Err(f.missing(input, pos, format!("deployment `{name}` has no podSpec"), "podSpec (with at least an image) is required"));
    };
    let pod_spec = read_pod_spec(input, pod)?;
    let k8s_access_level = f.scalar(input, "k8sAccessLevel")?.cloned();
    let auto_scaler = f.map(input, "autoScaler")?.cloned();
    let auto_scaler_simple = f.map(input, "autoScalerSimple")?.cloned();
    let private_strategy = match f.map(input, "deploymentStrategy")? {
        Some(s) => {
            let mut sf = Fields::new(input, s, "deploymentStrategy")?.moved(STRATEGY_MOVED);
            let p = sf.scalar(input, "privateStrategy")?.cloned();
            sf.finish(input, "-", "Clowder's CRD prunes it")?;
            p
        }
        None => None,
    };
    let annotations = match f.map(input, "metadata")? {
        Some(m) => {
            let mut mf = Fields::new(input, m, "deployment metadata")?.pruned(OBJECT_META);
            let a = mf.annotations(input, "annotations")?;
            mf.finish(input, "-", "only annotations are read by Clowder (the CRD prunes the rest)")?;
            a
        }
        None => Vec::new(),
    };
    f.finish(input, &format!("deployment {name}"), "Clowder's CRD prunes it")?;
    Ok(Deployment { name, pos, replicas, min_replicas, web, public, private, metrics_service, pod_spec, k8s_access_level, auto_scaler, auto_scaler_simple, private_strategy, annotations })
}

fn read_env_list(input: &mut Input, f: &mut Fields, key: &'static str) -> Result<Vec<Node>, InputError> {
    let list = f.list(input, key)?;
    for e in list {
        if !e.is_map() {
            return Err(err(&input.file, e.pos, format!("each `{key}` entry must be a mapping with name and value, found {}", e.a_type())));
        }
        match e.get("name") {
            Some(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {}
            Some(n) => return Err(err(&input.file, n.pos, format!("env var name must be a non-empty string, found {}", n.a_type()))),
            None => return Err(err(&input.file, e.pos, format!("this `{key}` entry has no `name`")).hint("write `- name: VARIABLE` with `value:` or `valueFrom:` below it")),
        }
        // A misspelt `value` would leave the variable empty without a word.
        let mut ef = Fields::new(input, e, "an env entry")?;
        for k in ["name", "value", "valueFrom"] {
            ef.get(k);
        }
        ef.finish(input, "-", "Kubernetes env entries have only name, value and valueFrom")?;
    }
    Ok(list.to_vec())
}

fn read_command(input: &Input, f: &mut Fields, key: &'static str) -> Result<Option<Node>, InputError> {
    match f.get(key) {
        None => Ok(None),
        Some(n) if n.is_seq() => Ok(Some(n.clone())),
        // A typed parameter holding the whole list (a JSON array): OpenShift inserts it as is.
        Some(n) if n.as_str().is_some_and(|s| matches!(super::sym::parse(s, &input.declared), super::sym::Parsed::Typed(_))) => Ok(Some(n.clone())),
        Some(n) => Err(err(&input.file, n.pos, format!("`{key}` must be a list of strings, found {}", n.a_type())).hint(format!("write `{key}: [\"...\"]`, or `{key}: ${{{{PARAMETER}}}}` with a parameter whose value is a JSON list"))),
    }
}

/// Clowder's podSpec fields, which templates sometimes write one level too high.
const POD_LEVEL: Moved = (&["image", "command", "args", "env", "resources", "livenessProbe", "readinessProbe", "volumes", "volumeMounts", "lifecycle", "terminationGracePeriodSeconds", "initContainers", "sidecars", "machinePool"], "it belongs under `podSpec`");
/// Clowder's deployment fields, which templates sometimes write inside podSpec.
const DEPLOYMENT_LEVEL: Moved = (&["minReplicas", "replicas", "web", "webServices", "autoScaler", "autoScalerSimple", "k8sAccessLevel", "deploymentStrategy"], "it is a field of the deployment, one level up");
/// Clowder's job fields, which templates sometimes write inside podSpec.
const JOB_LEVEL: Moved = (&["schedule", "concurrencyPolicy", "suspend", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds", "parallelism", "completions"], "it is a field of the job, one level up");
/// Kubernetes Deployment fields written inside podSpec: Clowder's CRD has them nowhere.
const K8S_DEPLOYMENT_LEVEL: Moved = (&["minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds", "strategy"], "it is a Kubernetes Deployment field, which Clowder's CRD has nowhere (Clowder sets its own rollout strategy)");
/// Fields of older Clowder examples and tests that today's CRD does not have.
const RETIRED_DEPLOYMENT: Moved = (&["simpleAutoScaler", "useStatefulSet"], "it appears in older Clowder examples and tests but not in today's CRD (the autoscaler field is `autoScalerSimple`; Clowder always makes a Deployment)");
/// Rollout settings of Kubernetes Deployments and OpenShift DeploymentConfigs.
const STRATEGY_MOVED: &[Moved] = &[(&["type", "rollingUpdate", "rollingParams", "recreateParams", "customParams", "activeDeadlineSeconds", "resources", "labels", "annotations"], "it is a Kubernetes or OpenShift rollout setting; Clowder's `deploymentStrategy` has only `privateStrategy` and chooses the rollout itself")];
/// Seen in Clowder's own tests, absent from the CRD this tool follows (docs: clowder-semantics).
const WEB_MOVED: &[Moved] = &[(&["appProtocol"], "it appears in Clowder's tests but not in the ClowdApp CRD this tool follows; the Service port keeps appProtocol `http`")];
const SPEC_MOVED: &[Moved] = &[(&["pullSecrets"], "pull secrets are a ClowdEnvironment setting (`providers.pullSecrets`); in the chart they are `global.imagePullSecrets`")];
const DEPLOYMENT_MOVED: &[Moved] = &[POD_LEVEL, RETIRED_DEPLOYMENT];
const JOB_MOVED: &[Moved] = &[POD_LEVEL];
const POD_MOVED: &[Moved] = &[DEPLOYMENT_LEVEL, JOB_LEVEL, K8S_DEPLOYMENT_LEVEL, RETIRED_DEPLOYMENT];

/// Fields of a Kubernetes pod spec or container that Clowder's podSpec schema does not have: the
/// API server prunes them (§1.4), so Clowder never ran them. Reported, never an error.
const PRUNED_POD_FIELDS: &[&str] = &[
    // PodSpec
    "containers", "ephemeralContainers", "restartPolicy", "activeDeadlineSeconds", "dnsPolicy", "dnsConfig", "nodeSelector", "nodeName", "serviceAccount", "serviceAccountName", "automountServiceAccountToken", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname", "subdomain", "setHostnameAsFQDN", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority", "preemptionPolicy", "readinessGates", "runtimeClassName", "enableServiceLinks", "overhead", "topologySpreadConstraints", "os", "schedulingGates", "resourceClaims",
    // Container
    "name", "workingDir", "ports", "envFrom", "resizePolicy", "volumeDevices", "startupProbe", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "stdin", "stdinOnce", "tty",
];

fn read_pod_spec(input: &mut Input, p: &Node) -> Result<PodSpec, InputError> {
    let mut f = Fields::new(input, p, "podSpec")?.pruned(PRUNED_POD_FIELDS).moved(POD_MOVED);
    let image = f.scalar(input, "image")?.cloned();
    let command = read_command(input, &mut f, "command")?;
    let args = read_command(input, &mut f, "args")?;
    let env = read_env_list(input, &mut f, "env")?;
    let resources = f.map(input, "resources")?.cloned();
    let liveness_probe = f.map(input, "livenessProbe")?.cloned();
    let readiness_probe = f.map(input, "readinessProbe")?.cloned();
    let volumes = f.list(input, "volumes")?.to_vec();
    let volume_mounts = f.list(input, "volumeMounts")?.to_vec();
    let lifecycle = f.map(input, "lifecycle")?.cloned();
    let termination_grace_period_seconds = f.scalar(input, "terminationGracePeriodSeconds")?.cloned();
    let mut init_containers = Vec::new();
    for ic in f.list(input, "initContainers")? {
        let mut icf = Fields::new(input, ic, "an initContainers entry")?.pruned(CONTAINER_FIELDS);
        let name = icf.string(input, "name")?;
        let c = InitContainer {
            pos: ic.pos,
            name,
            image: icf.scalar(input, "image")?.cloned(),
            command: read_command(input, &mut icf, "command")?,
            args: read_command(input, &mut icf, "args")?,
            env: read_env_list(input, &mut icf, "env")?,
            inherit_env: match icf.get("inheritEnv").map(|n| &n.kind) {
                None | Some(Kind::Bool(false)) => false,
                Some(Kind::Bool(true)) => true,
                Some(_) => return Err(err(&input.file, ic.get("inheritEnv").unwrap().pos, "`inheritEnv` must be true or false")),
            },
        };
        icf.finish(input, "-", "Clowder init containers take only name, image, command, args, env and inheritEnv (resources and mounts come from the main container)")?;
        init_containers.push(c);
    }
    if init_containers.len() > 1
        && let Some(ic) = init_containers.iter().find(|c| c.name.as_deref().unwrap_or("").is_empty()) {
            return Err(err(&input.file, ic.pos, "init container without a name; a name is required when there is more than one").hint("Clowder's admission webhook rejects this too"));
        }
    let mut sidecars = Vec::new();
    for s in f.list(input, "sidecars")? {
        let mut sf = Fields::new(input, s, "a sidecars entry")?;
        let name = sf.string(input, "name")?.unwrap_or_default();
        if name != "token-refresher" && name != "otel-collector" {
            return Err(err(&input.file, s.pos, format!("sidecar `{name}` is not one Clowder knows (token-refresher, otel-collector)")).hint("remove it; add another container with an overlay (--overrides) if the pod needs one"));
        }
        let enabled = sf.scalar(input, "enabled")?.cloned();
        for k in ["image", "configMap", "envVars", "memoryRequest", "memoryLimit", "volumeMounts"] {
            sf.used.push(k);
        }
        sf.finish(input, "-", "not a sidecar field")?;
        sidecars.push(Sidecar { pos: s.pos, name, enabled });
    }
    let machine_pool = f.scalar(input, "machinePool")?.cloned();
    let annotations = match f.map(input, "metadata")? {
        Some(m) => {
            let mut mf = Fields::new(input, m, "podSpec metadata")?.pruned(OBJECT_META);
            let a = mf.annotations(input, "annotations")?;
            mf.finish(input, "-", "only pod annotations are read by Clowder (the CRD prunes the rest)")?;
            a
        }
        None => Vec::new(),
    };
    // Report pruned Kubernetes fields with a specific explanation, then anything else.
    for (k, _) in p.entries() {
        if PRUNED_POD_FIELDS.contains(&k.text.as_str()) {
            f.used.push(PRUNED_POD_FIELDS.iter().find(|x| **x == k.text).unwrap());
            let src = input.src(k.pos);
            input
                .findings
                .add("podspec.pruned-field", Outcome::Unsupported, src, "-", format!("podSpec.{} is not in Clowder's podSpec schema: the API server pruned it, so Clowder never ran it; it is not rendered", k.text))
                .hint("if the workload needs it, add it with an overlay (--overrides)");
        }
    }
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(PodSpec { pos: p.pos, image, command, args, env, resources, liveness_probe, readiness_probe, volumes, volume_mounts, lifecycle, termination_grace_period_seconds, init_containers, sidecars, machine_pool, annotations })
}

fn read_job(input: &mut Input, j: &Node) -> Result<Job, InputError> {
    let mut f = Fields::new(input, j, "a ClowdApp job")?.pruned(JOB_FIELDS).moved(JOB_MOVED);
    let Some(name) = f.get("name").cloned().filter(|n| n.as_str().is_some_and(|s| !s.is_empty())) else {
        return Err(f.missing(input, j.pos, "job without a `name`".into(), "every entry of spec.jobs needs a name"));
    };
    let Some(pod) = f.map(input, "podSpec")? else {
        return Err(f.missing(input, j.pos, "job has no podSpec".into(), "podSpec (with at least an image) is required"));
    };
    let pod_spec = read_pod_spec(input, pod)?;
    let job = Job {
        pos: name.pos,
        repeats: None,
        name: name.clone(),
        schedule: f.scalar(input, "schedule")?.cloned(),
        pod_spec,
        disabled: f.scalar(input, "disabled")?.cloned(),
        parallelism: f.scalar(input, "parallelism")?.cloned(),
        completions: f.scalar(input, "completions")?.cloned(),
        restart_policy: f.scalar(input, "restartPolicy")?.cloned(),
        concurrency_policy: f.scalar(input, "concurrencyPolicy")?.cloned(),
        suspend: f.scalar(input, "suspend")?.cloned(),
        successful_jobs_history_limit: f.scalar(input, "successfulJobsHistoryLimit")?.cloned(),
        failed_jobs_history_limit: f.scalar(input, "failedJobsHistoryLimit")?.cloned(),
        starting_deadline_seconds: f.scalar(input, "startingDeadlineSeconds")?.cloned(),
        active_deadline_seconds: f.scalar(input, "activeDeadlineSeconds")?.cloned(),
    };
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(job)
}

fn read_topic(input: &mut Input, t: &Node) -> Result<KafkaTopic, InputError> {
    let mut f = Fields::new(input, t, "a kafkaTopics entry")?;
    let Some(topic_name) = f.scalar(input, "topicName")?.cloned() else {
        return Err(f.missing(input, t.pos, "kafka topic without `topicName`".into(), "every entry of spec.kafkaTopics needs a topicName"));
    };
    let partitions = f.scalar(input, "partitions")?.cloned();
    let replicas = f.scalar(input, "replicas")?.cloned();
    let config = f.annotations(input, "config")?;
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(KafkaTopic { pos: t.pos, topic_name, partitions, replicas, config })
}

fn read_database(input: &mut Input, d: &Node) -> Result<Database, InputError> {
    let mut f = Fields::new(input, d, "database")?;
    let db = Database {
        pos: d.pos,
        name: f.scalar(input, "name")?.cloned(),
        version: f.scalar(input, "version")?.cloned(),
        shared_db_app_name: f.scalar(input, "sharedDbAppName")?.cloned(),
        db_volume_size: f.scalar(input, "dbVolumeSize")?.cloned(),
        db_resource_size: f.scalar(input, "dbResourceSize")?.cloned(),
    };
    if let (Some(n), Some(_)) = (&db.name, &db.shared_db_app_name) {
        return Err(err(&input.file, n.pos, "database `name` and `sharedDbAppName` cannot both be set").hint("Clowder's admission webhook rejects this; keep one"));
    }
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    Ok(db)
}

fn read_cji(input: &mut Input, obj: &Node) -> Result<JobInvocation, InputError> {
    let (name, pos) = metadata_name(input, obj, "ClowdJobInvocation")?;
    let spec = obj.get("spec").ok_or_else(|| err(&input.file, obj.pos, "ClowdJobInvocation has no spec"))?;
    let mut f = Fields::new(input, spec, "ClowdJobInvocation spec")?;
    let app_name = f.string(input, "appName")?.ok_or_else(|| err(&input.file, spec.pos, "ClowdJobInvocation has no spec.appName").hint("name the ClowdApp whose jobs it runs"))?;
    let app_name_pos = spec.get("appName").map(|n| n.pos).unwrap_or(spec.pos);
    let app_name = fixed_name(input, app_name, app_name_pos, "ClowdJobInvocation appName")?;
    let jobs = f.list(input, "jobs")?.to_vec();
    let disabled = f.scalar(input, "disabled")?.cloned();
    let run_on_not_ready = f.scalar(input, "runOnNotReady")?.cloned();
    let testing = f.map(input, "testing")?.cloned();
    f.finish(input, "-", "Clowder's CRD prunes it")?;
    let md = obj.get("metadata");
    let entries = |key: &str| md.and_then(|m| m.get(key)).filter(|n| n.is_map()).map(|n| n.entries().to_vec()).unwrap_or_default();
    let (labels, annotations) = (entries("labels"), entries("annotations"));
    Ok(JobInvocation { name, pos, app_name, app_name_pos, jobs, disabled, run_on_not_ready, testing, labels, annotations })
}

impl Input {
    pub fn src_of(&self, n: &Node) -> SourceRef {
        self.src(n.pos)
    }
}
