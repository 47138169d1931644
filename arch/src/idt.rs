//! The interrupt descriptor table (one, shared by all CPUs: it is read-only
//! once built) and the table of Rust handlers the entry stubs dispatch to.

use crate::entry_stubs::VECTOR_COUNT;
use crate::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicUsize, Ordering};
use percpu::{ist, selectors};
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

/// Registered handlers by vector; 0 = none (falls back to `FALLBACK`).
static HANDLERS: [AtomicUsize; VECTOR_COUNT] = [const { AtomicUsize::new(0) }; VECTOR_COUNT];
/// Handler for vectors nobody registered (the kernel's exception reporter).
static FALLBACK: AtomicUsize = AtomicUsize::new(0);
/// Called as each interrupt enters and leaves dispatch (flight recorder).
static ENTRY_OBSERVER: AtomicUsize = AtomicUsize::new(0);
static EXIT_OBSERVER: AtomicUsize = AtomicUsize::new(0);
/// Called when an outermost interrupt that arrived with interrupts enabled,
/// on the interrupted thread's own stack, is about to return: the kernel may
/// switch threads here (preemption).
static RETURN_HOOK: AtomicUsize = AtomicUsize::new(0);

/// RFLAGS.IF.
const RFLAGS_INTERRUPT_ENABLE: u64 = 1 << 9;

unsafe extern "C" {
    static arch_interrupt_stub_table: [u64; VECTOR_COUNT];
}

/// Which IST stack a vector runs on (0 = the interrupted/rsp0 stack).
fn ist_index_for(vector: usize) -> u8 {
    match vector {
        1 => ist::DEBUG,
        2 => ist::NMI,
        8 => ist::DOUBLE_FAULT,
        18 => ist::MACHINE_CHECK,
        _ => 0,
    }
}

/// Builds the IDT (first call only) and loads it on the calling CPU.
pub fn load() {
    let idt = IDT.call_once(|| {
        let mut gates = [Gate::MISSING; VECTOR_COUNT];
        for (vector, gate) in gates.iter_mut().enumerate() {
            // SAFETY: the stub table is emitted by entry_stubs.rs with exactly
            // VECTOR_COUNT entries and never written.
            let stub = unsafe { arch_interrupt_stub_table[vector] };
            *gate = Gate::interrupt_gate(stub, ist_index_for(vector));
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

/// Routes `vector` to `handler` (replacing any earlier one).
pub fn register_handler(vector: u8, handler: InterruptHandler) {
    HANDLERS[vector as usize].store(handler as usize, Ordering::Release);
}

/// Sets the handler for every vector without its own (exception reporter).
pub fn register_fallback_handler(handler: InterruptHandler) {
    FALLBACK.store(handler as usize, Ordering::Release);
}

/// Sets the functions told of each interrupt's vector on entry and exit.
pub fn register_observers(on_entry: fn(u8), on_exit: fn(u8)) {
    ENTRY_OBSERVER.store(on_entry as usize, Ordering::Release);
    EXIT_OBSERVER.store(on_exit as usize, Ordering::Release);
}

/// Sets the hook run before returning from an interrupt to code that had
/// interrupts enabled (never for IST vectors, never nested).
pub fn register_return_hook(hook: fn()) {
    RETURN_HOOK.store(hook as usize, Ordering::Release);
}

fn observe(observer: &AtomicUsize, vector: usize) {
    let address = observer.load(Ordering::Acquire);
    if address != 0 {
        // SAFETY: only `fn(u8)` values are stored in the observers.
        let observer: fn(u8) = unsafe { core::mem::transmute(address) };
        observer(vector as u8);
    }
}

/// Called by both entry paths with the saved frame.
#[unsafe(no_mangle)]
extern "C" fn arch_interrupt_dispatch(frame: &mut InterruptFrame) {
    percpu::irq_enter();
    let vector = frame.vector as usize & (VECTOR_COUNT - 1);
    observe(&ENTRY_OBSERVER, vector);
    let mut address = HANDLERS[vector].load(Ordering::Acquire);
    if address == 0 {
        address = FALLBACK.load(Ordering::Acquire);
    }
    if address != 0 {
        // SAFETY: only `InterruptHandler` values are stored in these tables.
        let handler: InterruptHandler = unsafe { core::mem::transmute(address) };
        handler(frame);
    } else {
        // Nothing registered yet (very early boot): stop rather than return
        // into a fault that would recur forever.
        crate::cpu::halt_forever();
    }
    observe(&EXIT_OBSERVER, vector);
    percpu::irq_exit();
    let interrupted_with_interrupts_enabled = frame.rflags & RFLAGS_INTERRUPT_ENABLE != 0;
    if interrupted_with_interrupts_enabled && ist_index_for(vector) == 0 && !percpu::in_interrupt() {
        let hook = RETURN_HOOK.load(Ordering::Acquire);
        if hook != 0 {
            // SAFETY: only `fn()` values are stored in RETURN_HOOK.
            let hook: fn() = unsafe { core::mem::transmute(hook) };
            hook();
        }
    }
}
