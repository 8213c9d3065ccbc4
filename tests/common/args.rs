//! Extra `convert` arguments a fixture needs, from `<fixture>.args` beside it (whitespace
//! separated, e.g. `--param OWNER=inventory`), as a user would type them.

use std::path::Path;

pub fn convert_args(input: &Path) -> Vec<String> {
    std::fs::read_to_string(input.with_extension("args")).map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
}
