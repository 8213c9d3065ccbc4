//! Workloads and the objects around them, as Clowder would have run them.

use super::finding::SourceRef;
use super::value::{Cond, Text, Val};

#[derive(Debug, Clone, PartialEq)]
pub enum WorkloadKind {
    Deployment,
    CronJob,
    /// A job Clowder ran through a ClowdJobInvocation; here a Helm hook.
    HookJob,
}

impl WorkloadKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::HookJob => "Job",
        }
    }
}

/// Where an env var came from (shown in the report and used by `diff`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvOrigin {
    /// Written in the ClowdApp podSpec.
    Template,
    /// Added to replace a Clowder provider (database, kafka, ...).
    Provider(String),
    /// Added by Clowder itself (ACG_CONFIG).
    Clowder,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    Value(Val),
    From(Val),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    pub origin: EnvOrigin,
    pub when: Option<Cond>,
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub name: String,
    pub port: Val,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub limits: Vec<(String, Val)>,
    pub requests: Vec<(String, Val)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub name: Text,
    pub image: Val,
    pub command: Option<Val>,
    pub args: Option<Val>,
    pub env: Vec<EnvVar>,
    pub ports: Vec<Port>,
    pub resources: Resources,
    pub liveness_probe: Option<Val>,
    pub readiness_probe: Option<Val>,
    pub volume_mounts: Vec<Val>,
    /// Mounts the chart adds under a value (a CA file), after the template's.
    pub conditional_mounts: Vec<super::value::Item>,
    pub lifecycle: Option<Val>,
    pub image_pull_policy: &'static str,
    /// Native sidecar (`restartPolicy: Always` on an init container).
    pub restart_policy: Option<&'static str>,
    /// An init container that copied the main container's env (`inheritEnv`).
    pub inherits_env: bool,
    /// Rendered only when this holds (a container the chart adds under a value).
    pub when: Option<Cond>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    pub labels: Vec<(String, Val)>,
    pub annotations: Vec<(Text, Val)>,
    pub service_account: Text,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub volumes: Vec<Val>,
    /// Volumes the chart adds under a value, after the template's.
    pub conditional_volumes: Vec<super::value::Item>,
    /// Where each template volume is written (volume name → line), for the report.
    pub volume_sources: Vec<(String, SourceRef)>,
    pub termination_grace_period_seconds: Option<Val>,
    pub tolerations: Vec<Val>,
    /// Clowder's zone/hostname anti-affinity on the pod labels.
    pub anti_affinity: bool,
    pub restart_policy: Option<Val>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicePort {
    pub name: String,
    pub port: Val,
    pub target_port: Val,
    pub app_protocol: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: Text,
    pub labels: Vec<(String, Val)>,
    pub selector: Vec<(String, Val)>,
    pub ports: Vec<ServicePort>,
    pub session_affinity: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Autoscaler {
    /// KEDA ScaledObject: rendered only when `autoscaling.keda.enabled`.
    Keda { spec: Val, min: Val, max: Val },
    /// `autoscaling/v2` HorizontalPodAutoscaler.
    Hpa { min: Val, max: Val, metrics: Vec<Val> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Replicas {
    Fixed(Val),
    /// Autoscaled: the Deployment carries `fallback` replicas only when `when` holds
    /// (KEDA disabled), none otherwise.
    Autoscaled { fallback: Val, when: Option<Cond> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    RollingUpdate25,
    RollingUpdatePlain,
    Recreate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronSpec {
    pub schedule: Val,
    pub concurrency_policy: Val,
    pub suspend: Option<Val>,
    pub successful_jobs_history_limit: Option<Val>,
    pub failed_jobs_history_limit: Option<Val>,
    pub starting_deadline_seconds: Option<Val>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub parallelism: Option<Val>,
    pub completions: Option<Val>,
    pub active_deadline_seconds: Option<Val>,
    /// Helm hook events for hook jobs.
    pub hook: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// The ClowdApp this came from.
    pub app: String,
    /// The deployment or job name inside the ClowdApp.
    pub component: Text,
    /// `<app>-<component>`: object, container and Service name.
    pub name: Text,
    pub kind: WorkloadKind,
    pub source: SourceRef,
    /// Labels of the object (and selector for Deployments).
    pub labels: Vec<(String, Val)>,
    pub annotations: Vec<(Text, Val)>,
    pub pod: Pod,
    pub replicas: Option<Replicas>,
    pub strategy: Option<Strategy>,
    pub service: Option<Service>,
    pub autoscaler: Option<Autoscaler>,
    /// `k8sAccessLevel` view/edit → RoleBinding to that ClusterRole.
    pub cluster_role: Option<String>,
    pub cron: Option<CronSpec>,
    pub job: Option<JobSpec>,
    /// Base name of the template file (`deployment-api.yaml`).
    pub file: String,
    /// Rendered (with everything around it) only when this holds: `components.<key>.enabled`.
    pub when: Option<Cond>,
}

impl Workload {
    pub fn main(&self) -> &Container {
        &self.pod.containers[0]
    }
}

/// An object copied from the template (Secret, ConfigMap, Route, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct PassObject {
    pub kind: String,
    pub name: Text,
    pub body: Val,
    pub source: SourceRef,
    pub file: String,
    /// Rendered only when this holds (KEDA objects need the KEDA CRDs).
    pub when: Option<super::value::Cond>,
}
