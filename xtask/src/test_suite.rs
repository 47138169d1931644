//! `cargo xtask test`: set-up, kernel build, initramfs build, host unit
//! tests, user programs run on the host, QEMU tests, summary.
//!
//! Every step runs even after an earlier one failed (except the QEMU tests,
//! which need a kernel), so one run reports everything that is broken.

use std::time::{Duration, Instant};

use crate::cargo::{build_kernel, cargo};
use crate::initramfs::{build_busybox_test_initramfs, build_test_initramfs};
use crate::setup::{ensure_all, run_checked, USER_TARGET};

/// Crates whose host unit tests run (`cargo test --lib` on the host target).
pub const HOST_TEST_PACKAGES: &[&str] = &["kernel", "protocol", "percpu", "arch", "xtask", "trace-export", "kernel-symbols", "userland"];
/// Parallel QEMU tests: the reference machines have 2 cores.
pub const QEMU_TEST_THREADS: u32 = 2;

/// How one step of the suite ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// The step succeeded.
    Passed,
    /// The step failed, with why.
    Failed(String),
    /// The step did not run, with why.
    Skipped(String),
}

struct Step {
    name: &'static str,
    status: StepStatus,
    took: Duration,
}

/// Runs the whole suite; returns true when every step passed.
pub fn run_suite() -> bool {
    let suite_started = Instant::now();
    let mut steps = Vec::new();

    let setup = timed("set-up (target + QEMU)", ensure_all);
    let setup_ok = setup.status == StepStatus::Passed;
    steps.push(setup);

    let mut kernel_elf = None;
    let build = timed("build kernel (debug)", || {
        build_kernel(false).map(|elf| {
            kernel_elf = Some(elf);
        })
    });
    steps.push(build);

    let mut initrd = None;
    steps.push(timed("build initramfs", || {
        build_test_initramfs().map(|(archive, bytes)| {
            eprintln!("xtask: initramfs {} ({bytes} bytes)", archive.display());
            initrd = Some(archive);
        })
    }));

    // Debian's busybox for tests/tests/packages.rs: a few seconds with apt;
    // where it cannot be fetched that test says why and skips.
    let mut busybox_initrd = None;
    steps.push(optional("busybox archive (Debian's)", || {
        build_busybox_test_initramfs().map(|(archive, bytes)| {
            eprintln!("xtask: busybox initramfs {} ({bytes} bytes)", archive.display());
            busybox_initrd = Some(archive);
        })
    }));

    steps.push(timed("host unit tests", || {
        let mut command = cargo();
        command.args(["test", "--no-fail-fast"]);
        for package in HOST_TEST_PACKAGES {
            command.args(["-p", package]);
        }
        command.arg("--lib");
        run_checked(&mut command).map_err(|error| format!("cargo test {error}"))
    }));

    steps.push(timed("programs run on the host", || {
        // The user programs built for the guest's libc, run natively; and
        // xtask's own command line (exit statuses).
        let mut userland = cargo();
        userland.args(["test", "--no-fail-fast", "-p", "userland", "--target", USER_TARGET, "--tests"]);
        run_checked(&mut userland).map_err(|error| format!("cargo test -p userland {error}"))?;
        let mut xtask_cli = cargo();
        xtask_cli.args(["test", "--no-fail-fast", "-p", "xtask", "--test", "command_line"]);
        run_checked(&mut xtask_cli).map_err(|error| format!("cargo test -p xtask {error}"))
    }));

    match (&kernel_elf, &initrd, setup_ok) {
        (Some(elf), Some(initrd), true) => {
            let (elf, initrd) = (elf.clone(), initrd.clone());
            let busybox_initrd = busybox_initrd.clone();
            steps.push(timed("QEMU tests (qemu-tests)", move || {
                eprintln!("xtask: KERNEL_ELF={} INITRD={}", elf.display(), initrd.display());
                let mut command = cargo();
                command
                    .args(["test", "--no-fail-fast", "-p", "qemu-tests", "--"])
                    .arg(format!("--test-threads={QEMU_TEST_THREADS}"))
                    .env("KERNEL_ELF", &elf)
                    .env("INITRD", &initrd);
                if let Some(busybox_initrd) = &busybox_initrd {
                    command.env("BUSYBOX_INITRD", busybox_initrd);
                }
                run_checked(&mut command).map_err(|error| format!("cargo test {error}"))
            }));
        }
        _ => steps.push(Step {
            name: "QEMU tests (qemu-tests)",
            status: StepStatus::Skipped("needs set-up, a kernel and an initramfs".to_string()),
            took: Duration::ZERO,
        }),
    }

    print_summary(&steps, suite_started.elapsed());
    steps.iter().all(|step| step.status == StepStatus::Passed)
}

fn timed(name: &'static str, body: impl FnOnce() -> Result<(), String>) -> Step {
    eprintln!("\nxtask: ==> {name}");
    let started = Instant::now();
    let status = match body() {
        Ok(()) => StepStatus::Passed,
        Err(error) => {
            eprintln!("xtask: {name}: {error}");
            StepStatus::Failed(error)
        }
    };
    Step {
        name,
        status,
        took: started.elapsed(),
    }
}

/// [`timed`] for a step whose failure only skips what needs it.
fn optional(name: &'static str, body: impl FnOnce() -> Result<(), String>) -> Step {
    let mut step = timed(name, body);
    if let StepStatus::Failed(why) = step.status {
        step.status = StepStatus::Skipped(why);
    }
    step
}

fn print_summary(steps: &[Step], total: Duration) {
    eprintln!("\nxtask: test summary");
    for step in steps {
        let (mark, detail) = match &step.status {
            StepStatus::Passed => ("ok     ", String::new()),
            StepStatus::Failed(why) => ("FAILED ", format!(": {why}")),
            StepStatus::Skipped(why) => ("skipped", format!(": {why}")),
        };
        eprintln!(
            "  {mark} {:<26} {:>7.1} s{detail}",
            step.name,
            step.took.as_secs_f64()
        );
    }
    let failed = steps
        .iter()
        .filter(|step| step.status != StepStatus::Passed)
        .count();
    let verdict = if failed == 0 {
        "all steps passed".to_string()
    } else {
        format!("{failed} step(s) not passed")
    };
    eprintln!("xtask: {verdict} in {:.1} s", total.as_secs_f64());
}
