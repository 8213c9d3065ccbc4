//! "Did you mean" for misspelt field names.

/// Edit distance between two short names: insertions, deletions, substitutions and swaps of
/// two neighbouring letters (`valeu` → `value`), each counting one.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i letters of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    d[0] = (0..=b.len()).collect();
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(did_you_mean("valeu", ["name", "value", "valueFrom"]), Some("value"), "swapped letters count once");
        assert_eq!(did_you_mean("jbso", known), None, "two edits in a four-letter word is a different word");
        assert_eq!(did_you_mean("replicas", known), None);
    }
}
