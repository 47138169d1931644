//! The interrupt descriptor table (one, shared by all CPUs: it is read-only
//! once built) and the table of Rust handlers the entry stubs dispatch to.

use crate::entry_stubs::VECTOR_COUNT;
use crate::hook::Hook;
use crate::interrupt_frame::InterruptFrame;
use crate::vectors::ist_index_for;
use percpu::selectors;
use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;
use x86_64::VirtAddr;

/// A Rust interrupt handler. It runs with interrupts disabled, on the
/// interrupted kernel stack (or an IST stack), with GS = this CPU's PCR.
pub type InterruptHandler = fn(&mut InterruptFrame);

/// One 16-byte 64-bit interrupt gate (SDM vol. 3, figure 6-8).
#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist_index: u8,
    type_attributes: u8,
    offset_middle: u16,
    offset_high: u32,
    reserved: u32,
}
const _: () = assert!(core::mem::size_of::<Gate>() == 16);

/// Present, DPL 0, 64-bit interrupt gate (IF cleared on entry).
const INTERRUPT_GATE_PRESENT: u8 = 0x8e;

impl Gate {
    const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist_index: 0,
        type_attributes: 0,
        offset_middle: 0,
        offset_high: 0,
        reserved: 0,
    };

    fn interrupt_gate(handler_address: u64, ist_index: u8) -> Gate {
        Gate {
            offset_low: handler_address as u16,
            selector: selectors::KERNEL_CODE,
            ist_index,
            type_attributes: INTERRUPT_GATE_PRESENT,
            offset_middle: (handler_address >> 16) as u16,
            offset_high: (handler_address >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; VECTOR_COUNT]);

static IDT: spin::Once<Idt> = spin::Once::new();

/// Registered handlers by vector (none: `FALLBACK`).
static HANDLERS: [Hook<InterruptHandler>; VECTOR_COUNT] = [const { Hook::new() }; VECTOR_COUNT];
/// Handler for vectors nobody registered (the kernel's exception reporter).
static FALLBACK: Hook<InterruptHandler> = Hook::new();
/// Told of each interrupt's vector as it enters and leaves dispatch (the
/// flight recorder).
static OBSERVERS: Hook<InterruptObservers> = Hook::new();

/// The pair `register_observers` stores: both are set together, so one hook.
#[derive(Clone, Copy)]
struct InterruptObservers {
    on_entry: fn(u8),
    on_exit: fn(u8),
}
/// Called when an outermost interrupt that arrived with interrupts enabled,
/// on the interrupted thread's own stack, is about to return: the kernel may
/// switch threads here (preemption).
static RETURN_HOOK: Hook<fn()> = Hook::new();

/// RFLAGS.IF.
const RFLAGS_INTERRUPT_ENABLE: u64 = 1 << 9;

unsafe extern "C" {
    static arch_interrupt_stub_table: [u64; VECTOR_COUNT];
}

/// Builds the IDT (first call only) and loads it on the calling CPU.
pub fn load() {
    let idt = IDT.call_once(|| {
        let mut gates = [Gate::MISSING; VECTOR_COUNT];
        for (vector, gate) in gates.iter_mut().enumerate() {
            // SAFETY: the stub table is emitted by entry_stubs.rs with exactly
            // VECTOR_COUNT entries and never written.
            let stub = unsafe { arch_interrupt_stub_table[vector] };
            *gate = Gate::interrupt_gate(stub, ist_index_for(vector as u8));
        }
        Idt(gates)
    });
    let pointer = DescriptorTablePointer {
        limit: (core::mem::size_of::<Idt>() - 1) as u16,
        base: VirtAddr::from_ptr(idt),
    };
    // SAFETY: the IDT is 'static (in a Once) and never modified after build;
    // every gate points at a stub in this image.
    unsafe { lidt(&pointer) };
}

/// Routes `vector` to `handler` (once per vector).
pub fn register_handler(vector: u8, handler: InterruptHandler) {
    HANDLERS[usize::from(vector)].set(handler);
}

/// Sets the handler for every vector without its own (exception reporter).
pub fn register_fallback_handler(handler: InterruptHandler) {
    FALLBACK.set(handler);
}

/// Sets the functions told of each interrupt's vector on entry and exit.
pub fn register_observers(on_entry: fn(u8), on_exit: fn(u8)) {
    OBSERVERS.set(InterruptObservers { on_entry, on_exit });
}

/// Sets the hook run before returning from an interrupt to code that had
/// interrupts enabled (never for IST vectors, never nested).
pub fn register_return_hook(hook: fn()) {
    RETURN_HOOK.set(hook);
}

static USER_RETURN_HOOK: Hook<fn(&mut InterruptFrame)> = Hook::new();

/// Sets the hook run last before an interrupt or exception returns to ring
/// 3, with the frame (the kernel ends threads of an exiting process there,
/// and will deliver signals).
pub fn register_user_return_hook(hook: fn(&mut InterruptFrame)) {
    USER_RETURN_HOOK.set(hook);
}

/// Called by both entry paths with the saved frame.
#[unsafe(no_mangle)]
extern "C" fn arch_interrupt_dispatch(frame: &mut InterruptFrame) {
    percpu::irq_enter();
    let vector = (frame.vector as usize & (VECTOR_COUNT - 1)) as u8;
    let observers = OBSERVERS.get();
    if let Some(observers) = observers {
        (observers.on_entry)(vector);
    }
    match HANDLERS[usize::from(vector)].get().or_else(|| FALLBACK.get()) {
        Some(handler) => handler(frame),
        // Nothing registered yet (very early boot): stop rather than return
        // into a fault that would recur forever.
        None => crate::cpu::halt_forever(),
    }
    if let Some(observers) = observers {
        (observers.on_exit)(vector);
    }
    percpu::irq_exit();
    let interrupted_with_interrupts_enabled = frame.rflags & RFLAGS_INTERRUPT_ENABLE != 0;
    if interrupted_with_interrupts_enabled && ist_index_for(vector) == 0 && !percpu::in_interrupt() {
        if let Some(hook) = RETURN_HOOK.get() {
            hook();
        }
    }
    if frame.from_user_mode() {
        if let Some(hook) = USER_RETURN_HOOK.get() {
            hook(frame);
        }
    }
}
