//! The differential check of the YAML fast path (`src/source/yaml_fast.rs`) against
//! saphyr-parser, shared by `tests/yaml_fast.rs` and the mutation run of
//! `tests/fuzz_regressions.rs`: the fast path either declines or yields exactly saphyr's
//! `(Event, Span)` sequence (events, scalar values and styles, and every marker of every span).
//!
//! ```ignore
//! #[path = "common/yaml_fast.rs"]
//! mod yaml_fast;
//! ```
#![allow(dead_code)]

use saphyr_parser::{Event, Parser, Span};

/// saphyr-parser's events up to `StreamEnd`, or `None` if it stops at a scan error.
pub fn reference(text: &str) -> Option<Vec<(Event<'_>, Span)>> {
    let mut out = Vec::new();
    for next in Parser::new_from_str(text) {
        out.push(next.ok()?);
    }
    Some(out)
}

/// The fast path's events, or `None` if it declined.
pub fn fast(text: &str) -> Option<Vec<(Event<'_>, Span)>> {
    let mut out = Vec::new();
    clowd2helm::source::yaml_fast::events(text, |ev, span| out.push((ev, span))).ok()?;
    Some(out)
}

/// `Ok(true)` when the fast path produced saphyr's sequence, `Ok(false)` when it declined, and
/// `Err` describing the first difference otherwise.
pub fn check(text: &str) -> Result<bool, String> {
    let Some(got) = fast(text) else { return Ok(false) };
    let Some(want) = reference(text) else {
        return Err(format!("the fast path accepted ({} events) what saphyr-parser refuses", got.len()));
    };
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        return Err(format!(
            "event {i} differs:\n  fast:   {:?}\n  saphyr: {:?}\n  (before it: {:?})",
            got.get(i),
            want.get(i),
            i.checked_sub(1).and_then(|j| want.get(j))
        ));
    }
    Ok(true)
}
