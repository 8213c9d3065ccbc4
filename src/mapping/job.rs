//! `spec.jobs[]`: scheduled → CronJob (`P/cronjob`); unscheduled and invoked by a
//! ClowdJobInvocation → Helm hook Job (`P/job`, CJI controller).

use super::pod;
use super::Ctx;
use crate::error::InputError;
use crate::model::{CronSpec, JobSpec, Outcome, Pod, Text, Val, Workload, WorkloadKind};
use crate::source::clowdapp::{ClowdApp, Job, JobInvocation};
use crate::source::template::err;
use crate::source::yaml::Node;

/// The Helm hook events used for jobs a ClowdJobInvocation ran (see docs/decisions.md).
pub const HOOK_EVENTS: &str = "post-install,post-upgrade";

pub fn kube_linter_annotations() -> Vec<(Text, Val)> {
    ["ignore-check.kube-linter.io/no-liveness-probe", "ignore-check.kube-linter.io/no-readiness-probe"]
        .iter()
        .map(|k| (Text::lit(*k), Val::str("probes not required on Job pods")))
        .collect()
}

fn job_key(n: &Node) -> String {
    n.scalar_text().unwrap_or_default()
}

/// Sanitised file-name stem for a possibly parameterised job name.
fn file_stem(name: &Text) -> String {
    let raw = name.display();
    let s: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect();
    let mut out = String::new();
    for c in s.chars() {
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('-').to_string()
}

pub fn map_job(ctx: &mut Ctx, app: &ClowdApp, job: &Job, cjis: &[JobInvocation], meta: &super::deployment::AppMeta) -> Result<Vec<Workload>, InputError> {
    let component = ctx.text(&job.name)?;
    let name = Text::lit(format!("{}-", app.name)).then(&component);
    let display = name.display();
    if let Some(first) = job.repeats {
        let used = if job.schedule.is_some() {
            format!("CronJob `{display}` comes from this entry, and a ClowdJobInvocation naming the job runs the entry on line {} (Clowder takes the first job of a name)", first.line)
        } else {
            format!("this entry is never used: it has no schedule, and a ClowdJobInvocation naming the job runs the entry on line {} (Clowder takes the first job of a name)", first.line)
        };
        ctx.find(
            "job.duplicate-name",
            Outcome::NeedsInput,
            job.pos,
            format!("Job/{display}"),
            format!("job name `{}` is written twice in ClowdApp `{}` (lines {} and {}); {used}", job_key(&job.name), app.name, first.line, job.pos.line),
            Some("rename one of the jobs, or remove the entry that is not meant"),
        );
        if job.schedule.is_none() {
            return Ok(Vec::new());
        }
    }
    if ctx.static_bool(job.disabled.as_ref(), &display)? {
        ctx.find("job.disabled", Outcome::Unsupported, job.pos, format!("Job/{display}"), "job is disabled: Clowder creates no CronJob and refuses to invoke it; nothing is rendered", None);
        return Ok(Vec::new());
    }
    let scheduled = job.schedule.is_some();
    // Clowder's invocations run the first job of a name; a repeated name runs only as a CronJob.
    let invoked_by: Vec<&JobInvocation> = cjis
        .iter()
        .filter(|c| job.repeats.is_none() && c.app_name == app.name && c.jobs.iter().any(|j| job_key(j) == job_key(&job.name)))
        .collect();

    if !scheduled && invoked_by.is_empty() {
        ctx.find("job.never-invoked", Outcome::Unsupported, job.pos, format!("Job/{display}"), "job has no schedule and no ClowdJobInvocation runs it; Clowder never creates it, so nothing is rendered", Some("add a ClowdJobInvocation for it to the template to get a Helm hook Job"));
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    if scheduled {
        out.push(build(ctx, app, job, &invoked_by, true, meta)?);
    }
    if !invoked_by.is_empty() {
        if scheduled {
            ctx.find("job.invoked-cronjob", Outcome::Approximated, invoked_by[0].pos, format!("Job/{display}"), "a ClowdJobInvocation also runs this scheduled job once: rendered as a hook Job besides the CronJob", None);
        }
        out.push(build(ctx, app, job, &invoked_by, false, meta)?);
    }
    Ok(out)
}

/// One job rendered as a CronJob (`scheduled`) or as the hook Job an invocation ran.
fn build(ctx: &mut Ctx, app: &ClowdApp, job: &Job, invoked_by: &[&JobInvocation], scheduled: bool, meta: &super::deployment::AppMeta) -> Result<Workload, InputError> {
    let component = ctx.text(&job.name)?;
    let name = Text::lit(format!("{}-", app.name)).then(&component);
    let display = name.display();
    // Kubernetes limits: CronJob names ≤ 52 (the controller appends a suffix), Job names ≤ 63.
    let max = if scheduled { 52 } else { 63 };
    let rendered = name.0.iter().map(|p| match p {
        crate::model::Part::Lit(s) => s.clone(),
        crate::model::Part::Param(n) => ctx.input.parameter(n).and_then(|p| p.value.clone()).unwrap_or_default(),
        crate::model::Part::Value(_) | crate::model::Part::RequiredValue(_) | crate::model::Part::Namespace => String::new(),
    }).collect::<String>();
    pod::check_dns_label(ctx, &rendered, job.pos, if scheduled { "CronJob name (`<app>-<job>`)" } else { "Job name (`<app>-<job>` at parameter defaults)" }, max)?;

    let kind = if scheduled { WorkloadKind::CronJob } else { WorkloadKind::HookJob };
    let target = format!("{}/{display}", kind.as_str());
    let mut main = pod::main_container(ctx, &job.pod_spec, name.clone(), &target)?;
    main.ports = vec![crate::model::Port { name: "metrics".into(), port: Val::ValueRef("metrics.port".into()) }];
    // Job containers get user probes verbatim and no defaults.
    main.liveness_probe = job.pod_spec.liveness_probe.as_ref().map(|n| ctx.val(n)).transpose()?;
    main.readiness_probe = job.pod_spec.readiness_probe.as_ref().map(|n| ctx.val(n)).transpose()?;
    for (field, node) in [("lifecycle", &job.pod_spec.lifecycle), ("terminationGracePeriodSeconds", &job.pod_spec.termination_grace_period_seconds)] {
        if let Some(n) = node {
            ctx.find("job.ignored-field", Outcome::Translated, n.pos, &target, format!("podSpec.{field} is ignored by Clowder for jobs; not rendered"), None);
        }
    }
    if !job.pod_spec.annotations.is_empty() {
        ctx.find("job.ignored-field", Outcome::Translated, job.pod_spec.annotations[0].0.pos, &target, "podSpec.metadata.annotations are ignored by Clowder for jobs; not rendered", None);
    }
    let init_containers = pod::init_containers(ctx, &job.pod_spec, &main, &name)?;
    if scheduled {
        pod::sidecars(ctx, &job.pod_spec, &target)?;
    } else if !job.pod_spec.sidecars.is_empty() {
        ctx.find("job.sidecars", Outcome::Translated, job.pod_spec.sidecars[0].pos, &target, "ClowdJobInvocation jobs get no sidecars; none rendered", None);
    }
    let tolerations = pod::machine_pool_tolerations(ctx, &job.pod_spec)?;
    let opt = |ctx: &Ctx, n: &Option<Node>| n.as_ref().map(|n| ctx.val(n)).transpose();
    let restart_policy = Some(opt(ctx, &job.restart_policy)?.unwrap_or(Val::str("Never")));
    let job_spec = JobSpec {
        parallelism: opt(ctx, &job.parallelism)?,
        completions: opt(ctx, &job.completions)?,
        active_deadline_seconds: opt(ctx, &job.active_deadline_seconds)?,
        hook: (!scheduled).then(|| HOOK_EVENTS.to_string()),
    };
    let sa = Text::lit(format!("{}-app", app.name));
    let mut annotations = kube_linter_annotations();
    let (labels, pod, cron) = if let (true, Some(schedule)) = (scheduled, &job.schedule) {
        let mut labels = meta.labels.clone();
        labels.push(("pod".into(), Val::Str(name.clone())));
        annotations.extend(meta.annotations.iter().cloned());
        let cron = CronSpec {
            schedule: ctx.val(schedule)?,
            concurrency_policy: opt(ctx, &job.concurrency_policy)?.unwrap_or(Val::str("Allow")),
            suspend: opt(ctx, &job.suspend)?,
            successful_jobs_history_limit: opt(ctx, &job.successful_jobs_history_limit)?,
            failed_jobs_history_limit: opt(ctx, &job.failed_jobs_history_limit)?,
            starting_deadline_seconds: opt(ctx, &job.starting_deadline_seconds)?,
        };
        let pod = Pod {
            labels: labels.clone(),
            annotations: kube_linter_annotations(),
            service_account: sa,
            containers: vec![main],
            init_containers,
            volumes: pod::volumes(ctx, &job.pod_spec, true)?,
            conditional_volumes: Vec::new(),
            volume_sources: pod::volume_sources(ctx, &job.pod_spec),
            termination_grace_period_seconds: Some(Val::Int(30)),
            tolerations,
            anti_affinity: true,
            restart_policy,
            ops: None,
        };
        ctx.find("job.cronjob", Outcome::Translated, job.pos, &target, format!(
                "scheduled job → CronJob `{display}` (concurrencyPolicy {}, restartPolicy {}{})",
                job.concurrency_policy.as_ref().and_then(|n| n.scalar_text()).unwrap_or_else(|| "Allow".into()),
                job.restart_policy.as_ref().and_then(|n| n.scalar_text()).unwrap_or_else(|| "Never".into()),
                if job.concurrency_policy.is_none() || job.restart_policy.is_none() { "; unset ones take Clowder's defaults" } else { "" }
            ), None);
        (labels, pod, Some(cron))
    } else {
        for field in [&job.concurrency_policy, &job.suspend, &job.successful_jobs_history_limit, &job.failed_jobs_history_limit, &job.starting_deadline_seconds].into_iter().flatten() {
            ctx.find("job.ignored-field", Outcome::Translated, field.pos, &target, "CronJob-only field on an unscheduled job; not rendered", None);
        }
        let cji = invoked_by[0];
        // The invocation's labels (with the template's, which `oc process` merges in).
        let mut labels: Vec<(String, Val)> = Vec::new();
        for (k, v) in cji.labels.iter().chain(ctx.input.labels.iter()) {
            let val = ctx.val(v)?;
            match labels.iter_mut().find(|(n, _)| *n == k.text) {
                Some(e) => e.1 = val,
                None => labels.push((k.text.clone(), val)),
            }
        }
        labels.push(("clowdjob".into(), Val::Str(ctx.text(&cji.name)?)));
        labels.push(("job".into(), Val::Str(name.clone())));
        annotations.extend(meta.annotations.iter().cloned());
        let mut pod_annotations = kube_linter_annotations();
        pod_annotations.extend(pod::annotations(ctx, &cji.annotations)?);
        let pod = Pod {
            labels: labels.clone(),
            annotations: pod_annotations,
            service_account: sa,
            containers: vec![main],
            init_containers,
            volumes: pod::volumes(ctx, &job.pod_spec, false)?,
            conditional_volumes: Vec::new(),
            volume_sources: pod::volume_sources(ctx, &job.pod_spec),
            termination_grace_period_seconds: None,
            tolerations,
            anti_affinity: false,
            restart_policy,
            ops: None,
        };
        for c in invoked_by {
            if c.testing.is_some() {
                ctx.find("cji.iqe", Outcome::Unsupported, c.pos, &target, "ClowdJobInvocation testing (IQE) runs Red Hat's test images in ephemeral environments; not rendered", None);
            }
            if let Some(r) = &c.run_on_not_ready {
                ctx.find("cji.run-on-not-ready", Outcome::Approximated, r.pos, &target, "runOnNotReady: Helm runs post-install/post-upgrade hooks once the release's objects are created, whether or not the app is ready", None);
            }
            if let Some(d) = &c.disabled
                && d.kind == crate::source::yaml::Kind::Bool(true)
            {
                return Err(err(&ctx.input.file, d.pos, "ClowdJobInvocation is disabled but its job would become a hook").hint("remove the disabled invocation from the template"));
            }
        }
        ctx.find(
            "job.hook",
            Outcome::Approximated,
            cji.pos,
            &target,
            format!("job run by ClowdJobInvocation → Helm hook Job `{display}` ({HOOK_EVENTS}); Clowder ran it once per invocation name after the app was ready, Helm runs it after every install and upgrade"),
            Some("the job must be safe to re-run (database migrations are); see docs/decisions.md"),
        );
        (labels, pod, None)
    };
    let stem = file_stem(&component);
    Ok(Workload {
        app: app.name.clone(),
        component,
        name,
        kind,
        source: ctx.src(job.pos),
        labels,
        annotations,
        pod,
        replicas: None,
        strategy: None,
        service: None,
        autoscaler: None,
        cluster_role: None,
        cron,
        job: Some(job_spec),
        file: super::workload_file(ctx, if scheduled { "cronjob" } else { "job" }, &app.name, &stem),
        when: None,
    })
}
