//! The drift check: what regenerating would change in a chart folder. Only files the tool
//! generates (now, or according to the folder's manifest) are compared; the user's are ignored.

use super::filediff;
use super::manifest::Manifest;
use crate::chart::Files;
use crate::error::{Error, Result};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Drift {
    /// Paths relative to the chart folder, with how they would change.
    pub files: Vec<(String, filediff::Status)>,
    /// Unified diff from the folder's content to the regenerated content.
    pub diff: String,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.files.is_empty()
    }
}

/// Compare the freshly generated `files` (manifest included) with what `out` holds.
pub fn compare(out: &Path, files: &Files) -> Result<Drift> {
    let previously: Vec<String> = Manifest::read(out)?.map(|m| m.files.into_keys().collect()).unwrap_or_default();
    let mut current = Files::new();
    for rel in files.keys().chain(previously.iter()) {
        let p = out.join(rel);
        match std::fs::read(&p) {
            Ok(bytes) => {
                current.insert(rel.clone(), String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("reading {}", p.display()), e)),
        }
    }
    Ok(Drift { files: filediff::changes(&current, files), diff: filediff::unified_all(&current, files) })
}
