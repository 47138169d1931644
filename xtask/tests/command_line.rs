//! The `xtask` binary's answer to bad `--add` / `--initrd` values: a clear
//! message and exit status 2, before anything is built or booted.

use std::process::{Command, Output};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");
const USAGE_EXIT: i32 = 2;

fn xtask(args: &[&str]) -> Output {
    Command::new(XTASK).args(args).output().expect("run the xtask binary")
}

fn assert_usage_error(args: &[&str], message: &str) {
    let output = xtask(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(USAGE_EXIT), "xtask {args:?}: {stderr}");
    assert!(stderr.contains(message), "xtask {args:?} said: {stderr}");
    assert!(!stderr.contains("Compiling") && output.stdout.is_empty(), "nothing ran: {stderr}");
}

#[test]
fn a_missing_add_path_exits_2() {
    assert_usage_error(&["run", "--add", "/no/such/prog"], "xtask: --add '/no/such/prog': cannot use host path");
}

#[test]
fn a_relative_guest_path_exits_2() {
    assert_usage_error(&["run", "--add", "/bin/sh:bin/sh"], "must be absolute");
}

#[test]
fn a_missing_or_foreign_initrd_exits_2() {
    assert_usage_error(&["run", "--initrd", "/no/such.cpio"], "xtask: --initrd /no/such.cpio: cannot read it");
    assert_usage_error(&["run", "--initrd", XTASK], "not a newc cpio archive");
}

#[test]
fn help_mentions_the_initramfs_options() {
    let output = xtask(&["help"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--add HOST[:GUEST]") && text.contains("--initrd FILE"), "{text}");
}
