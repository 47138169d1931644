//! The `ProcessorControlRegion` type, its layout constants and its set-up.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use memoffset::offset_of;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::VirtAddr;

/// Number of GDT slots: null, kernel code, kernel data, user data, user code,
/// and the two-slot TSS descriptor, plus one spare.
pub const GDT_ENTRY_COUNT: usize = 8;

/// Segment selectors, identical on every CPU because every CPU builds its GDT
/// in the same order. The user selectors follow the SYSRET layout
/// (user data = STAR base + 8, user code = STAR base + 16).
pub mod selectors {
    /// Ring-0 64-bit code.
    pub const KERNEL_CODE: u16 = 0x08;
    /// Ring-0 data (also the stack segment).
    pub const KERNEL_DATA: u16 = 0x10;
    /// Ring-3 data, RPL 3.
    pub const USER_DATA: u16 = 0x18 | 3;
    /// Ring-3 64-bit code, RPL 3.
    pub const USER_CODE: u16 = 0x20 | 3;
    /// This CPU's TSS (two slots).
    pub const TSS: u16 = 0x28;
}

/// Interrupt-stack-table slots (1-based, as the IDT gate encodes them).
pub mod ist {
    /// Double fault (#DF): also where a kernel stack overflow lands.
    pub const DOUBLE_FAULT: u8 = 1;
    /// Non-maskable interrupt.
    pub const NMI: u8 = 2;
    /// Machine check (#MC).
    pub const MACHINE_CHECK: u8 = 3;
    /// Debug (#DB).
    pub const DEBUG: u8 = 4;
    /// How many IST stacks each CPU owns.
    pub const COUNT: usize = 4;
}

/// Per-CPU control region. One per CPU, never freed, never moved: its address
/// is in `IA32_GS_BASE` while that CPU runs kernel code. Made with `new`,
/// placed, then `finish_at_final_address` and `load_on_this_cpu`.
///
/// Only the owning CPU writes the fields (other CPUs may read the atomics, for
/// example `timer_ticks` in tests), so plain loads and stores through `gs:`
/// are race-free; the atomics are there to make reads from elsewhere sound.
#[repr(C, align(64))]
pub struct ProcessorControlRegion {
    /// Address of this region: `mov rax, gs:[0]` yields the PCR pointer.
    self_ref: *const ProcessorControlRegion,
    /// SYSCALL entry parks the user RSP here before it has a kernel stack.
    pub user_rsp_scratch: AtomicU64,
    /// Top of the kernel stack of the thread running on this CPU; SYSCALL
    /// entry loads RSP from here. Mirrors `tss.rsp0`.
    pub kernel_stack_top: AtomicU64,
    /// Dense CPU number, 0 = the bootstrap processor.
    pub cpu_id: u32,
    /// Local APIC id of this CPU.
    pub apic_id: u32,
    /// Preemption nesting count in the low bits, and the reschedule flag
    /// folded in, inverted, as `NO_RESCHED_NEEDED_BIT` (as Linux does on
    /// x86): the word is 0 exactly when preemption is enabled *and* a
    /// reschedule is due, so leaving the last guard is one `dec gs:[..]`
    /// whose zero flag says "switch now". Changed by single `gs:`
    /// instructions only (`inc`, `dec`, `and`, `or`), through the accessors;
    /// private so that nobody reads the raw folded word by mistake.
    preempt_count: AtomicU32,
    /// Interrupt nesting depth; changed by one `gs:` instruction.
    irq_depth: AtomicU32,
    /// Whether this PCR is the header of the kernel's typed per-CPU block
    /// (`kernel::cpu::PerCpu`), so `gs:[0]` may be widened to it; false for
    /// the BSP's early PCR, used only until memory is up.
    is_block_header: bool,
    /// LAPIC timer interrupts taken by this CPU.
    pub timer_ticks: AtomicU64,
    /// Next flight-recorder sequence number; reserved with one non-locked
    /// `xadd gs:[..]` (see `trace_reserve_sequence`).
    pub trace_next_sequence: AtomicU64,
    /// IST stack tops given at construction (index 0 = IST1); the live
    /// values are in the TSS (see `set_interrupt_stack_top`).
    ist_stack_tops: [u64; ist::COUNT],
    /// This CPU's GDT: it holds this CPU's TSS descriptor.
    gdt: UnsafeCell<GlobalDescriptorTable<GDT_ENTRY_COUNT>>,
    /// This CPU's TSS: `rsp0` for entries from ring 3, IST stacks.
    tss: UnsafeCell<TaskStateSegment>,
}

