//! Our system tools in the guest, typed at `/bin/sh` on the serial line as
//! a person would (one boot at 4 CPUs): `ps`, `cpus`, `free`, `uptime`,
//! `dmesg`, `kill`, `taskset`, `stress` in the background watched by
//! `cpus`, `ps` and `top -b`, then `top` on the terminal (two frames, `q`
//! quits), and `poweroff` ending QEMU with success. Each command is
//! followed by the status echo of `qemu_tests::run_command`. TCG: this
//! machine's KVM cannot run user code.


use qemu_tests::*;

const CPUS: usize = 4;

/// Waits for `needle` unless the console already showed it (a background
/// job's output may have arrived inside an earlier command's).
fn wait_anywhere(session: &mut QemuSession, needle: &str) {
    if !session.console().contains(needle) {
        session
            .wait_for(needle, COMMAND_STEP)
            .unwrap_or_else(|error| panic!("{error}"));
    }
}

/// The output's lines that start with `words` (split on white space).
fn rows_starting<'a>(output: &'a str, words: &[&str]) -> Vec<&'a str> {
    output
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .take(words.len())
                .eq(words.iter().copied())
        })
        .collect()
}

fn check_ps(output: &str) {
    assert!(
        output.contains("  PID  PPID S CPU    UTIME    STIME COMMAND"),
        "{output}"
    );
    let init = rows_starting(output, &["1", "0"]);
    assert!(
        init.len() == 1 && init[0].ends_with(" init"),
        "no init row in:\n{output}"
    );
    let own = output
        .lines()
        .filter(|line| line.ends_with(" ps"))
        .collect::<Vec<_>>();
    assert!(
        own.len() == 1 && own[0].split_whitespace().nth(2) == Some("R"),
        "ps does not list itself running:\n{output}"
    );
}

fn check_cpus(output: &str) {
    assert!(output.contains("CPU ONLINE APIC  CURRENT"), "{output}");
    let mut switches_and_interrupts = (0, 0);
    for cpu in 0..CPUS {
        let rows = rows_starting(output, &[&cpu.to_string(), "yes"]);
        assert_eq!(rows.len(), 1, "cpu {cpu} not listed online:\n{output}");
        // cpu online apic pid command runq switches interrupts idle
        let words: Vec<&str> = rows[0].split_whitespace().collect();
        let count = |from_end: usize| {
            words[words.len() - from_end]
                .parse::<u64>()
                .expect("a count")
        };
        switches_and_interrupts.0 += count(3);
        switches_and_interrupts.1 += count(2);
    }
    // The boot CPU has switched threads and taken timer interrupts.
    assert!(
        switches_and_interrupts.0 > 0 && switches_and_interrupts.1 > 0,
        "no context switches or interrupts counted:\n{output}"
    );
    // The CPU running `cpus` shows it as its current thread.
    assert!(
        output.lines().any(|line| line.contains(" cpus ")),
        "no CPU runs cpus:\n{output}"
    );
}

