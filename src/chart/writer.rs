//! Writing the chart folder atomically and durably.
//!
//! Everything is staged in a hidden sibling folder (same file system), made durable with one
//! sync, and swapped in with one `renameat2(RENAME_EXCHANGE)`: a reader, or the folder after a
//! crash, holds the old chart or the new one, never a mix. The user's own files are hard-linked
//! into the staged folder, so they keep their content, mode and identity. On any failure the
//! staged folder is removed and the target is left as it was.

use super::Files;
use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `files` as the content of `out`, keeping `keep` (paths relative to `out`, as listed by
/// [`list_entries`]) from the current folder.
pub fn replace_dir(out: &Path, files: &Files, keep: &[PathBuf]) -> Result<()> {
    check_target(out)?;
    // A symlink to a folder: write the folder it points at, and keep the link.
    let out = if out.is_symlink() { fs::canonicalize(out).map_err(|e| Error::io(format!("resolving the link {}", out.display()), e))? } else { out.to_path_buf() };
    let parent = parent_of(&out);
    fs::create_dir_all(&parent).map_err(|e| Error::io(format!("creating the folder {}", parent.display()), e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".into());
    let stage = tempfile::Builder::new().prefix(&format!(".{name}.clowd2helm-")).tempdir_in(&parent).map_err(|e| {
        // tempfile's message names the random staging path, which never existed: say what failed.
        Error::io(format!("cannot write {}: the chart is staged in {} first, and that folder is not writable", out.display(), parent.display()), std::io::Error::from(e.kind()))
    })?;
    let mut modes = Vec::new();
    for rel in keep {
        carry(&out, stage.path(), rel, &mut modes)?;
    }
    write_files(stage.path(), files)?;
    // The user's folders get their modes back last (a read-only one would refuse the files).
    for (dir, mode) in modes.into_iter().rev() {
        fs::set_permissions(&dir, mode).map_err(|e| Error::io(format!("setting the mode of {}", dir.display()), e))?;
    }
    make_durable(stage.path(), files)?;
    if out.exists() {
        swap(stage.path(), &out)?;
        sync_dir(&parent)?;
        // `stage` now names the previous folder.
        remove_previous(stage)?;
    } else {
        rename_noreplace(stage.path(), &out)?;
        let _ = stage.keep(); // moved into place: nothing left to remove
        sync_dir(&parent)?;
    }
    Ok(())
}

/// Refuse an output folder that holds the current directory: replacing it as a whole would
/// pull the folder out from under the user's shell (and Linux refuses to rename `.`).
pub fn check_target(out: &Path) -> Result<()> {
    let (Ok(target), Ok(cwd)) = (fs::canonicalize(out), std::env::current_dir().and_then(fs::canonicalize)) else { return Ok(()) };
    if cwd.starts_with(&target) {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".into());
        let up = target.parent().map(|p| p.display().to_string()).unwrap_or_else(|| "..".into());
        return Err(Error::Usage(format!(
            "-o {} is the folder you are working in (or holds it), and clowd2helm replaces the output folder as a whole: write the chart into a sub-folder (`-o chart`), or run from {up} with `-o {name}`",
            out.display()
        )));
    }
    Ok(())
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
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
        fs::File::create_new(&dest)
            .and_then(|mut f| f.write_all(content.as_bytes()))
            .map_err(|e| Error::io(format!("writing {}", dest.display()), e))?;
    }
    Ok(())
}

/// Make the staged folder's content durable before it is swapped in, so that after a crash the
/// target never holds empty or partial files. On Linux one `syncfs` flushes the file system
/// (one journal commit instead of one per file); elsewhere each file and folder is synced.
#[cfg(target_os = "linux")]
fn make_durable(stage: &Path, _files: &Files) -> Result<()> {
    let dir = fs::File::open(stage).map_err(|e| Error::io(format!("opening {}", stage.display()), e))?;
    rustix::fs::syncfs(&dir).map_err(|e| Error::io("syncing the staged chart to disk", e.into()))
}

#[cfg(not(target_os = "linux"))]
fn make_durable(stage: &Path, files: &Files) -> Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for rel in files.keys() {
        let p = stage.join(rel);
        fs::File::open(&p).and_then(|f| f.sync_all()).map_err(|e| Error::io(format!("syncing {}", p.display()), e))?;
        dirs.extend(p.ancestors().skip(1).take_while(|a| a.starts_with(stage)).map(Path::to_path_buf));
    }
    for d in dirs {
        sync_dir(&d)?;
    }
    Ok(())
}

/// Persist a folder's entries (the rename that put the chart in place).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::io(format!("syncing {}", dir.display()), e))?;
    let _ = dir;
    Ok(())
}

