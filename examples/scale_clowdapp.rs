//! Write a ClowdApp template with its deployments and parameters multiplied (for benchmarks).
//!
//! ```text
//! cargo run --release --example scale_clowdapp -- INPUT FACTOR > scaled.yaml
//! ```
//! See `benches/support/scale.rs` for how copies are renamed.

#[path = "../benches/support/scale.rs"]
mod scale;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, factor] = args.as_slice() else {
        eprintln!("usage: scale_clowdapp INPUT FACTOR > OUTPUT");
        std::process::exit(2);
    };
    let factor: usize = factor.parse().unwrap_or_else(|_| {
        eprintln!("FACTOR must be a positive whole number, got `{factor}`");
        std::process::exit(2);
    });
    let text = std::fs::read_to_string(input).unwrap_or_else(|e| {
        eprintln!("cannot read {input}: {e}");
        std::process::exit(2);
    });
    print!("{}", scale::scale(&text, factor.max(1)));
}
