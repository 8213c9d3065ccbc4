//! `.clowd2helm/manifest.json`: which files the tool generated, with their hashes, and what they
//! were generated from. It is how regeneration tells its own files from the user's.

use crate::chart::Files;
use crate::error::{Error, InputError, Result};
use crate::source::template::sha256_hex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PATH: &str = ".clowd2helm/manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub tool: String,
    pub tool_version: String,
    pub input: InputInfo,
    /// The options that shape the output (so `check` can tell what was used).
    pub options: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<InputInfo>,
    /// How `files` is hashed. Manifests written before this field existed used sha256.
    #[serde(default = "FileHash::before_field")]
    pub file_hash: FileHash,
    /// Generated file → hash of its content (hex).
    pub files: BTreeMap<String, String>,
}

/// The hash of generated files. It only tells a hand edit from the tool's own output, and a
/// conversion hashes every file it writes (2 MB for Koku): BLAKE3 does that in about a third of
/// sha256's time on the same machine, and is as collision-resistant. The input keeps sha256,
/// which users compare with `sha256sum`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FileHash {
    Blake3,
    Sha256,
}

impl FileHash {
    fn before_field() -> FileHash {
        FileHash::Sha256
    }
    pub fn hex(self, bytes: &[u8]) -> String {
        match self {
            FileHash::Blake3 => blake3::hash(bytes).to_hex().to_string(),
            FileHash::Sha256 => sha256_hex(bytes),
        }
    }
    /// The hash of a file, read in pieces (no buffer as large as the file).
    fn of_file(self, path: &Path) -> std::io::Result<String> {
        use sha2::Digest;
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let mut buf = [0u8; 32 * 1024];
        let (mut b3, mut sha) = (blake3::Hasher::new(), sha2::Sha256::new());
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            match self {
                FileHash::Blake3 => {
                    b3.update(&buf[..n]);
                }
                FileHash::Sha256 => sha.update(&buf[..n]),
            }
        }
        Ok(match self {
            FileHash::Blake3 => b3.finalize().to_hex().to_string(),
            FileHash::Sha256 => sha.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputInfo {
    pub file: String,
    pub sha256: String,
}

impl Manifest {
    pub fn new(input: InputInfo, options: BTreeMap<String, String>, overrides: Option<InputInfo>, files: &Files) -> Manifest {
        Manifest {
            tool: "clowd2helm".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            input,
            options,
            overrides,
            file_hash: FileHash::Blake3,
            files: files.iter().map(|(k, v)| (k.clone(), FileHash::Blake3.hex(v.as_bytes()))).collect(),
        }
    }
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serializes");
        s.push('\n');
        s
    }
    pub fn read(out: &Path) -> Result<Option<Manifest>> {
        let p = out.join(PATH);
        match std::fs::read_to_string(&p) {
            Ok(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| InputError::whole(&p.display().to_string(), format!("the manifest is not valid: {e}")).hint("restore it from version control, or delete the chart folder and convert again").into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("reading {}", p.display()), e)),
        }
    }
}

/// What writing the new files into `out` means for the files already there.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files of the user's, carried over untouched.
    pub keep: Vec<PathBuf>,
    /// Generated before, not any more: removed.
    pub removed: Vec<String>,
    /// Generated before and edited since (only with --force).
    pub overwritten_edits: Vec<String>,
}

/// What the output folder holds now: the reading part of planning (every generated file is
/// read and hashed to find hand edits), apart from the deciding part.
#[derive(Debug, Default)]
struct Scan {
    exists: bool,
    /// The manifest of the chart already there, if any.
    manifest: Option<Manifest>,
    entries: Vec<PathBuf>,
    /// Hash now (by the manifest's `file_hash`) of each entry the manifest lists as generated.
    hashes: BTreeMap<String, String>,
}

