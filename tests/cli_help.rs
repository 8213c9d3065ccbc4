//! `--help` of every command says what each exit code means, so scripts can rely on them.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_clowd2helm")).args(args).arg("--help").output().expect("run clowd2helm");
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_command_lists_its_exit_codes() {
    // (command, codes it uses)
    let commands: [(&[&str], &[&str]); 6] = [
        (&[], &["0", "1", "2", "3"]),
        (&["convert"], &["0", "2", "3"]),
        (&["gap"], &["0", "2", "3"]),
        (&["check"], &["0", "1", "2", "3"]),
        (&["diff"], &["0", "1", "2", "3"]),
        (&["verify"], &["0", "1", "2", "3"]),
    ];
    for (cmd, codes) in commands {
        let text = help(cmd);
        let line = text.lines().find(|l| l.starts_with("Exit codes:")).unwrap_or_else(|| panic!("{cmd:?} --help has no `Exit codes:` line:\n{text}"));
        for c in codes {
            assert!(line.contains(&format!(" {c} ")), "{cmd:?}: exit code {c} is explained: {line}");
        }
    }
    assert!(help(&["verify"]).contains("--set-string") && help(&["verify"]).contains("--full"));
}
