//! The terminal, driven from the other end of the serial line (QEMU's
//! stdin), as a person types: `/bin/ttycheck` (userland) announces each
//! step with `TTYCHECK READY NAME`, this test types, and the program
//! reports `TTYCHECK PASS|FAIL NAME`. Covers a line typed before boot,
//! canonical editing, end of
//! file, raw mode with VMIN/VTIME, ^C, ^\ and ^Z reaching the foreground
//! job (not the shell-like parent), SIGTTIN and SIGTTOU for background
//! jobs, and a 4 KiB paste arriving whole. TCG: this machine's KVM cannot
//! run user code.

use std::time::Duration;

use qemu_tests::*;

/// How long one step may take (TCG on a loaded 2-core host).
const STEP: Duration = Duration::from_secs(60);

/// What `ttycheck` pastes: 64 lines of 63 bytes and a CR (see its `paste_line`).
fn paste() -> String {
    (0..64)
        .map(|index| {
            let mut line = format!("{index:02}:");
            while line.len() < 63 {
                line.push((b'a' + (line.len() % 26) as u8) as char);
            }
            line + "\r"
        })
        .collect()
}

fn expect(session: &mut QemuSession, needle: &str) -> String {
    session.wait_for(needle, STEP).unwrap_or_else(|error| panic!("{error}"))
}

fn step(session: &mut QemuSession, name: &str, typed: &[u8]) {
    expect(session, &format!("TTYCHECK READY {name}"));
    session.send(typed).expect("type into the serial line");
    let verdict = expect(session, &format!("{name}: "));
    assert!(verdict.ends_with(&format!("TTYCHECK PASS {name}: ")), "step {name}: {verdict}");
}

#[test]
fn the_serial_terminal_edits_lines_signals_jobs_and_takes_a_paste_whole() {
    for smp in [1, 4] {
        let cfg = QemuConfig {
            accel: Accel::Tcg,
            timeout: Some(timeout(5)),
            ..config_with_initramfs(smp, &["--", "/bin/ttycheck"])
        };
        let mut session = QemuSession::start(&cfg).expect("start QEMU");
        // Typed before the kernel has booted: waits in the UART and QEMU.
        session.send(b"typed-before-boot\r").expect("type into the serial line");
        let ctty = expect(&mut session, "ctty: ");
        assert!(ctty.ends_with("TTYCHECK PASS ctty: "), "{ctty}");
        let early = expect(&mut session, "early: ");
        assert!(early.ends_with("TTYCHECK PASS early: "), "{early}");
        step(&mut session, "canonical", b"abc\x7fd\r");
        step(&mut session, "eof", b"x\x04\x04");
        step(&mut session, "raw", b"q");
        step(&mut session, "sigint", b"\x03");
        step(&mut session, "sigquit", b"\x1c");
        step(&mut session, "sigtstp", b"\x1a");
        for name in ["ttin", "ttou"] {
            let verdict = expect(&mut session, &format!("{name}: "));
            assert!(verdict.ends_with(&format!("TTYCHECK PASS {name}: ")), "{verdict}");
        }
        step(&mut session, "paste", paste().as_bytes());
        let result = session.finish(STEP).expect("QEMU ends");
        assert_outcome(&result, Outcome::PowerOff);
        assert_no_line_contains(&result, PANIC);
        // The echo of the edited line: DEL rubbed out as backspace-space-backspace.
        assert!(result.serial.contains("abc\x08 \x08d"), "no rub-out echo in:\n{}", result.serial);
    }
}
