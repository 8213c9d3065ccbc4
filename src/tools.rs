//! Finding the external `helm` binary for `verify` and `gap --against`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// `explicit` (a `--helm` flag), else `$CLOWD2HELM_HELM`, else the project's installed
/// `.tools/bin/helm` (next to the source tree or the current folder), else `helm` on PATH.
pub fn find_helm(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if p.exists() { Ok(p.to_path_buf()) } else { Err(Error::Usage(format!("helm not found at {}", p.display()))) };
    }
    if let Some(p) = std::env::var_os("CLOWD2HELM_HELM") {
        return Ok(PathBuf::from(p));
    }
    let candidates = [PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/helm"), PathBuf::from(".tools/bin/helm")];
    if let Some(c) = candidates.iter().find(|c| c.exists()) {
        return Ok(c.clone());
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let c = dir.join("helm");
            if c.is_file() {
                return Ok(c);
            }
        }
    }
    Err(Error::Tool("helm not found: run scripts/install-tools.sh, or pass --helm PATH".into()))
}