/// `free`'s total is the kernel's memory: the frames of the boot line
/// `memory: ... N of M frames free`, 4 KiB each.
fn check_free(output: &str, console: &str) {
    let boot = console
        .lines()
        .find(|line| line.starts_with("memory: "))
        .expect("memory boot line");
    let frames: u64 = boot
        .split(" of ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("frame count");
    let mem = rows_starting(output, &["Mem:"]);
    assert_eq!(mem.len(), 1, "{output}");
    let total: u64 = mem[0]
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("total");
    assert_eq!(total, frames * 4, "free's total is not MemTotal:\n{output}");
}

fn check_dmesg(output: &str) {
    let stamped: Vec<f64> = output
        .lines()
        .filter_map(|line| {
            line.strip_prefix('[')?
                .split_once(']')?
                .0
                .trim()
                .parse()
                .ok()
        })
        .collect();
    assert!(stamped.len() >= 5, "too few log lines:\n{output}");
    assert!(
        stamped.windows(2).all(|pair| pair[0] <= pair[1]),
        "stamps go back:\n{output}"
    );
    for needle in [
        "] smp: 4 of 4 CPUs online",
        "] init: running /init as PID 1",
    ] {
        assert!(output.contains(needle), "dmesg lacks {needle:?}:\n{output}");
    }
}

#[test]
fn the_tools_report_the_kernel_and_poweroff_ends_qemu() {
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(timeout(8)),
        ..config_with_initramfs(CPUS as u32, &["--", "/bin/sh"])
    };
    let mut session = QemuSession::start(&cfg).expect("start QEMU");
    session.wait_for("$ ", COMMAND_STEP).expect("the shell's prompt");

    check_ps(&run_command_ok(&mut session, "ps"));
    check_cpus(&run_command_ok(&mut session, "cpus"));
    check_free(&run_command_ok(&mut session, "free"), &session.console());
    assert!(run_command_ok(&mut session, "free -h").contains("Mi"));
    let uptime = run_command_ok(&mut session, "uptime");
    assert!(
        uptime.contains(" up ") && uptime.contains("load average: "),
        "{uptime}"
    );
    check_dmesg(&run_command_ok(&mut session, "dmesg"));
    assert!(run_command_ok(&mut session, "/bin/kill -l").contains("HUP INT QUIT ILL"));
    assert_eq!(
        run_command(&mut session, "/bin/kill -9 999999").1,
        1,
        "kill of no process fails"
    );
    assert_eq!(run_command(&mut session, "free -x").1, 1, "a bad option fails");
    // Pinned to CPU 2, ps sees itself there.
    let pinned = run_command_ok(&mut session, "taskset -c 2 ps");
    assert!(
        pinned
            .lines()
            .any(|line| line.ends_with(" ps") && line.split_whitespace().nth(3) == Some("2")),
        "{pinned}"
    );

    // Two busy threads (started before `cpus` measures; 10 s covers the
    // next three commands): while they run, two CPUs are busy, ps shows
    // them, and top's second frame names stress the busiest.
    run_command_ok(&mut session, "stress 2 10 &");
    wait_anywhere(&mut session, "stress: 2 threads for");
    let busy = run_command_ok(&mut session, "cpus 2");
    // Busy, not 100%: CPU time is sampled by the tick, and on an
    // overloaded host QEMU drops ticks of a vCPU it did not run, so the
    // busy share seen can be far below 100% (60% seen under load).
    let busy_cpus = busy
        .lines()
        .filter(|line| {
            line.contains(" stress ")
                && line
                    .split_whitespace()
                    .last()
                    .and_then(|idle| idle.parse::<f64>().ok())
                    .is_some_and(|idle| idle < 90.0)
        })
        .count();
    assert!(busy_cpus >= 2, "stress did not make two CPUs busy:\n{busy}");
    let ps = run_command_ok(&mut session, "ps");
    let stress = ps
        .lines()
        .find(|line| line.ends_with(" stress"))
        .unwrap_or_else(|| panic!("no stress in:\n{ps}"));
    assert!(
        stress
            .split_whitespace()
            .nth(4)
            .is_some_and(|utime| utime != "0.00"),
        "stress has no user time: {stress}"
    );
    let frames = run_command_ok(&mut session, "top -b -n 2 -d 0.5");
    let second = frames
        .split("top - ")
        .nth(2)
        .unwrap_or_else(|| panic!("two frames expected:\n{frames}"));
    assert!(
        second
            .lines()
            .skip_while(|line| !line.contains("%CPU"))
            .nth(1)
            .is_some_and(|row| row.ends_with(" stress")),
        "stress is not the busiest:\n{second}"
    );

    // top on the terminal: a frame, a redraw, then q ends it with status 0.
    start_command(&mut session, "top");
    for _ in 0..2 {
        session
            .wait_for("\x1b[H\x1b[2Jtop - ", COMMAND_STEP)
            .expect("a frame");
    }
    session
        .wait_for("COMMAND", COMMAND_STEP)
        .expect("the process table");
    session.send(b"q").expect("type q");
    let (after_top, status) = finish_command(&mut session, "top");
    assert_eq!(status, 0, "top did not quit cleanly on q:\n{after_top}");

    // stress has ended and said where its threads ran.
    wait_anywhere(&mut session, "stress: thread 1: cpu ");
    assert!(session.console().contains("stress: thread 0: cpu "));

    session.type_text("poweroff\r").expect("type");
    let result = session.finish(COMMAND_STEP).expect("QEMU ends");
    assert_outcome(&result, Outcome::PowerOff);
    assert_no_line_contains(&result, PANIC);
    assert_line_contains(&result, "power off requested by process");
}
