//! Guarded kernel stacks. The stack region is cut into fixed slots; each slot
//! starts with an unmapped guard page and the stack sits right above it:
//!
//! ```text
//! slot i:  [ guard page (never mapped) | stack pages ............ ] top
//!          ^ STACK_REGION_BASE + i * SLOT_BYTES
//! ```
//!
//! Running off the bottom of any kernel stack therefore touches a guard page
//! and faults (usually escalating to #DF, which has its own IST stack) instead
//! of silently corrupting a neighbour. `guard_page_owner` tells the fault
//! handler whose stack it was. All stacks are in the kernel half, so they stay
//! mapped in every address space.

use arch::layout::{PAGE_SIZE_BYTES, STACK_REGION_BASE};
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::structures::paging::PageTableFlags;

/// Bytes of virtual space per slot (guard page included).
pub const SLOT_BYTES: u64 = 128 * 1024;
/// Largest stack a slot holds.
pub const MAX_STACK_BYTES: u64 = SLOT_BYTES - PAGE_SIZE_BYTES;
/// Smallest stack the kernel hands out.
pub const MIN_STACK_BYTES: u64 = 16 * 1024;
/// Number of slots (bounds the owner table below).
pub const SLOT_COUNT: usize = 8192;

/// What a stack is for, recorded so an overflow report can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackKind {
    /// A CPU's boot stack (BSP after the early switch, APs from the trampoline).
    Boot,
    /// An IST stack: 1 = #DF, 2 = NMI, 3 = #MC, 4 = #DB.
    Interrupt(u8),
    /// A kernel thread's stack.
    Thread,
}

/// Who owns a stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackOwner {
    pub kind: StackKind,
    /// CPU for boot and IST stacks; thread id for thread stacks.
    pub id: u32,
}

impl StackOwner {
    fn encode(self) -> u64 {
        let (kind, detail) = match self.kind {
            StackKind::Boot => (1u64, 0u64),
            StackKind::Interrupt(ist) => (2, u64::from(ist)),
            StackKind::Thread => (3, 0),
        };
        kind << 48 | detail << 32 | u64::from(self.id)
    }

    fn decode(raw: u64) -> Option<StackOwner> {
        let id = raw as u32;
        let detail = (raw >> 32) as u8;
        let kind = match raw >> 48 {
            1 => StackKind::Boot,
            2 => StackKind::Interrupt(detail),
            3 => StackKind::Thread,
            _ => return None,
        };
        Some(StackOwner { kind, id })
    }
}

impl core::fmt::Display for StackOwner {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.kind {
            StackKind::Boot => write!(formatter, "boot stack of cpu {}", self.id),
            StackKind::Interrupt(ist) => write!(formatter, "IST{} stack of cpu {}", ist, self.id),
            StackKind::Thread => write!(formatter, "stack of thread {}", self.id),
        }
    }
}

/// Owner of each slot (0 = free). Read lock-free by fault handlers.
static SLOT_OWNERS: [AtomicU64; SLOT_COUNT] = [const { AtomicU64::new(0) }; SLOT_COUNT];

/// A mapped, guarded kernel stack. The handle does not own the mapping:
/// dropping it leaves the stack mapped (boot and IST stacks live as long as
/// their CPU); thread stacks are given back with `release`.
#[derive(Debug)]
pub struct KernelStack {
    slot: usize,
    size_bytes: u64,
}

impl KernelStack {
    /// Highest address + 1 (16-byte aligned): the initial RSP.
    pub fn top(&self) -> u64 {
        slot_base(self.slot) + PAGE_SIZE_BYTES + self.size_bytes
    }

    /// Lowest usable address (just above the guard page).
    pub fn bottom(&self) -> u64 {
        slot_base(self.slot) + PAGE_SIZE_BYTES
    }

}

fn slot_base(slot: usize) -> u64 {
    STACK_REGION_BASE + slot as u64 * SLOT_BYTES
}

/// Why a stack could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackError {
    BadSize(u64),
    NoFreeSlot,
    OutOfMemory,
}

/// Allocates and maps a stack of `size_bytes` (a multiple of 4 KiB between
/// `MIN_STACK_BYTES` and `MAX_STACK_BYTES`) for `owner`.
pub fn allocate(size_bytes: u64, owner: StackOwner) -> Result<KernelStack, StackError> {
    if !(MIN_STACK_BYTES..=MAX_STACK_BYTES).contains(&size_bytes) || !size_bytes.is_multiple_of(PAGE_SIZE_BYTES) {
        return Err(StackError::BadSize(size_bytes));
    }
    if arch::cpu::interrupts_enabled() && RELEASED.lock().slots.len() >= RECLAIM_BATCH_STACKS {
        reclaim_released();
    }
    let slot = SLOT_OWNERS
        .iter()
        .position(|owner_slot| {
            owner_slot.compare_exchange(0, owner.encode(), Ordering::AcqRel, Ordering::Relaxed).is_ok()
        })
        .ok_or(StackError::NoFreeSlot)?;
    let stack = KernelStack { slot, size_bytes };
    let flags = PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let mut page = stack.bottom();
    while page < stack.top() {
        let Some(frame) = super::frames::allocate() else {
            free_pages(stack.bottom(), page);
            SLOT_OWNERS[slot].store(0, Ordering::Release);
            return Err(StackError::OutOfMemory);
        };
        // SAFETY: the slot was just claimed, so its pages are ours, and the
        // frame was just allocated.
        if unsafe { super::paging::map_page(page, frame, flags) }.is_err() {
            let _ = super::frames::free(frame);
            free_pages(stack.bottom(), page);
            SLOT_OWNERS[slot].store(0, Ordering::Release);
            return Err(StackError::OutOfMemory);
        }
        page += PAGE_SIZE_BYTES;
    }
    Ok(stack)
}

