//! `kernelcheck` run as a program on Linux: every check passes here, as it
//! must in our kernel (the QEMU test runs the same binary as PID 1).

mod programs;
use programs::{run, stdout};

const KERNELCHECK: &str = env!("CARGO_BIN_EXE_kernelcheck");

#[test]
fn every_check_passes_on_linux() {
    let output = run(KERNELCHECK, &[]);
    let text = stdout(&output);
    for name in [
        "signal-handler",
        "segv-handler",
        "eintr",
        "kill-sleeper",
        "exit-group",
        "shared-mmap",
        "tlb-shootdown",
        "proc",
        "stop-continue",
        "socketpair",
        "command-exec-failure",
        "controlling-terminal",
    ] {
        assert!(
            text.contains(&format!("KCHECK PASS {name}")),
            "kernelcheck printed:\n{text}"
        );
    }
    assert_eq!(
        output.status.code(),
        Some(0),
        "kernelcheck printed:\n{text}"
    );
}

#[test]
fn a_named_check_runs_alone() {
    let output = run(KERNELCHECK, &["proc"]);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("KCHECK PASS proc"), "{text}");
}
