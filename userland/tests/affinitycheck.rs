//! `affinitycheck` run as a program on Linux: every check passes here, as
//! it must in our kernel (the QEMU test `affinity.rs` runs the same
//! binary).

mod programs;
use programs::{run, stdout};

const AFFINITYCHECK: &str = env!("CARGO_BIN_EXE_affinitycheck");

#[test]
fn every_check_passes_on_linux() {
    let output = run(AFFINITYCHECK, &[]);
    let text = stdout(&output);
    for (name, _) in userland::affinity_checks::CHECKS {
        assert!(
            text.contains(&format!("ACHECK PASS {name}")),
            "affinitycheck printed:\n{text}"
        );
    }
    assert_eq!(
        output.status.code(),
        Some(0),
        "affinitycheck printed:\n{text}"
    );
}
