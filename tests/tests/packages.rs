//! Tools we did not write, unmodified: uutils coreutils (one multicall
//! binary, a link per utility in `/bin`) run from our shell, and Debian's
//! static glibc busybox, whose `ash` is the console program here, with
//! its applets, pipes, redirection, `/proc`, `ps`, ^C and ^Z/bg/jobs.
//! Both are driven as a person would, typing into the serial line.
//!
//! `cargo xtask test` packs coreutils only when a cached build is there
//! (`cargo xtask build` makes it; its cold build does not fit the suite's
//! budget) and passes busybox's archive as `BUSYBOX_INITRD` when it could
//! fetch `busybox-static`; a test without its package prints why and
//! skips (TEAM_NOTES/coreutils-and-busybox.md). TCG: this machine's KVM
//! cannot run user code.

use std::path::PathBuf;
use std::time::Duration;

use qemu_tests::*;

/// How long one command may take (TCG on a loaded 2-core host).
const STEP: Duration = Duration::from_secs(60);
/// A foreground job that says when it runs (it holds the terminal by
/// then: the shell hands it over before the job's program starts).
const ANNOUNCED_JOB: &str = "sh -c 'echo START''ED; exec sleep 50'\r";

/// A shell on the console, typed into as a person would: after its prompt.
struct Shell {
    session: QemuSession,
    /// The end of its prompt.
    prompt: &'static str,
}

impl Shell {
    /// Waits for the next prompt, then types `text`.
    fn type_after_prompt(&mut self, text: &str) {
        self.session
            .wait_for(self.prompt, STEP)
            .unwrap_or_else(|error| panic!("no prompt: {error}"));
        self.session
            .type_text(text)
            .expect("type into the serial line");
    }
}

/// Types `command` and a marker echo; returns what the console showed
/// from the typed line to the marker's output (the typed text shows the
/// marker quoted, `END''MARK`, the output as `ENDMARK`).
fn run(shell: &mut Shell, command: &str) -> String {
    shell.type_after_prompt(&format!("{command}; echo END''MARK\r"));
    shell
        .session
        .wait_for("ENDMARK", STEP)
        .unwrap_or_else(|error| panic!("`{command}`: {error}"))
}

/// Runs `command` and checks that its output holds each of `expected`
/// (which the command itself must not contain, or the echo would match).
fn check(shell: &mut Shell, command: &str, expected: &[&str]) {
    let shown = run(shell, command);
    for text in expected {
        assert!(
            !command.contains(text),
            "`{command}` itself contains {text:?}: the test would prove nothing"
        );
        assert!(
            shown.contains(text),
            "`{command}` should print {text:?}; the console showed:\n{shown}"
        );
    }
}

/// Starts [`ANNOUNCED_JOB`] and, once it runs, types `control` (^C, ^Z).
fn signal_job(shell: &mut Shell, control: u8) {
    shell.type_after_prompt(ANNOUNCED_JOB);
    shell
        .session
        .wait_for("STARTED", STEP)
        .unwrap_or_else(|error| panic!("{error}"));
    shell
        .session
        .send(&[control])
        .expect("type into the serial line");
}

/// Boots `initrd` with init running `program` on the console.
fn start(initrd: PathBuf, program: &str, prompt: &'static str) -> Shell {
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(timeout(5)),
        initrd: Some(initrd),
        ..config(2, &["--", program])
    };
    Shell {
        session: QemuSession::start(&cfg).expect("start QEMU"),
        prompt,
    }
}

/// `exit`: init reports the shell's status 0 and powers off. No system
/// call but those in `tolerated` (numbers whose ENOSYS the program copes
/// with) was missing.
fn end(mut shell: Shell, program: &str, tolerated: &[u64]) {
    shell.type_after_prompt("exit\r");
    let result = shell.session.finish(STEP).expect("QEMU ends");
    assert_outcome(&result, Outcome::PowerOff);
    assert_line_contains(&result, &format!("init: {program} exited with status 0"));
    assert_no_line_contains(&result, PANIC);
    for line in result.serial.lines().filter(|line| line.contains("unimplemented system call")) {
        assert!(
            tolerated.iter().any(|number| line.contains(&format!("system call {number} "))),
            "{program} needed a missing system call: {line}"
        );
    }
}

/// `splice`: uutils copies with read and write instead.
const SPLICE: u64 = 275;
/// `rseq`: glibc runs without it.
const RSEQ: u64 = 334;

