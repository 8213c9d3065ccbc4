//! "Did you mean" for misspelt field names.

/// Edit distance (insertions, deletions, substitutions) between two short names.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate `word` most likely misspells: the same name in another case, else the nearest
/// one within a third of its length (at least 1, at most 3 edits).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let budget = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = if c.to_ascii_lowercase() == lower { 0 } else { distance(&lower, &c.to_ascii_lowercase()) };
        if d <= budget && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let known = ["deployments", "jobs", "envName", "podSpec", "database"];
        assert_eq!(did_you_mean("deployment", known), Some("deployments"));
        assert_eq!(did_you_mean("podspec", known), Some("podSpec"));
        assert_eq!(did_you_mean("databse", known), Some("database"));
        assert_eq!(did_you_mean("jbos", known), None, "two edits in a four-letter word is a different word");
        assert_eq!(did_you_mean("replicas", known), None);
    }
}