// SAFETY: the raw `self_ref` never changes after `finish_at_final_address`
// (which takes `&mut self`), and `gdt`/`tss` are written after that only by
// the owning CPU (context switch, `set_kernel_stack_top`), never concurrently
// with a reader on another CPU. Every other mutable field is an atomic.
unsafe impl Sync for ProcessorControlRegion {}
// SAFETY: as above; a PCR is created on one CPU and handed to another before
// that CPU runs, with no outstanding borrows.
unsafe impl Send for ProcessorControlRegion {}

/// Offset of `self_ref` (must be 0: `gs:[0]` is the PCR pointer).
pub const SELF_REF_OFFSET: usize = offset_of!(ProcessorControlRegion, self_ref);
/// Offset of `user_rsp_scratch`, used by the SYSCALL entry stub.
pub const USER_RSP_SCRATCH_OFFSET: usize = offset_of!(ProcessorControlRegion, user_rsp_scratch);
/// Offset of `kernel_stack_top`, used by the SYSCALL entry stub.
pub const KERNEL_STACK_TOP_OFFSET: usize = offset_of!(ProcessorControlRegion, kernel_stack_top);
/// Offset of `cpu_id`.
pub const CPU_ID_OFFSET: usize = offset_of!(ProcessorControlRegion, cpu_id);
/// Offset of `apic_id`.
pub const APIC_ID_OFFSET: usize = offset_of!(ProcessorControlRegion, apic_id);
/// Offset of `preempt_count`.
pub const PREEMPT_COUNT_OFFSET: usize = offset_of!(ProcessorControlRegion, preempt_count);
/// Offset of `irq_depth`.
pub const IRQ_DEPTH_OFFSET: usize = offset_of!(ProcessorControlRegion, irq_depth);
/// Set in `preempt_count` while *no* reschedule is due (see the field).
pub const NO_RESCHED_NEEDED_BIT: u32 = 1 << 31;
/// Offset of `timer_ticks`.
pub const TIMER_TICKS_OFFSET: usize = offset_of!(ProcessorControlRegion, timer_ticks);
/// Offset of `trace_next_sequence`.
pub const TRACE_NEXT_SEQUENCE_OFFSET: usize = offset_of!(ProcessorControlRegion, trace_next_sequence);
/// Offset of the TSS inside the PCR.
pub const TSS_OFFSET: usize = offset_of!(ProcessorControlRegion, tss);
/// Offset of `TSS.rsp0` inside the PCR, used by the context switch.
pub const TSS_RSP0_OFFSET: usize =
    TSS_OFFSET + offset_of!(TaskStateSegment, privilege_stack_table);

const _: () = assert!(SELF_REF_OFFSET == 0, "gs:[0] must be the PCR pointer");
const _: () = assert!(USER_RSP_SCRATCH_OFFSET.is_multiple_of(8) && KERNEL_STACK_TOP_OFFSET.is_multiple_of(8));
const _: () = assert!(PREEMPT_COUNT_OFFSET.is_multiple_of(4) && IRQ_DEPTH_OFFSET.is_multiple_of(4));
const _: () = assert!(TSS_RSP0_OFFSET == TSS_OFFSET + 4, "rsp0 sits 4 bytes into the TSS");
const _: () = assert!(core::mem::size_of::<TaskStateSegment>() == 104);
const _: () = assert!(core::mem::size_of::<ProcessorControlRegion>() <= 4096);
static_assertions::assert_eq_size!(AtomicU64, u64);
static_assertions::assert_eq_size!(AtomicU32, u32);

