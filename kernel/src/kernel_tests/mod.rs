//! In-kernel tests, selected with the kernel argument `test=NAME`. Each runs
//! on the BSP after SMP bring-up, prints `TEST PASS NAME` or
//! `TEST FAIL NAME: reason`, and leaves QEMU with the matching exit code.
//! Tests that end in a panic on purpose (stack overflow, panic) are judged by
//! the host from the report they produce.

mod address_space;
mod alloc_stress;
mod bench;
mod boot;
mod exceptions;
mod late_switch_out;
mod panic;
mod preemption;
mod producer_consumer;
mod rflags;
mod smap;
mod smep;
/// A thread spinning with preemption off until the watchdog reports it.
mod soft_lockup;
mod spawn_join;
mod stack_overflow;
/// `cargo xtask trace`'s workload: threads on every CPU, then a trace dump.
mod trace_workload;
/// Helpers the tests share (the online CPUs, a scheduler warm-up).
mod support;
mod user_copy;
mod user_faults;
mod user_syscalls;
mod wakeup_pingpong;
mod write_protect;

use arch::qemu_exit::exit_qemu;
use protocol::GuestExit;

/// A test body: `Ok(())` on success, `Err(reason)` on failure.
type TestFunction = fn() -> Result<(), alloc::string::String>;

const TESTS: &[(&str, TestFunction)] = &[
    ("boot", boot::run),
    ("exceptions", exceptions::run),
    ("stack_overflow", stack_overflow::run),
    ("panic", panic::run),
    ("alloc_stress", alloc_stress::run),
    ("address_space", address_space::run),
    ("preemption", preemption::run),
    ("producer_consumer", producer_consumer::run),
    ("rflags", rflags::run),
    ("spawn_join", spawn_join::run),
    ("bench", bench::run),
    ("write_protect", write_protect::run),
    ("wakeup_pingpong", wakeup_pingpong::run),
    ("late_switch_out", late_switch_out::run),
    ("user_syscalls", user_syscalls::run),
    ("user_faults", user_faults::run),
    ("smep", smep::run),
    ("smap", smap::run),
    ("user_copy", user_copy::run),
    ("trace_workload", trace_workload::run),
    ("soft_lockup", soft_lockup::run),
];

/// Runs test `name` and exits QEMU with its result.
pub fn run(name: &str) -> ! {
    let Some((_, test)) = TESTS.iter().find(|(test_name, _)| *test_name == name) else {
        let known: alloc::vec::Vec<&str> = TESTS.iter().map(|(test_name, _)| *test_name).collect();
        crate::kprintln!("{} {}: no such test (known: {})", protocol::serial::TEST_FAIL, name, known.join(", "));
        exit_qemu(GuestExit::Fail)
    };
    match test() {
        Ok(()) => {
            crate::kprintln!("{} {}", protocol::serial::TEST_PASS, name);
            exit_qemu(GuestExit::Pass)
        }
        Err(reason) => {
            crate::kprintln!("{} {}: {}", protocol::serial::TEST_FAIL, name, reason);
            exit_qemu(GuestExit::Fail)
        }
    }
}
