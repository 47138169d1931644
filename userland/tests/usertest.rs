//! `usertest` run as a program on Linux: every check passes here, as it
//! must in our kernel. Verdict lines are read back with `parse_verdict`.

mod programs;
use programs::{run, stdout};
use userland::usertest::verdict::parse_verdict;

const USERTEST: &str = env!("CARGO_BIN_EXE_usertest");
const HELLO: &str = env!("CARGO_BIN_EXE_hello");

/// Runs `usertest args` and asserts exit 0 and a PASS line for each of `names`.
fn assert_passes(args: &[&str], names: &[&str]) {
    let output = run(USERTEST, args);
    let text = stdout(&output);
    let verdicts: Vec<(&str, bool)> = text.lines().filter_map(parse_verdict).collect();
    let expected: Vec<(&str, bool)> = names.iter().map(|name| (*name, true)).collect();
    assert_eq!(verdicts, expected, "usertest {args:?} printed:\n{text}");
    assert_eq!(
        output.status.code(),
        Some(0),
        "usertest {args:?} printed:\n{text}"
    );
}

#[test]
fn threads() {
    assert_passes(&["threads"], &["threads"]);
}

#[test]
fn fs_in_the_temp_dir() {
    assert_passes(&["fs", &std::env::temp_dir().to_string_lossy()], &["fs"]);
}

#[test]
fn spawn_runs_hello() {
    assert_passes(&["spawn", HELLO], &["spawn"]);
}

#[test]
fn pipe_between_processes() {
    assert_passes(&["pipe"], &["pipe"]);
}

#[test]
fn cow_isolation() {
    assert_passes(&["cow"], &["cow"]);
}

#[test]
fn every_fault_kind_kills_only_the_child() {
    assert_passes(
        &["fault", "all"],
        &[
            "fault-null-deref",
            "fault-write-readonly",
            "fault-exec-stack",
            "fault-ud2",
            "fault-divide-by-zero",
            "fault-stack-overflow",
            "fault-kernel-pointer",
        ],
    );
}

#[test]
fn a_failing_check_prints_fail_and_exits_1() {
    let output = run(USERTEST, &["spawn", "/no/such/hello"]);
    assert!(
        stdout(&output).contains("USERTEST FAIL spawn: cannot run /no/such/hello: "),
        "{}",
        stdout(&output)
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn bad_usage_exits_2() {
    let output = run(USERTEST, &["fault", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown fault kind 'nope'"));
}
