//! Unified diffs between two sets of chart files (`check`, `diff`).

use crate::chart::Files;
use similar::TextDiff;

/// How one file differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// Paths that differ between `old` and `new`, in path order.
pub fn changes(old: &Files, new: &Files) -> Vec<(String, Status)> {
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|p| match (old.get(p), new.get(p)) {
            (None, Some(_)) => Some((p.clone(), Status::Added)),
            (Some(_), None) => Some((p.clone(), Status::Removed)),
            (Some(a), Some(b)) if a != b => Some((p.clone(), Status::Changed)),
            _ => None,
        })
        .collect()
}

/// One file's unified diff, git style (`a/PATH`, `b/PATH`, `/dev/null` for a missing side).
pub fn unified(path: &str, old: Option<&str>, new: Option<&str>) -> String {
    let a = if old.is_some() { format!("a/{path}") } else { "/dev/null".into() };
    let b = if new.is_some() { format!("b/{path}") } else { "/dev/null".into() };
    let (old, new) = (old.unwrap_or(""), new.unwrap_or(""));
    TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(&a, &b).to_string()
}

/// The unified diff of every file that differs.
pub fn unified_all(old: &Files, new: &Files) -> String {
    changes(old, new).iter().map(|(p, _)| unified(p, old.get(p).map(String::as_str), new.get(p).map(String::as_str))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_added_removed_and_changed_files() {
        let old: Files = [("a.yaml", "x: 1\n"), ("gone.yaml", "y\n"), ("same", "s\n")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let new: Files = [("a.yaml", "x: 2\n"), ("new.yaml", "z\n"), ("same", "s\n")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let c = changes(&old, &new);
        assert_eq!(c, vec![("a.yaml".into(), Status::Changed), ("gone.yaml".into(), Status::Removed), ("new.yaml".into(), Status::Added)]);
        let d = unified_all(&old, &new);
        assert!(d.contains("--- a/a.yaml\n+++ b/a.yaml\n@@ -1 +1 @@\n-x: 1\n+x: 2\n"), "{d}");
        assert!(d.contains("--- a/gone.yaml\n+++ /dev/null\n"), "{d}");
        assert!(d.contains("--- /dev/null\n+++ b/new.yaml\n"), "{d}");
    }
}
