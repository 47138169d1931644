//! `init` run as a program on the host (not PID 1, so it exits with the
//! program's status instead of powering off, and reaps orphans as a
//! subreaper).

mod programs;
use programs::{run, stdout};

const INIT: &str = env!("CARGO_BIN_EXE_init");
const HELLO: &str = env!("CARGO_BIN_EXE_hello");

#[test]
fn runs_the_program_reports_its_status_and_exits_with_it() {
    let output = run(INIT, &["--", HELLO, "--exit", "5"]);
    let text = stdout(&output);
    assert!(text.contains("hello from user space"), "{text}");
    assert!(
        text.contains(&format!("init: {HELLO} exited with status 5\n")),
        "{text}"
    );
    assert!(
        text.contains("init: not PID 1, so exiting with status 5 instead of powering off"),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(5));
}

#[test]
fn a_program_killed_by_a_signal_is_named_and_gives_128_plus_signal() {
    let output = run(INIT, &["sh", "-c", "kill -SEGV $$"]);
    assert!(
        stdout(&output).contains("init: sh killed by signal 11 (SIGSEGV)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(output.status.code(), Some(128 + 11));
}

#[test]
fn a_missing_program_gives_127_with_a_message() {
    let output = run(INIT, &["--", "/no/such/program"]);
    assert!(
        stdout(&output).contains("init: cannot run /no/such/program: "),
        "{}",
        stdout(&output)
    );
    assert_eq!(output.status.code(), Some(127));
}

#[test]
fn orphans_are_reaped_while_the_program_runs() {
    // The subshell starts a grandchild and exits at once: the grandchild is
    // orphaned, re-parented to init, and ends with status 3.
    let output = run(INIT, &["sh", "-c", "(sh -c 'exit 3' &); sleep 0.3; exit 4"]);
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|line| line.starts_with("init: reaped orphan ")
                && line.ends_with(": exited with status 3")),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(4));
}

/// As PID 1 of a new PID namespace (root and `unshare` needed, else
/// skipped), init really calls `reboot(POWER_OFF)`: Linux answers that, in
/// a namespace, by killing the namespace's init with SIGINT (reboot(2)),
/// and `unshare` passes the signal on. Only the namespace ends.
#[test]
fn as_pid1_it_reports_and_powers_off() {
    use std::os::unix::process::ExitStatusExt;
    let probe = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "true"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        println!("skipped: cannot make a PID namespace here (needs root and unshare)");
        return;
    }
    let output = run(
        "unshare",
        &["--pid", "--fork", INIT, "--", HELLO, "--exit", "3"],
    );
    let text = stdout(&output);
    assert!(
        text.contains(&format!("init: {HELLO} exited with status 3\n")),
        "{text}"
    );
    assert!(
        text.contains("init: powering off (wait status 0x300)\n"),
        "{text}"
    );
    assert!(!text.contains("not PID 1"), "{text}");
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGINT),
        "reboot(POWER_OFF) in a PID namespace; {text}"
    );
}

#[test]
fn the_program_leads_its_own_session() {
    // Field 6 of /proc/PID/stat is the session id: the program's own pid.
    let output = run(INIT, &["sh", "-c", "echo $$; cut -d' ' -f6 /proc/$$/stat"]);
    let text = stdout(&output);
    let numbers: Vec<&str> = text.lines().take(2).collect();
    assert_eq!(numbers.len(), 2, "{text}");
    assert_eq!(numbers[0], numbers[1], "pid and session id: {text}");
}

#[test]
fn sigusr2_and_sigterm_request_a_clean_power_off() {
    for signal in ["USR2", "TERM"] {
        // The program signals init, then would sleep for a minute: init
        // ends it (SIGTERM) and exits 0 instead of waiting.
        let script = format!("kill -{signal} $PPID; exec sleep 60");
        let output = run(INIT, &["sh", "-c", &script]);
        let text = stdout(&output);
        assert!(
            text.contains(&format!("init: power-off requested (SIG{signal})\n")),
            "{text}"
        );
        assert_eq!(output.status.code(), Some(0), "{text}");
    }
}