/// Swap the staged folder `a` with the target `b`.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // The file system (or kernel) has no exchange: two renames instead.
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => swap_by_renames(a, b),
        Err(e) => Err(Error::io(format!("putting the new chart in place at {}", b.display()), e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> Result<()> {
    swap_by_renames(a, b)
}

/// `b` → aside, `a` → `b`, aside → `a`: not atomic, but `b` is never half-written, and a failure
/// of the second rename puts `b` back.
fn swap_by_renames(a: &Path, b: &Path) -> Result<()> {
    let aside = a.with_extension("previous");
    fs::rename(b, &aside).map_err(|e| Error::io(format!("moving {} aside", b.display()), e))?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(Error::io(format!("putting the new chart in place at {}", b.display()), e));
    }
    fs::rename(&aside, a).map_err(|e| Error::io(format!("removing the previous chart from {}", aside.display()), e))
}

/// Move the staged folder to `out`, which must not exist (a folder created meanwhile by someone
/// else is not replaced).
fn rename_noreplace(from: &Path, out: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        use rustix::io::Errno;
        match renameat_with(CWD, from, CWD, out, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {}
            Err(e) => return Err(Error::io(format!("moving the chart into {}", out.display()), e.into())),
        }
    }
    fs::rename(from, out).map_err(|e| Error::io(format!("moving the chart into {}", out.display()), e))
}

/// Remove the previous folder (now at the staging path). Its folders may be read-only (a user's
/// folder, carried over by links): make them writable first, they are about to go.
fn remove_previous(stage: tempfile::TempDir) -> Result<()> {
    let path = stage.path().to_path_buf();
    if stage.close().is_ok() {
        return Ok(());
    }
    #[cfg(unix)]
    for entry in walkdir::WalkDir::new(&path).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_dir()) {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o700));
    }
    fs::remove_dir_all(&path).map_err(|e| Error::io(format!("the new chart is in place, but the previous one could not be removed from {}", path.display()), e))
}

/// Carry one entry of the user's (file, link, special file or empty folder) into the staged
/// folder: a hard link where possible (same content, mode and inode), else a copy.
fn carry(out: &Path, stage: &Path, rel: &Path, modes: &mut Vec<(PathBuf, fs::Permissions)>) -> Result<()> {
    let from = out.join(rel);
    let to = stage.join(rel);
    let meta = fs::symlink_metadata(&from).map_err(|e| Error::io(format!("reading {}", from.display()), e))?;
    if let Some(d) = rel.parent() {
        make_dirs_like(out, stage, d, modes)?;
    }
    let failed = |e| Error::io(format!("keeping your file {}", from.display()), e);
    if meta.is_dir() {
        make_dirs_like(out, stage, rel, modes)?;
    } else if meta.file_type().is_symlink() {
        let target = fs::read_link(&from).map_err(failed)?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &to).map_err(failed)?;
        #[cfg(not(unix))]
        fs::copy(&from, &to).map_err(failed)?;
    } else if fs::hard_link(&from, &to).is_err() {
        fs::copy(&from, &to).map_err(failed)?;
    }
    Ok(())
}

/// Create `rel` (a folder path) under `stage`; the mode each level has under `out` is noted in
/// `modes`, to be applied once everything is written.
fn make_dirs_like(out: &Path, stage: &Path, rel: &Path, modes: &mut Vec<(PathBuf, fs::Permissions)>) -> Result<()> {
    let mut cur = PathBuf::new();
    for part in rel.components() {
        cur.push(part);
        let to = stage.join(&cur);
        if to.is_dir() {
            continue;
        }
        fs::create_dir(&to).map_err(|e| Error::io(format!("creating {}", to.display()), e))?;
        if let Ok(m) = fs::symlink_metadata(out.join(&cur))
            && m.is_dir()
        {
            modes.push((to, m.permissions()));
        }
    }
    Ok(())
}

/// Every file, link and empty folder under `dir`, relative to it (sorted). An entry that cannot
/// be read is an error: silently leaving it out would delete it with the previous folder.
pub fn list_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let at = e.path().map(|p| p.display().to_string()).unwrap_or_else(|| dir.display().to_string());
            Error::io(format!("reading {at} (every file there must be readable so that it can be kept)"), e.into())
        })?;
        let is_empty_dir = entry.file_type().is_dir() && fs::read_dir(entry.path()).map(|mut d| d.next().is_none()).unwrap_or(false);
        if (!entry.file_type().is_dir() || is_empty_dir)
            && let Ok(rel) = entry.path().strip_prefix(dir)
        {
            out.push(rel.to_path_buf());
        }
    }
    Ok(out)
}
