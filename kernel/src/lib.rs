//! The kernel: boot, memory, per-CPU spine, scheduler, tracing.
//!
//! One library. The pure logic (allocators, parsers, the trace ring and its
//! line format) builds for the host too, so `cargo test -p kernel --lib`
//! exercises it without QEMU; the modules that drive hardware are gated on
//! `target_os = "none"` (as in `arch`). The binary (`main.rs`) is only the
//! entry point the boot stub calls.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

/// Serial console and the `kprintln!` family (declared first for its macros).
#[cfg(target_os = "none")]
#[macro_use]
pub mod console;

/// Kernel backtraces: the frame-pointer walk (host-tested) and its `@@BT` lines.
pub mod backtrace;
/// The raw command line from the loader: the words kept, the bytes escaped.
pub mod command_line;
/// Starting programs: the ELF loader's plan and the initial stack.
pub mod exec;
/// The initramfs (cpio newc) and finding programs in it.
pub mod initramfs;
/// The kernel log ring (`dmesg`): stamped lines, oldest dropped when full.
pub mod log_ring;
/// Kernel command-line parser (`test=NAME`, unknown-argument reporting).
pub mod kernel_args;
/// CPU sets: a fixed-size bitmap of CPU numbers (affinity, TLB shootdown, trace filter) and Linux's text forms.
pub mod cpu_set;
/// ACPI RSDP/XSDT/MADT walker producing the CPU and interrupt-controller topology.
pub mod madt;
/// Frames, page tables, heap, guarded kernel stacks.
pub mod memory;
/// Tiny xorshift64* pseudo-random generator for stress tests (kernel and host).
pub mod random;
/// The terminal: line discipline (pure, host-tested), the serial tty and its job control.
pub mod tty;
/// The soft-lockup watchdog's per-CPU progress clock (host-tested).
pub mod soft_lockup;
/// Per-CPU flight recorder: lock-free event rings and their checksummed serial dump format.
pub mod trace;

/// The flight recorder, kernel side: recording into this CPU's ring, the panic dump.
#[cfg(target_os = "none")]
mod flight_recorder;

/// Time for user space: monotonic (TSC) and wall clock (RTC at boot).
#[cfg(target_os = "none")]
mod clock;
/// Random bytes for user space (RDRAND, or a TSC-seeded fallback).
#[cfg(target_os = "none")]
mod entropy;
/// Open files and descriptor tables (the console file so far).
#[cfg(target_os = "none")]
mod file;
/// The in-memory filesystem: nodes, path resolution, the initramfs unpacked.
#[cfg(target_os = "none")]
mod vfs;
/// Processes: shared memory, files and signal state; starting and ending them.
#[cfg(target_os = "none")]
mod process;
/// The kernel log: console lines kept for `dmesg`, and `syslog(2)`.
#[cfg(target_os = "none")]
mod klog;
/// `/proc`, made on demand from the kernel's state.
#[cfg(target_os = "none")]
mod procfs;
/// `/sys/kernel/tracing`: the flight recorder controlled from user space.
#[cfg(target_os = "none")]
mod tracefs;
/// Spurious and error interrupts of the local APIC.
#[cfg(target_os = "none")]
mod apic_events;
/// The BSP's boot sequence (`kmain`).
#[cfg(target_os = "none")]
pub mod boot;
/// The per-CPU spine: typed per-CPU blocks, the guards' borrow, the registry.
#[cfg(target_os = "none")]
mod cpu;
/// `CpuId`: the number of an online CPU.
#[cfg(target_os = "none")]
mod cpu_id;
/// Exception reports, stack-overflow detection.
#[cfg(target_os = "none")]
mod exceptions;
/// Reschedule, function-call and TLB-shootdown IPIs.
#[cfg(target_os = "none")]
mod ipi;
/// In-kernel tests selected with `test=NAME`.
#[cfg(target_os = "none")]
mod kernel_tests;
/// The panic handler and the NMI "stop" path.
#[cfg(target_os = "none")]
mod panic;
/// The PVH boot information.
#[cfg(target_os = "none")]
mod pvh;
/// Kernel threads and the per-CPU scheduler: switching, placement, blocking.
#[cfg(target_os = "none")]
mod sched;
/// Threads, run queues and wait queues as data (below the per-CPU block).
#[cfg(target_os = "none")]
mod thread;
/// Bringing up CPUs: one per-CPU init list, all APs at once.
#[cfg(target_os = "none")]
mod smp;
/// System calls from ring 3 (Linux x86_64 ABI): the dispatcher.
#[cfg(target_os = "none")]
mod syscall;
/// Guards that pin a thread to its CPU, and spinlocks (the leaf layer).
#[cfg(target_os = "none")]
mod sync;
/// Copy-in/copy-out: every access to user memory (EFAULT, never a fault).
#[cfg(target_os = "none")]
mod uaccess;
/// Magic SysRq over the serial line: BREAK, then a key (threads, backtraces, trace dump).
#[cfg(target_os = "none")]
mod sysrq;
/// TSC and the LAPIC timer tick.
#[cfg(target_os = "none")]
mod timer;
/// Interrupt vector assignments.
#[cfg(target_os = "none")]
mod vectors;
/// The soft-lockup watchdog: a CPU stuck in the kernel with interrupts on.
#[cfg(target_os = "none")]
mod watchdog;