#[test]
fn coreutils_utilities_run_from_their_links_in_bin() {
    let initrd = initramfs();
    if !archive_has(&initrd, "bin/coreutils") {
        println!(
            "skipped: {} has no bin/coreutils; `cargo xtask test` packs it only when `cargo xtask build` \
             has built it before (the cold build does not fit the suite's time budget)",
            initrd.display()
        );
        return;
    }
    let mut shell = start(initrd, "/bin/sh", "/ $ ");
    check(
        &mut shell,
        "ls -l /bin/ls /bin/coreutils | tr a-z A-Z",
        &["/BIN/LS -> COREUTILS", "ROOT ROOT", "/BIN/COREUTILS"],
    );
    check(
        &mut shell,
        "seq 70 75 | sort -r | head -n 2 | tail -n 1 | tr 0-9 A-J",
        &["\nHE\r"],
    );
    check(
        &mut shell,
        "echo one two three | wc -w | tr 0-9 A-J",
        &["\nD\r"],
    );
    check(
        &mut shell,
        "printf 'b\\na\\nb\\n' | sort | uniq -c | tr a-z A-Z",
        &["1 A\r", "2 B\r"],
    );
    check(
        &mut shell,
        "mkdir -p /tmp/p/q && touch /tmp/p/f && cp /tmp/p/f /tmp/p/g && mv /tmp/p/g /tmp/p/h && rm /tmp/p/f && ls /tmp/p | tr a-z A-Z",
        &["\nH\r\nQ\r"],
    );
    check(
        &mut shell,
        "rm -r /tmp/p && ls /tmp/p",
        &["No such file or directory"],
    );
    check(
        &mut shell,
        "uname -s -m | tr a-z A-Z; date -u +DATE%Y | tr 0-9 A-J",
        &["LINUX X86_64", "DATECAC"],
    );
    check(
        &mut shell,
        "env GREETING=hi printenv GREETING | tr a-z A-Z; yes ab | head -n 2 | tr a-z A-Z",
        &["\nHI\r", "AB\r\nAB\r"],
    );
    check(
        &mut shell,
        "sleep 0.2 && true && echo T''RUE; false || echo F''ALSE",
        &["TRUE", "FALSE"],
    );
    end(shell, "/bin/sh", &[SPLICE]);
}

#[test]
fn busybox_ash_runs_its_applets_pipes_and_jobs_on_the_console() {
    let initrd = match busybox_initramfs() {
        Ok(path) => path,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let mut shell = start(initrd, "/busybox/bin/sh", " # ");
    check(
        &mut shell,
        "ls -l /busybox/bin/ls | tr a-z A-Z",
        &["/BUSYBOX/BIN/LS -> BUSYBOX"],
    );
    // A pipeline run by a non-interactive `sh -c`.
    check(
        &mut shell,
        "sh -c 'echo one two three | wc -w | tr 0-9 A-J'",
        &["\nD\r"],
    );
    check(
        &mut shell,
        "echo redirected > /tmp/r && cat < /tmp/r | tr a-z A-Z",
        &["\nREDIRECTED\r"],
    );
    check(
        &mut shell,
        "cat /proc/uptime /proc/loadavg | wc -l | tr 0-9 A-J",
        &["\nC\r"],
    );
    check(
        &mut shell,
        "/busybox/bin/ps | tr a-z A-Z",
        &["PID", "COMMAND", "/BUSYBOX/BIN/SH"],
    );
    // A relative path: glibc passes AT_FDCWD as a 32-bit int.
    check(&mut shell, "(cd /busybox && ls bin/ls) | tr a-z A-Z", &["\nBIN/LS\r"]);
    // `id` needs getgroups.
    check(&mut shell, "id > /dev/null; echo I''D=$?", &["ID=0"]);
    check(&mut shell, "id | tr a-z A-Z", &["UID=0(ROOT) GID=0(ROOT)"]);
    // statfs: the root filesystem in memory, and /proc.
    check(&mut shell, "stat -f / /proc | tr a-z A-Z", &["TYPE: TMPFS", "TYPE: PROC"]);
    check(
        &mut shell,
        "seq 3 | sort -r | awk '{ printf \"%s-\", $1 * 7 }'",
        &["21-14-7-"],
    );

    // ^C ends the foreground job, not the shell.
    signal_job(&mut shell, 0x03);
    check(&mut shell, "echo ST''ATUS $?", &["STATUS 130"]);
    // ^Z stops it; bg resumes it in the background; kill %1 ends it.
    signal_job(&mut shell, 0x1a);
    shell
        .session
        .wait_for("Stopped", STEP)
        .unwrap_or_else(|error| panic!("{error}"));
    check(&mut shell, "bg; jobs", &["Running"]);
    check(&mut shell, "kill %1; wait %1; echo W''AITED $?", &["WAITED 143"]);
    end(shell, "/busybox/bin/sh", &[RSEQ]);
}
