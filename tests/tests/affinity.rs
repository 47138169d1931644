//! CPU affinity as a CPU set, typed at `/bin/sh` on the serial line (one
//! TCG boot at 4 CPUs): `affinitycheck` (the system calls' Linux rules,
//! moving the caller and another thread before the call returns,
//! inheritance); `taskset -c 1,3 stress 4 2` runs every thread on CPUs 1
//! and 3 only, and on both; `taskset -p` / `-cp` print and set a process's
//! CPUs in util-linux's format; `/proc/[pid]/status` shows
//! `Cpus_allowed` and `Cpus_allowed_list`, `/proc/[pid]/stat` the CPU in
//! field 39; bad input fails with one line and status 1. Each command is
//! followed by the status echo of `qemu_tests::run_command`.

use std::collections::BTreeSet;

use qemu_tests::*;

const CPUS: u32 = 4;

/// Runs `line`, checks it failed with status 1 and printed `message`.
fn run_failing(session: &mut QemuSession, line: &str, message: &str) {
    let (output, status) = run_command(session, line);
    assert_eq!(status, 1, "{line} should fail with status 1:\n{output}");
    assert!(
        output.lines().any(|row| row == message),
        "{line} should print {message:?}:\n{output}"
    );
}

/// The CPUs of a list such as `0,2-3`.
fn parse_list(list: &str) -> BTreeSet<usize> {
    let mut cpus = BTreeSet::new();
    for part in list.split(',') {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        cpus.extend(first.parse::<usize>().expect("a CPU")..=last.parse::<usize>().expect("a CPU"));
    }
    cpus
}

/// From stress's `stress: thread N: cpu C (ran on LIST), R rounds` lines:
/// the CPUs each thread ran on.
fn stress_cpus(output: &str) -> Vec<BTreeSet<usize>> {
    output
        .lines()
        .filter(|line| line.starts_with("stress: thread "))
        .map(|line| {
            let list = line
                .split("(ran on ")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .unwrap_or_else(|| panic!("{line}"));
            parse_list(list)
        })
        .collect()
}