impl ProcessorControlRegion {
    /// A PCR for `cpu_id` / `apic_id` with its IST stack tops. It is not yet
    /// usable: it must be placed at its final address, finished and loaded.
    /// `is_block_header`: whether it will be the first field of the kernel's
    /// typed per-CPU block (see the field of that name).
    pub const fn new(cpu_id: u32, apic_id: u32, ist_stack_tops: [u64; ist::COUNT], is_block_header: bool) -> Self {
        Self {
            self_ref: core::ptr::null(),
            user_rsp_scratch: AtomicU64::new(0),
            kernel_stack_top: AtomicU64::new(0),
            cpu_id,
            apic_id,
            preempt_count: AtomicU32::new(NO_RESCHED_NEEDED_BIT),
            irq_depth: AtomicU32::new(0),
            is_block_header,
            timer_ticks: AtomicU64::new(0),
            trace_next_sequence: AtomicU64::new(1),
            ist_stack_tops,
            gdt: UnsafeCell::new(GlobalDescriptorTable::empty()),
            tss: UnsafeCell::new(TaskStateSegment::new()),
        }
    }

    /// Fills in `self_ref`, the TSS (`rsp0` = `kernel_stack_top`, the IST
    /// stacks) and the GDT of this PCR, now at its final address. It can
    /// then be loaded by its CPU with `load_on_this_cpu`.
    ///
    /// # Safety
    /// `self` must never move again and must live for the rest of the
    /// kernel's life (the GDT's TSS descriptor points into it).
    pub unsafe fn finish_at_final_address(&mut self, kernel_stack_top: u64) {
        self.self_ref = self as *const Self;
        self.kernel_stack_top.store(kernel_stack_top, Ordering::Relaxed);
        let tss = self.tss.get_mut();
        tss.privilege_stack_table[0] = VirtAddr::new(kernel_stack_top);
        let mut interrupt_stacks = tss.interrupt_stack_table;
        for (slot, top) in interrupt_stacks.iter_mut().zip(self.ist_stack_tops) {
            *slot = VirtAddr::new(top);
        }
        tss.interrupt_stack_table = interrupt_stacks;
        // SAFETY: the caller guarantees the PCR (and so its TSS) stays put
        // for good, so the descriptor never dangles.
        let tss_descriptor = unsafe { Descriptor::tss_segment_unchecked(self.tss.get()) };
        let gdt = self.gdt.get_mut();
        let code = gdt.append(Descriptor::kernel_code_segment());
        let data = gdt.append(Descriptor::kernel_data_segment());
        let user_data = gdt.append(Descriptor::user_data_segment());
        let user_code = gdt.append(Descriptor::user_code_segment());
        let tss_selector = gdt.append(tss_descriptor);
        debug_assert_eq!(code.0, selectors::KERNEL_CODE);
        debug_assert_eq!(data.0, selectors::KERNEL_DATA);
        debug_assert_eq!(user_data.0, selectors::USER_DATA);
        debug_assert_eq!(user_code.0, selectors::USER_CODE);
        debug_assert_eq!(tss_selector.0, selectors::TSS);
    }

    /// Loads this PCR's GDT, the segment registers and the task register on
    /// the calling CPU and points `IA32_GS_BASE` at the PCR
    /// (`IA32_KERNEL_GS_BASE` = 0). After this the `gs:` accessors work on
    /// this CPU.
    ///
    /// # Safety
    /// `finish_at_final_address` must have run; call once per PCR, on the CPU
    /// it belongs to, with interrupts disabled.
    pub unsafe fn load_on_this_cpu(&'static self) {
        use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
        use x86_64::registers::model_specific::{GsBase, KernelGsBase};
        debug_assert!(core::ptr::eq(self.self_ref, self), "PCR loaded before finish_at_final_address");
        // SAFETY: the GDT lives in the 'static PCR and is not modified after
        // `finish_at_final_address`; the selectors name its descriptors; the
        // caller guarantees we are on the owning CPU with interrupts off.
        unsafe {
            (*self.gdt.get()).load_unsafe();
            CS::set_reg(SegmentSelector(selectors::KERNEL_CODE));
            SS::set_reg(SegmentSelector(selectors::KERNEL_DATA));
            DS::set_reg(SegmentSelector(0));
            ES::set_reg(SegmentSelector(0));
            x86_64::instructions::tables::load_tss(SegmentSelector(selectors::TSS));
            GsBase::write(VirtAddr::from_ptr(self.self_ref));
            KernelGsBase::write(VirtAddr::zero());
        }
    }