/// Released stacks waiting for a TLB shootdown: their pages are unmapped on
/// the releasing CPU, but other CPUs may still cache translations, so the
/// frames and the slot are reused only after every TLB was flushed.
struct Released {
    slots: alloc::vec::Vec<usize>,
    frames: alloc::vec::Vec<u64>,
}

static RELEASED: crate::sync::IrqSpinLock<Released> =
    crate::sync::IrqSpinLock::new(Released { slots: alloc::vec::Vec::new(), frames: alloc::vec::Vec::new() });

/// Released stacks that trigger a shootdown on the next allocation.
const RECLAIM_BATCH_STACKS: usize = 32;

/// Gives a thread's stack back. Callable with interrupts off (the scheduler
/// calls it right after switching away from an exited thread); the memory is
/// reused after the next batched TLB shootdown.
pub fn release(stack: KernelStack) {
    let mut frames = alloc::vec::Vec::new();
    let mut page = stack.bottom();
    while page < stack.top() {
        // SAFETY: the stack's owner has exited and was switched out; nothing
        // uses these pages any more.
        if let Ok(frame) = unsafe { super::paging::unmap_page(page) } {
            frames.push(frame);
        }
        page += PAGE_SIZE_BYTES;
    }
    let mut released = RELEASED.lock();
    released.slots.push(stack.slot);
    released.frames.extend(frames);
}

/// Flushes every CPU's TLB and returns the frames and slots of released
/// stacks to their allocators. Needs interrupts enabled (it waits for other
/// CPUs).
pub fn reclaim_released() {
    // Take the batch *before* the shootdown: a stack released while the
    // shootdown runs may be cached by a CPU already flushed, so it waits for
    // the next batch.
    let Released { slots, frames } = core::mem::replace(
        &mut *RELEASED.lock(),
        Released { slots: alloc::vec::Vec::new(), frames: alloc::vec::Vec::new() },
    );
    if slots.is_empty() {
        return;
    }
    super::tlb::shootdown();
    for frame in frames {
        super::frames::free(frame).expect("a released stack frame was not allocated");
    }
    for slot in slots {
        SLOT_OWNERS[slot].store(0, Ordering::Release);
    }
}

fn free_pages(from: u64, to: u64) {
    let mut page = from;
    while page < to {
        // SAFETY: these pages belong to a stack being torn down (callers'
        // contracts); nothing uses them any more.
        if let Ok(frame) = unsafe { super::paging::unmap_page(page) } {
            let _ = super::frames::free(frame);
        }
        page += PAGE_SIZE_BYTES;
    }
}

/// Whether `[low, high)` can be read as one stack without touching
/// anything unmapped: inside one slot above its guard page when it is in
/// the stack region (a stack's pages are all mapped from its bottom to its
/// top), or, outside the region (the BSP's early stack in the image), no
/// larger than a stack may be. For backtraces, which must never fault.
pub fn is_one_stack(low: u64, high: u64) -> bool {
    if low >= high {
        return false;
    }
    let region = STACK_REGION_BASE..STACK_REGION_BASE + SLOT_COUNT as u64 * SLOT_BYTES;
    match (region.contains(&low), region.contains(&(high - 1))) {
        (true, true) => {
            let slot = (low - STACK_REGION_BASE) / SLOT_BYTES;
            (high - 1 - STACK_REGION_BASE) / SLOT_BYTES == slot && (low - STACK_REGION_BASE) % SLOT_BYTES >= PAGE_SIZE_BYTES
        }
        (false, false) => high - low <= MAX_STACK_BYTES,
        _ => false,
    }
}

/// If `address` lies in a guard page of an allocated stack, that stack's
/// owner. Lock-free: safe to call from #PF and #DF handlers.
pub fn guard_page_owner(address: u64) -> Option<StackOwner> {
    let offset = address.checked_sub(STACK_REGION_BASE)?;
    let slot = (offset / SLOT_BYTES) as usize;
    if slot >= SLOT_COUNT || offset % SLOT_BYTES >= PAGE_SIZE_BYTES {
        return None;
    }
    StackOwner::decode(SLOT_OWNERS[slot].load(Ordering::Acquire))
}