/// The pid of the first `ps` row whose command is `command`.
fn pid_of(ps: &str, command: &str) -> u32 {
    ps.lines()
        .find(|line| line.split_whitespace().last() == Some(command))
        .and_then(|line| line.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {command} in:\n{ps}"))
}

#[test]
fn affinity_is_a_cpu_set() {
    // `cat` reads the /proc files: coreutils' or busybox's.
    let (initrd, _) = initramfs_with_tools().unwrap_or_else(|why| panic!("{why}"));
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(timeout(8)),
        initrd: Some(initrd),
        ..config(CPUS, &["--", "/bin/sh"])
    };
    let mut session = QemuSession::start(&cfg).expect("start QEMU");
    session.wait_for("$ ", COMMAND_STEP).expect("the shell's prompt");

    let checks = run_command_ok(&mut session, "affinitycheck");
    // Linux's cpumask_size() for 4 CPUs: one long.
    assert!(
        checks.contains("ACHECK PASS length-rules: 8 bytes copied"),
        "{checks}"
    );
    for name in [
        "length-rules",
        "errors",
        "move-self",
        "move-other-thread",
        "inherit",
        "competing-setters",
    ] {
        assert!(checks.contains(&format!("ACHECK PASS {name}")), "{checks}");
    }

    // Four threads on CPUs 1 and 3: never elsewhere, and on both. Meanwhile
    // top wakes ten times a second on CPUs 0 and 2 and blocks again, so
    // those CPUs keep looking for work to steal from 1 and 3's queues.
    run_command_ok(
        &mut session,
        "taskset -c 0,2 top -b -n 30 -d 0.1 > /dev/null &",
    );
    let stress = run_command_ok(&mut session, "taskset -c 1,3 stress 4 2");
    let per_thread = stress_cpus(&stress);
    assert_eq!(per_thread.len(), 4, "{stress}");
    let allowed = BTreeSet::from([1, 3]);
    assert!(
        per_thread.iter().all(|cpus| cpus.is_subset(&allowed)),
        "a thread ran outside 1,3:\n{stress}"
    );
    let used: BTreeSet<usize> = per_thread.iter().flatten().copied().collect();
    assert_eq!(
        used, allowed,
        "both CPUs 1 and 3 should run threads:\n{stress}"
    );

    // util-linux's lines for init (every CPU).
    assert!(run_command_ok(&mut session, "taskset -p 1")
        .lines()
        .any(|line| line == "pid 1's current affinity mask: f"));
    assert!(run_command_ok(&mut session, "taskset -cp 1")
        .lines()
        .any(|line| line == "pid 1's current affinity list: 0-3"));

    // /proc: the set, in Linux's two forms, kept across taskset's exec;
    // field 39 of stat is the CPU.
    let status = run_command_ok(&mut session, "taskset -c 1,3 cat /proc/self/status");
    assert!(
        status.lines().any(|line| line == "Cpus_allowed:\ta"),
        "{status}"
    );
    assert!(
        status.lines().any(|line| line == "Cpus_allowed_list:\t1,3"),
        "{status}"
    );
    let init_status = run_command_ok(&mut session, "cat /proc/1/status");
    assert!(
        init_status.lines().any(|line| line == "Cpus_allowed:\tf"),
        "{init_status}"
    );
    assert!(
        init_status
            .lines()
            .any(|line| line == "Cpus_allowed_list:\t0-3"),
        "{init_status}"
    );
    let stat = run_command_ok(&mut session, "taskset -c 3 cat /proc/self/stat");
    let row = stat
        .lines()
        .find(|line| line.contains(" (cat) "))
        .unwrap_or_else(|| panic!("{stat}"));
    assert_eq!(
        row.split_whitespace().nth(38),
        Some("3"),
        "processor (field 39): {row}"
    );

    // Another process's set, shown and changed.
    run_command_ok(&mut session, "stress 1 3 &");
    let pid = pid_of(&run_command_ok(&mut session, "ps"), "stress");
    let changed = run_command_ok(&mut session, &format!("taskset -p 4 {pid}"));
    assert!(
        changed.contains(&format!(
            "pid {pid}'s current affinity mask: f\npid {pid}'s new affinity mask: 4\n"
        )),
        "{changed}"
    );
    let changed = run_command_ok(&mut session, &format!("taskset -cp 0,2-3 {pid}"));
    assert!(
        changed.contains(&format!(
            "pid {pid}'s current affinity list: 2\npid {pid}'s new affinity list: 0,2-3\n"
        )),
        "{changed}"
    );
    let status = run_command_ok(&mut session, &format!("cat /proc/{pid}/status"));
    assert!(
        status.lines().any(|line| line == "Cpus_allowed:\td"),
        "{status}"
    );

    // Bad input: one line, status 1.
    run_failing(
        &mut session,
        "taskset 0 true",
        "taskset: failed to set pid 0's affinity: Invalid argument",
    );
    run_failing(
        &mut session,
        "taskset -c 9 true",
        "taskset: failed to set pid 0's affinity: Invalid argument",
    );
    run_failing(
        &mut session,
        "taskset -c x true",
        "taskset: failed to parse CPU list: x",
    );
    run_failing(
        &mut session,
        "taskset -p 999999",
        "taskset: failed to get pid 999999's affinity: No such process",
    );

    if !session.console().contains("stress: thread 0: cpu ") {
        session
            .wait_for("stress: thread 0: cpu ", COMMAND_STEP)
            .expect("stress ends");
    }
    session.type_text("poweroff\r").expect("type");
    let result = session.finish(COMMAND_STEP).expect("QEMU ends");
    assert_outcome(&result, Outcome::PowerOff);
    assert_no_line_contains(&result, PANIC);
}
