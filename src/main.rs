//! The `clowd2helm` command line. Argument parsing and printing only: the work is in the library.
//! Each subcommand lives in its own module under `cli/`.

mod cli;

/// The conversion allocates many small strings and trees; mimalloc roughly halves that cost.
/// Version 2 (the `v2` feature): for a short process it touches about a third less fresh
/// memory than version 3, whose page zeroing was a fifth of a conversion (docs/performance.md).
#[global_allocator]
static ALLOCATOR: Mimalloc = Mimalloc;

/// mimalloc through its plain entry points where malloc's 16-byte alignment suffices (the test
/// std's own System allocator makes): the `mimalloc` crate calls the aligned ones for every
/// allocation, each a few dozen instructions longer, and a Koku conversion makes 250,000.
struct Mimalloc;

unsafe extern "C" {
    // Linked in by the `mimalloc` crate.
    fn mi_malloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_zalloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_realloc(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
}

const MALLOC_ALIGN: usize = 16;

unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= layout.size() {
            unsafe { mi_malloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= layout.size() {
            unsafe { mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= new_size {
            unsafe { mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

use clap::{Parser, Subcommand};
use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "clowd2helm",
    version,
    about = "Turn Clowder ClowdApps into a plain Helm chart and a gap report",
    after_help = "Exit codes: 0 success; 1 drift or differences, where a command reports them; 2 bad input or usage (the message names file:line); 3 a tool or the file system failed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a template into a Helm chart (with GAP_REPORT.md and gap-report.json).
    #[command(after_help = "Exit codes: 0 chart written; 2 bad input or usage (the message names file:line; nothing written); 3 a tool or the file system failed (the folder is left as it was).")]
    Convert(cli::convert::Args),
    /// Print the gap report without writing a chart; compare with an existing chart.
    #[command(after_help = "Exit codes: 0 report printed; 2 bad input or usage (the message names file:line); 3 helm or the file system failed.")]
    Gap(cli::gap::Args),
    /// Exit 1 and show a diff when regenerating would change the chart folder.
    #[command(after_help = "Exit codes: 0 the chart is up to date; 1 regenerating would change it (diff on stdout); 2 bad input or usage; 3 the file system failed. Nothing is written.")]
    Check(cli::check::Args),
    /// What an upstream change of the template does to the chart.
    #[command(after_help = "Exit codes: 0 no change; 1 the chart would change (summary and diff on stdout); 2 bad input or usage; 3 the file system failed.")]
    Diff(cli::diff::Args),
    /// Render the chart with helm and prove it matches what Clowder would have run.
    #[command(after_help = "Exit codes: 0 the chart renders what Clowder would have run; 1 differences or violated invariants (listed on stdout); 2 bad input or usage (wrong template or chart folder, malformed --set); 3 helm or kubernetes-validate failed or is missing.")]
    Verify(cli::verify::Args),
}

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`clowd2helm diff A B | head`); Rust ignores SIGPIPE and would panic on the next print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let result = match Cli::parse().command {
        Command::Convert(a) => cli::convert::run(&a),
        Command::Gap(a) => cli::gap::run(&a),
        Command::Check(a) => cli::check::run(&a),
        Command::Diff(a) => cli::diff::run(&a),
        Command::Verify(a) => cli::verify::run(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(clowd2helm::error::Error::Input(e)) => {
            eprintln!("error: {}", e.headline());
            // The offending line, when the file can be read again.
            if let Some(snippet) = std::fs::read_to_string(&e.file).ok().and_then(|src| e.snippet(&src)) {
                for l in snippet.lines().skip(1) {
                    eprintln!("{l}");
                }
            }
            if let Some(h) = &e.hint {
                eprintln!("  hint: {h}");
            }
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