    /// The interrupt stack tops this PCR was made with (index 0 = IST1).
    pub fn interrupt_stack_tops(&self) -> [u64; ist::COUNT] {
        self.ist_stack_tops
    }

    /// Replaces IST stack `ist_index` (1-based) of this CPU, e.g. to move the
    /// BSP from its early static IST stacks to guarded ones.
    ///
    /// # Safety
    /// Only the owning CPU may call this, with interrupts disabled, and not
    /// while running on the IST stack being replaced.
    pub unsafe fn set_interrupt_stack_top(&self, ist_index: u8, top: u64) {
        let slot = usize::from(ist_index) - 1;
        // SAFETY: caller is the owning CPU with interrupts off; the TSS is
        // packed(4), so copy the table out and back.
        unsafe {
            let table = core::ptr::addr_of_mut!((*self.tss.get()).interrupt_stack_table);
            let mut stacks = core::ptr::read_unaligned(table);
            stacks[slot] = VirtAddr::new(top);
            core::ptr::write_unaligned(table, stacks);
        }
    }

    /// Whether this PCR heads the kernel's typed per-CPU block.
    pub fn is_block_header(&self) -> bool {
        self.is_block_header
    }

    /// `TSS.rsp0` of this CPU.
    pub fn rsp0(&self) -> u64 {
        // SAFETY: a plain read of a field only this CPU writes; the TSS is
        // packed(4) so read it unaligned.
        unsafe {
            let table = core::ptr::addr_of!((*self.tss.get()).privilege_stack_table);
            core::ptr::read_unaligned(table)[0].as_u64()
        }
    }

    /// Sets `TSS.rsp0` and `kernel_stack_top` (the stack the CPU switches to
    /// on entry from ring 3 and on SYSCALL).
    ///
    /// # Safety
    /// Only the owning CPU may call this, with interrupts disabled.
    pub unsafe fn set_kernel_stack_top(&self, top: u64) {
        self.kernel_stack_top.store(top, Ordering::Relaxed);
        // SAFETY: the caller is the owning CPU with interrupts off, so no one
        // else reads or writes the TSS now; packed(4) needs unaligned access.
        unsafe {
            let slot = core::ptr::addr_of_mut!((*self.tss.get()).privilege_stack_table);
            let mut table = core::ptr::read_unaligned(slot);
            table[0] = VirtAddr::new(top);
            core::ptr::write_unaligned(slot, table);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_offsets_are_what_assembly_expects() {
        assert_eq!(SELF_REF_OFFSET, 0);
        assert_eq!(USER_RSP_SCRATCH_OFFSET, 8);
        assert_eq!(KERNEL_STACK_TOP_OFFSET, 16);
        assert!(core::mem::align_of::<ProcessorControlRegion>() >= 64);
    }

    #[test]
    fn rsp0_round_trips_through_the_packed_tss() {
        let pcr = ProcessorControlRegion::new(3, 7, [0; ist::COUNT], false);
        // SAFETY: single-threaded host test; nobody else touches this PCR.
        unsafe { pcr.set_kernel_stack_top(0xffff_c000_0001_0000) };
        assert_eq!(pcr.rsp0(), 0xffff_c000_0001_0000);
        assert_eq!(pcr.kernel_stack_top.load(Ordering::Relaxed), 0xffff_c000_0001_0000);
    }

    #[test]
    fn tss_rsp0_offset_matches_a_raw_read() {
        let pcr = ProcessorControlRegion::new(0, 0, [0; ist::COUNT], false);
        // SAFETY: single-threaded host test.
        unsafe { pcr.set_kernel_stack_top(0xffff_8877_6655_4430) };
        let base = &pcr as *const _ as *const u8;
        // SAFETY: TSS_RSP0_OFFSET lies inside the PCR (asserted at compile time).
        let raw = unsafe { core::ptr::read_unaligned(base.add(TSS_RSP0_OFFSET) as *const u64) };
        assert_eq!(raw, 0xffff_8877_6655_4430);
    }
}
