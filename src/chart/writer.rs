//! Writing the chart folder atomically: everything is staged in a sibling temporary folder and
//! swapped in with one `renameat2(RENAME_EXCHANGE)`, so the folder is either the old one or the
//! new one. Files the tool did not generate are carried over into the new folder.

use super::Files;
use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// Write `files` as the content of `out`, keeping `keep` (paths relative to `out`) from the
/// current folder.
pub fn replace_dir(out: &Path, files: &Files, keep: &[PathBuf]) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "chart".into());
    let stage = tempfile::Builder::new()
        .prefix(&format!(".{name}.clowd2helm-"))
        .tempdir_in(&parent)
        .map_err(|e| Error::io(format!("creating a staging folder in {}", parent.display()), e))?;
    for rel in keep {
        copy_entry(&out.join(rel), &stage.path().join(rel))?;
    }
    write_files(stage.path(), files)?;
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::Usage(format!("{} exists and is not a folder", out.display())));
        }
        exchange(stage.path(), out)?;
        // `stage` now holds the previous folder; dropping it removes it.
    } else {
        let staged = stage.keep();
        fs::rename(&staged, out).map_err(|e| Error::io(format!("moving the chart into {}", out.display()), e))?;
    }
    Ok(())
}

/// Folders first, then the files. (Two writer threads were tried: creating files in one folder
/// serialises in the file system, and system time doubled.)
fn write_files(root: &Path, files: &Files) -> Result<()> {
    let dirs: std::collections::BTreeSet<PathBuf> = files.keys().filter_map(|rel| root.join(rel).parent().map(Path::to_path_buf)).collect();
    for d in &dirs {
        fs::create_dir_all(d).map_err(|e| Error::io(format!("creating {}", d.display()), e))?;
    }
    for (rel, content) in files {
        let dest = root.join(rel);
        fs::write(&dest, content).map_err(|e| Error::io(format!("writing {}", dest.display()), e))?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(_) => exchange_fallback(a, b),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    exchange_fallback(a, b)
}

/// Two renames: not atomic, but never leaves a half-written folder at `b`.
fn exchange_fallback(a: &Path, b: &Path) -> Result<()> {
    let tmp = a.with_extension("old");
    fs::rename(b, &tmp).map_err(|e| Error::io(format!("moving {} aside", b.display()), e))?;
    fs::rename(a, b).map_err(|e| Error::io(format!("moving the chart into {}", b.display()), e))?;
    fs::rename(&tmp, a).map_err(|e| Error::io("restoring the staging folder", e))?;
    Ok(())
}

fn copy_entry(from: &Path, to: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(from).map_err(|e| Error::io(format!("reading {}", from.display()), e))?;
    if let Some(d) = to.parent() {
        fs::create_dir_all(d).map_err(|e| Error::io(format!("creating {}", d.display()), e))?;
    }
    if meta.file_type().is_symlink() {
        let target = fs::read_link(from).map_err(|e| Error::io(format!("reading link {}", from.display()), e))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, to).map_err(|e| Error::io(format!("copying link {}", from.display()), e))?;
    } else if meta.is_dir() {
        fs::create_dir_all(to).map_err(|e| Error::io(format!("creating {}", to.display()), e))?;
    } else {
        fs::copy(from, to).map_err(|e| Error::io(format!("copying {}", from.display()), e))?;
    }
    Ok(())
}

/// Every file, link and empty folder under `dir`, relative to it (sorted).
pub fn list_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name().into_iter().filter_map(|e| e.ok()) {
        let is_empty_dir = entry.file_type().is_dir() && fs::read_dir(entry.path()).map(|mut d| d.next().is_none()).unwrap_or(false);
        if (!entry.file_type().is_dir() || is_empty_dir)
            && let Ok(rel) = entry.path().strip_prefix(dir) {
                out.push(rel.to_path_buf());
            }
    }
    out
}
