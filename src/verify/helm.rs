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

/// `helm template verify CHART_DIR -f .. --set .. --set-string ..`: the rendered manifests.
/// Values the chart's schema refuses are the user's input (exit 2); any other failure is helm's
/// (exit 3).
pub fn template(helm: &Path, chart_dir: &Path, files: &[String], sets: &[String], set_strings: &[String]) -> Result<String> {
    let mut cmd = Command::new(helm);
    cmd.arg("template").arg(RELEASE).arg(chart_dir);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    for s in set_strings {
        cmd.arg("--set-string").arg(s);
    }
    let out = cmd.output().map_err(|e| Error::Tool(format!("cannot run {}: {e}", helm.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("values don't meet the specifications of the schema") {
            return Err(Error::Usage(format!(
                "helm template refused the values given (they do not match the chart's values.schema.json):\n{}\nhint: string parameters take --set-string (or a quoted value in a values file); typed ones a bare number or true/false",
                stderr.trim_end()
            )));
        }
        return Err(Error::Tool(format!("helm template failed ({}):\n{}", out.status, stderr.trim_end())));
    }
    String::from_utf8(out.stdout).map_err(|_| Error::Tool("helm template printed output that is not UTF-8".into()))
}

/// The rendered documents (empty ones dropped).
pub fn documents(text: &str) -> Result<Vec<Value>> {
    let docs = yaml::load_documents("<helm template output>", text).map_err(|e| Error::Tool(format!("cannot read the output of helm template: {e}")))?;
    Ok(docs.iter().filter(|d| !d.is_null()).map(yaml::Node::to_json).collect())
}
