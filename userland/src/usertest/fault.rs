//! `usertest fault KIND|all`: a forked child commits one kind of fault and
//! the parent checks that the child died of the right signal (or, for a
//! kernel pointer passed to `write`, got `EFAULT`). The parent lives on.

use std::os::fd::AsRawFd;

use super::fault_trigger as trigger;
use super::pipe::pipe;
use super::verdict::CheckResult;
use crate::child_process::fork_and_wait;
use crate::wait_status::ChildEnd;

/// The kinds of user fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Load from address 0.
    NullDeref,
    /// Store to a read-only page.
    WriteReadOnly,
    /// Jump into the (non-executable) stack.
    ExecStack,
    /// `ud2`.
    Ud2,
    /// `div` by zero.
    DivideByZero,
    /// Unbounded recursion.
    StackOverflow,
    /// A kernel-half pointer passed to `write`.
    KernelPointer,
}

/// Every kind, in the order `fault all` runs them.
pub const ALL_FAULTS: [FaultKind; 7] = [
    FaultKind::NullDeref,
    FaultKind::WriteReadOnly,
    FaultKind::ExecStack,
    FaultKind::Ud2,
    FaultKind::DivideByZero,
    FaultKind::StackOverflow,
    FaultKind::KernelPointer,
];

/// Child exit status when `write` from a kernel pointer gave `EFAULT`.
const CHILD_GOT_EFAULT: u8 = 0;
/// Child exit status when the faulting instruction did not fault.
const CHILD_SURVIVED: u8 = 99;

impl FaultKind {
    /// The name on the command line and in the verdict (`fault-NAME`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::NullDeref => "null-deref",
            FaultKind::WriteReadOnly => "write-readonly",
            FaultKind::ExecStack => "exec-stack",
            FaultKind::Ud2 => "ud2",
            FaultKind::DivideByZero => "divide-by-zero",
            FaultKind::StackOverflow => "stack-overflow",
            FaultKind::KernelPointer => "kernel-pointer",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<FaultKind> {
        ALL_FAULTS.into_iter().find(|kind| kind.name() == name)
    }

    /// How the child must end (Linux's behaviour).
    pub fn expected_end(self) -> ChildEnd {
        match self {
            FaultKind::NullDeref
            | FaultKind::WriteReadOnly
            | FaultKind::ExecStack
            | FaultKind::StackOverflow => ChildEnd::Signaled(libc::SIGSEGV),
            FaultKind::Ud2 => ChildEnd::Signaled(libc::SIGILL),
            FaultKind::DivideByZero => ChildEnd::Signaled(libc::SIGFPE),
            FaultKind::KernelPointer => ChildEnd::Exited(CHILD_GOT_EFAULT),
        }
    }
}

/// Forks a child that commits `kind`, and checks how it ended.
pub fn check_fault(kind: FaultKind) -> CheckResult {
    let end = fork_and_wait(|| commit(kind)).map_err(|error| format!("fork: {error}"))?;
    let expected = kind.expected_end();
    if end == expected {
        return Ok(format!("child {end}, as expected"));
    }
    Err(match end {
        ChildEnd::Exited(CHILD_SURVIVED) => {
            format!("no fault: the child ran on past it (expected: {expected})")
        }
        ChildEnd::Exited(errno) if kind == FaultKind::KernelPointer && errno != CHILD_SURVIVED => {
            format!(
                "write gave errno {errno}, expected EFAULT ({})",
                libc::EFAULT
            )
        }
        other => format!("child {other}, expected: {expected}"),
    })
}

/// In the child: default signal actions (std catches SIGSEGV for its stack
/// overflow message), no core file, then the fault.
fn commit(kind: FaultKind) -> i32 {
    for signal in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE] {
        // SAFETY: restores the default action; no handler code is involved.
        unsafe { libc::signal(signal, libc::SIG_DFL) };
    }
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: no_core is a valid rlimit; a failure only means a core file may be written.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    match kind {
        FaultKind::NullDeref => trigger::read_null(),
        FaultKind::WriteReadOnly => trigger::write_read_only(),
        FaultKind::ExecStack => trigger::execute_stack(),
        FaultKind::Ud2 => trigger::undefined_instruction(),
        FaultKind::DivideByZero => trigger::divide_by_zero(),
        FaultKind::StackOverflow => trigger::overflow_stack(),
        FaultKind::KernelPointer => return kernel_pointer_errno_status(),
    }
    i32::from(CHILD_SURVIVED)
}

fn kernel_pointer_errno_status() -> i32 {
    let Ok((_read_end, write_end)) = pipe() else {
        return i32::from(CHILD_SURVIVED);
    };
    match trigger::write_from_kernel_pointer(write_end.as_raw_fd()) {
        libc::EFAULT => i32::from(CHILD_GOT_EFAULT),
        0 => i32::from(CHILD_SURVIVED),
        errno => errno,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ALL_FAULTS {
            assert_eq!(FaultKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(FaultKind::from_name("nope"), None);
    }

    #[test]
    fn every_fault_ends_the_child_as_on_linux() {
        for kind in ALL_FAULTS {
            assert!(
                check_fault(kind).is_ok(),
                "{}: {:?}",
                kind.name(),
                check_fault(kind)
            );
        }
    }
}
