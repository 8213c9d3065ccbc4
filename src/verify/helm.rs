//! Running `helm template` and reading what it prints.

use crate::error::{Error, Result};
use crate::source::yaml;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The release name `verify` renders with.
pub const RELEASE: &str = "verify";
/// The namespace `helm template` renders `.Release.Namespace` as when none is given.
pub const NAMESPACE: &str = "default";

/// `helm template verify CHART_DIR -f .. --set ..`: the rendered manifests.
pub fn template(helm: &Path, chart_dir: &Path, files: &[String], sets: &[String]) -> Result<String> {
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg(RELEASE).arg(chart_dir);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    let out = cmd.output().map_err(|e| Error::Tool(format!("cannot run {}: {e}", helm.display())))?;
    if !out.status.success() {
        return Err(Error::Tool(format!("helm template failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr).trim_end())));
    }
    String::from_utf8(out.stdout).map_err(|_| Error::Tool("helm template printed output that is not UTF-8".into()))
}

/// The rendered documents (empty ones dropped).
pub fn documents(text: &str) -> Result<Vec<Value>> {
    let docs = yaml::load_documents("<helm template output>", text).map_err(|e| Error::Tool(format!("cannot read the output of helm template: {e}")))?;
    Ok(docs.iter().filter(|d| !d.is_null()).map(yaml::Node::to_json).collect())
}
