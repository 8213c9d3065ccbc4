//! `kubernetes-validate --strict` on the rendered objects of built-in kinds (CRD kinds such as
//! KEDA's ScaledObject have no bundled schema and are skipped).

use crate::error::{Error, Result};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "kubernetes-validate";

/// Dotted API groups served by the API server itself; any group without a dot is built in too.
const BUILTIN_GROUPS: &[&str] = &[
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// `explicit`, else `$CLOWD2HELM_KUBERNETES_VALIDATE`, else the project's `.tools/bin`, else PATH.
pub fn find(explicit: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(p) = explicit {
        return if p.exists() { Ok(Some(p.to_path_buf())) } else { Err(Error::Tool(format!("{NAME} not found at {}", p.display()))) };
    }
    if let Some(p) = std::env::var_os("CLOWD2HELM_KUBERNETES_VALIDATE") {
        return Ok(Some(PathBuf::from(p)));
    }
    let local = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/bin").join(NAME), PathBuf::from(".tools/bin").join(NAME)];
    if let Some(c) = local.iter().find(|c| c.exists()) {
        return Ok(Some(c.clone()));
    }
    Ok(std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(NAME)).find(|c| c.is_file())))
}

pub fn is_builtin(api_version: &str) -> bool {
    match api_version.rsplit_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || BUILTIN_GROUPS.contains(&group),
    }
}

/// The Kubernetes version the tools were installed for (`.tools/k8s-schema-version`), if known.
fn schema_version(validator: &Path) -> Option<String> {
    let file = validator.parent()?.parent()?.join("k8s-schema-version");
    std::fs::read_to_string(file).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Validate the built-in objects; Ok(problems) lists what the validator rejected.
pub fn run(validator: &Path, docs: &[Value]) -> Result<(usize, Vec<String>)> {
    let core: Vec<&Value> = docs.iter().filter(|d| is_builtin(d.get("apiVersion").and_then(Value::as_str).unwrap_or(""))).collect();
    if core.is_empty() {
        return Ok((0, Vec::new()));
    }
    let mut file = tempfile::Builder::new().prefix("clowd2helm-verify-").suffix(".yaml").tempfile().map_err(|e| Error::io("creating a temporary file", e))?;
    for d in &core {
        writeln!(file, "---\n{d}").map_err(|e| Error::io("writing a temporary file", e))?;
    }
    file.flush().map_err(|e| Error::io("writing a temporary file", e))?;
    let mut cmd = Command::new(validator);
    cmd.arg("--strict").arg("--quiet");
    if let Some(v) = schema_version(validator) {
        cmd.arg("--kubernetes-version").arg(v);
    }
    let out = cmd.arg(file.path()).output().map_err(|e| Error::Tool(format!("cannot run {}: {e}", validator.display())))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let problems: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("ERROR") || l.starts_with("FATAL") || l.starts_with("WARN"))
        .map(|l| l.replace(&file.path().display().to_string(), "<rendered>"))
        .collect();
    if !out.status.success() && problems.is_empty() {
        return Err(Error::Tool(format!("{NAME} failed ({}):\n{}", out.status, text.trim_end())));
    }
    Ok((core.len(), problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_groups() {
        assert!(is_builtin("v1") && is_builtin("apps/v1") && is_builtin("rbac.authorization.k8s.io/v1"));
        assert!(!is_builtin("keda.sh/v1alpha1") && !is_builtin("gateway.networking.k8s.io/v1"));
    }
}
