//! Paths as reports show them: relative, never the machine's absolute layout. A report may be
//! committed, shared or diffed between machines; `/home/someone/...` means nothing elsewhere.

use std::path::{Component, Path, PathBuf};

/// `path` for a report: as given when relative; else relative to the working folder when they
/// share more than the root (`../shared/x.yaml`); else the file name alone.
pub fn shown(path: &str) -> String {
    let p = Path::new(path);
    if !p.is_absolute() {
        return path.to_string();
    }
    let cwd = std::env::current_dir().ok();
    if let Some(rel) = cwd.as_deref().and_then(|c| relative(p, c)) {
        return rel.display().to_string();
    }
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "-".into())
}

/// `path` relative to `base` (both absolute), when they share at least one folder below the root.
fn relative(path: &Path, base: &Path) -> Option<PathBuf> {
    let a: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    // Only the root in common: a relative path would climb to `/` and spell the layout out.
    if common < 2 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c.as_os_str());
    }
    Some(if out.as_os_str().is_empty() { PathBuf::from(".") } else { out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_absolute() {
        assert_eq!(shown("fixtures/a.yaml"), "fixtures/a.yaml");
        assert_eq!(relative(Path::new("/w/r/f/a.yaml"), Path::new("/w/r")).unwrap(), PathBuf::from("f/a.yaml"));
        assert_eq!(relative(Path::new("/w/s/a.yaml"), Path::new("/w/r")).unwrap(), PathBuf::from("../s/a.yaml"));
        assert_eq!(relative(Path::new("/tmp/a.yaml"), Path::new("/w/r")), None);
        assert!(!shown("/nowhere-in-common/a.yaml").starts_with('/'));
    }
}