/// Read `out`: its manifest, its entries, and the hash of each file the manifest lists.
fn scan(out: &Path) -> Result<Scan> {
    if !out.exists() {
        return Ok(Scan::default());
    }
    if !out.is_dir() {
        return Err(Error::Usage(format!("{} exists and is not a folder; choose another output folder", out.display())));
    }
    let manifest = Manifest::read(out)?;
    let entries = crate::chart::writer::list_entries(out)?;
    let mut hashes = BTreeMap::new();
    if let Some(m) = &manifest {
        for rel in &entries {
            let key = rel.to_string_lossy().replace('\\', "/");
            if m.files.contains_key(&key) {
                hashes.insert(key, m.file_hash.of_file(&out.join(rel)).unwrap_or_default());
            }
        }
    }
    Ok(Scan { exists: true, manifest, entries, hashes })
}

/// Decide what happens to `out`'s current content (see [`plan_scanned`]).
pub fn plan(out: &Path, files: &Files, force: bool) -> Result<Plan> {
    plan_scanned(out, scan(out)?, files, force)
}

/// Decide what happens to `out`'s current content, as [`scan`] found it. Refuses (exit 2):
/// - a folder clowd2helm did not write (no manifest) that is not empty, unless `force`;
/// - a generated file edited by hand, unless `force` (which discards the edit);
/// - a file of the user's where the chart puts one of its own, even with `force`: a file the
///   tool did not write is never overwritten or deleted.
fn plan_scanned(out: &Path, scan: Scan, files: &Files, force: bool) -> Result<Plan> {
    let mut plan = Plan::default();
    if !scan.exists {
        return Ok(plan);
    }
    let Scan { manifest, entries, hashes, .. } = scan;
    if manifest.is_none() && !entries.is_empty() && !force {
        let shown: Vec<String> = entries.iter().take(3).map(|p| p.display().to_string()).collect();
        let more = if entries.len() > 3 { format!(" and {} more", entries.len() - 3) } else { String::new() };
        return Err(InputError::whole(&out.display().to_string(), format!("the folder exists and was not written by clowd2helm (it has no {PATH}; it holds {}{more})", shown.join(", ")))
            .hint("choose a new or empty folder for the chart, or pass --force to add the chart to this one (every file already there is kept; none may sit where the chart writes its own)")
            .into());
    }
    let generated_before: BTreeMap<String, String> = manifest.map(|m| m.files).unwrap_or_default();
    let mut edits = Vec::new();
    let mut in_the_way = Vec::new();
    for rel in entries {
        let key = rel.to_string_lossy().replace('\\', "/");
        if key == PATH {
            continue;
        }
        match generated_before.get(&key) {
            Some(hash) => {
                let now = hashes.get(&key).map(String::as_str).unwrap_or_default();
                if now != hash {
                    if force {
                        plan.overwritten_edits.push(key.clone());
                    } else {
                        edits.push(key.clone());
                    }
                }
                if !files.contains_key(&key) && (force || now == hash) {
                    plan.removed.push(key);
                }
            }
            // The user's: kept, unless the chart needs its place (the same path, or a folder
            // where the user has a file or link).
            None if files.contains_key(&key) || files.keys().any(|f| f.starts_with(&format!("{key}/"))) => in_the_way.push(key),
            None => plan.keep.push(rel),
        }
    }
    if !in_the_way.is_empty() {
        return Err(InputError::whole(&out.display().to_string(), format!("refusing to overwrite files clowd2helm did not write: {}", in_the_way.join(", ")))
            .hint("the chart writes its own file at each of these paths: move or rename yours (even --force never overwrites a file the tool did not write)")
            .into());
    }
    if !edits.is_empty() {
        return Err(InputError::whole(&out.display().to_string(), format!("refusing to overwrite generated files edited by hand: {}", edits.join(", ")))
            .hint("move your change into an overlay (--overrides FILE) so it survives regeneration, or pass --force to discard it")
            .into());
    }
    Ok(plan)
}
