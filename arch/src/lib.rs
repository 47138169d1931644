//! Everything x86_64-specific: boot stub, descriptor tables, entry stubs,
//! APIC, TSC, the AP trampoline. The kernel calls the safe wrappers here;
//! all assembly of the project lives in this crate (and the `gs:` accessors
//! in `percpu`).
//!
//! Modules that touch hardware (or contain global assembly) build only for
//! the kernel target; the pure ones (layout, frame format, exception tables)
//! also build on the host for unit tests.
#![cfg_attr(not(test), no_std)]

/// Shared by the boot stub and the AP trampoline on the way to long mode.
#[cfg(target_os = "none")]
mod long_mode;
/// The kernel virtual address-space layout.
pub mod layout;
/// PVH entry note, 32-bit stub, long-mode switch, jump to the kernel.
#[cfg(target_os = "none")]
pub mod boot;
/// The context switch (callee-saved registers, RSP, RFLAGS, rsp0).
#[cfg(target_os = "none")]
pub mod context_switch;
/// Interrupt flag, halt, control registers and other one-instruction helpers.
#[cfg(target_os = "none")]
pub mod cpu;
/// Naked entry stubs for all 256 vectors (normal and paranoid paths).
#[cfg(target_os = "none")]
pub mod entry_stubs;
/// Typed set-once hooks (functions a higher layer provides).
pub mod hook;
/// Per-vector facts: error code, paranoid entry, IST slot, exception names.
pub mod vectors;
/// The register frame every entry stub builds.
pub mod interrupt_frame;
/// The IDT and the table of Rust handlers the stubs dispatch to.
#[cfg(target_os = "none")]
pub mod idt;
/// The I/O APIC (masking the legacy pins; routing arrives with devices).
#[cfg(target_os = "none")]
pub mod ioapic;
/// The legacy 8259 PICs, masked.
#[cfg(target_os = "none")]
pub mod legacy_pic;
/// The local APIC (x2APIC or xAPIC), its timer and IPIs.
#[cfg(target_os = "none")]
pub mod lapic;
/// Model-specific register numbers used by assembly.
pub mod msr;
/// The 8254 PIT, used only to calibrate the TSC when CPUID cannot tell.
#[cfg(target_os = "none")]
pub mod pit;
/// QEMU's isa-debug-exit device: how tests leave the VM.
#[cfg(target_os = "none")]
pub mod qemu_exit;
/// The CMOS real-time clock (wall time at boot).
#[cfg(any(target_os = "none", test))]
pub mod rtc;
/// The 16550 UART on COM1: the serial console.
#[cfg(target_os = "none")]
pub mod serial;
/// Leaving the boot stack for a guarded one.
#[cfg(target_os = "none")]
pub mod stack_switch;
/// SMEP, SMAP and UMIP on every CPU that offers them.
#[cfg(target_os = "none")]
pub mod protection;
/// The real-mode trampoline that brings application processors to long mode.
#[cfg(target_os = "none")]
pub mod trampoline;
/// SYSCALL entry and exit through the PCR; the first entry into ring 3.
#[cfg(target_os = "none")]
pub mod syscall;
/// The x87/SSE/AVX registers of user threads: enabling, xsave/xrstor.
#[cfg(target_os = "none")]
pub mod fpu;
/// The one routine that touches user memory (stac/clac, fault recovery).
#[cfg(target_os = "none")]
pub mod user_copy;
/// A tiny ring-3 program for tests of the entry path (bytes to copy).
#[cfg(target_os = "none")]
pub mod user_probe;
/// Time stamp counter: reading it and finding its frequency.
#[cfg(target_os = "none")]
pub mod tsc;
