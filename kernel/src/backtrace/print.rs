//! Printing a backtrace as `@@BT` lines: of the code running now (the
//! panic report) or of the context an interrupt stopped (the soft-lockup
//! report, SysRq `l`). Reads only the running CPU's current kernel stack,
//! between the walked context's stack pointer and the stack's top, and
//! only when that range is one mapped stack (`kernel_stacks::is_one_stack`).

use super::walk::{return_address_offset_at, walk, StackBounds};
use crate::cpu;
use crate::sync::IrqGuard;
use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::Ordering;
use protocol::backtrace_line::{Begin, End, Frame, FrameKind, WalkStop};
use protocol::trace_line::ThreadName;

/// Prints one line (with its newline): `console::print`, or
/// `console::emergency_print` on the panic path.
pub type LineSink = fn(core::fmt::Arguments);

/// Prints the backtrace of the caller of this function, headed `reason`.
#[inline(never)]
pub fn print_here(reason: &str, print: LineSink) {
    let frame_pointer = arch::cpu::frame_pointer();
    let stack_pointer = arch::cpu::stack_pointer();
    let cpu = print_begin(reason, print);
    let (frames, stop) = walk_from(cpu, frame_pointer, stack_pointer, 0, print);
    print(format_args!("{}\n", End { cpu, frames, stop }));
}

/// Prints the backtrace of the context `frame` interrupted: its
/// instruction (`pc=`), then the return addresses on its stack. Nothing
/// but the header and `stop=user-mode` when it ran in user mode.
pub fn print_interrupted(reason: &str, frame: &InterruptFrame, print: LineSink) {
    let cpu = print_begin(reason, print);
    if frame.from_user_mode() {
        print(format_args!(
            "{}\n",
            End {
                cpu,
                frames: 0,
                stop: WalkStop::UserMode
            }
        ));
        return;
    }
    print(format_args!(
        "{}\n",
        Frame {
            cpu,
            index: 0,
            kind: FrameKind::InterruptedAt,
            address: frame.rip
        }
    ));
    let mut frames = 1;
    if let Some(address) = caller_of_frameless_instruction(frame) {
        print(format_args!("{}\n", Frame { cpu, index: 1, kind: FrameKind::ReturnTo, address }));
        frames += 1;
    }
    let (frames, stop) = walk_from(cpu, frame.rbp, frame.rsp, frames, print);
    print(format_args!("{}\n", End { cpu, frames, stop }));
}

/// The return address into the caller when `frame` stopped a function
/// before its frame was set up or at its `ret` (see
/// `return_address_offset_at`); `None` otherwise.
fn caller_of_frameless_instruction(frame: &InterruptFrame) -> Option<u64> {
    let code = crate::memory::kernel_image::text_range();
    if !code.contains(&frame.rip) || !code.contains(&(frame.rip + 2)) {
        return None;
    }
    // SAFETY: the three bytes lie in the kernel's text, which is mapped
    // readable for good.
    let bytes = unsafe { core::ptr::read_volatile(frame.rip as *const [u8; 3]) };
    let slot = frame.rsp.checked_add(return_address_offset_at(bytes)?)?;
    let stack_top = kernel_stack_top();
    if !crate::memory::kernel_stacks::is_one_stack(frame.rsp, stack_top) || !slot.is_multiple_of(8) || slot + 8 > stack_top {
        return None;
    }
    // SAFETY: `slot` is an aligned word between the interrupted RSP and
    // the top of its stack, one mapped kernel stack (checked above).
    let address = unsafe { core::ptr::read_volatile(slot as *const u64) };
    code.contains(&address).then_some(address)
}

/// Walks from `frame_pointer` on the stack from `stack_pointer` up to this
/// CPU's current kernel stack top, printing frames numbered from
/// `already`; returns the frames printed in all and why the walk stopped.
fn walk_from(
    cpu: u32,
    frame_pointer: u64,
    stack_pointer: u64,
    already: u32,
    print: LineSink,
) -> (u32, WalkStop) {
    let stack_top = kernel_stack_top();
    if !crate::memory::kernel_stacks::is_one_stack(stack_pointer, stack_top) {
        return (already, WalkStop::OutsideStack);
    }
    let bounds = StackBounds {
        low: stack_pointer,
        high: stack_top,
    };
    let code = crate::memory::kernel_image::text_range();
    let mut index = already;
    let stop = walk(
        frame_pointer,
        bounds,
        already,
        // SAFETY: `walk` reads only aligned words inside `bounds`, which
        // is one mapped kernel stack (checked above): the running
        // thread's, below which nothing is popped while we read it.
        |address| unsafe { core::ptr::read_volatile(address as *const u64) },
        |address| code.contains(&address),
        |address| {
            print(format_args!(
                "{}\n",
                Frame {
                    cpu,
                    index,
                    kind: FrameKind::ReturnTo,
                    address
                }
            ));
            index += 1;
        },
    );
    (index, stop)
}

/// Top of the kernel stack this CPU runs on (the PCR's copy of TSS.rsp0,
/// set at every switch; the early stack's top before the first).
fn kernel_stack_top() -> u64 {
    if !percpu::pcr_is_loaded() {
        return 0;
    }
    // SAFETY: GS_BASE points at this CPU's loaded PCR, which lives for good.
    let pcr = unsafe { &*percpu::current_pcr() };
    pcr.kernel_stack_top.load(Ordering::Relaxed)
}

/// Prints the `@@BT-BEGIN` line for the running thread; returns the CPU
/// number the other lines carry.
fn print_begin(reason: &str, print: LineSink) -> u32 {
    let (cpu, thread, name) = running_thread();
    print(format_args!("{}\n", Begin { cpu, reason, thread, name }));
    cpu
}

/// This CPU's number and its running thread's id and name (thread 0,
/// `early`, before this CPU has its per-CPU block).
fn running_thread() -> (u32, u32, ThreadName) {
    let cpu_number = if percpu::pcr_is_loaded() {
        percpu::cpu_id()
    } else {
        0
    };
    let guard = IrqGuard::new();
    let Some(this) = cpu::try_this_cpu(&guard) else {
        return (cpu_number, 0, ThreadName::new(b"early"));
    };
    // SAFETY: this CPU's own run queue, interrupts off (the guard).
    let (thread, name) = unsafe {
        this.run_queue
            .with_current(|thread| (thread.id(), ThreadName::new(thread.name().as_bytes())))
    };
    (cpu_number, thread, name)
}
