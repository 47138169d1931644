//! `PerCpu`: one CPU's typed block, with the PCR as its header, and the one
//! audited place that widens `gs:[0]` to it.

use super::CpuId;
use super::CallQueue;
use crate::sync::PinsCpu;
use crate::soft_lockup::ProgressClock;
use crate::thread::RunQueue;
use crate::trace::resizable::ResizableRing;
use alloc::boxed::Box;
use arch::lapic::Lapic;
use core::marker::PhantomData;
use core::ops::Deref;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use crossbeam_utils::CachePadded;
use memoffset::offset_of;
use percpu::{ist, ProcessorControlRegion};

/// Where a CPU is in its bring-up.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum BringUp {
    /// Block allocated; the CPU has not finished `smp::init_this_cpu`.
    Starting = 0,
    /// The CPU runs the kernel and takes work (a `CpuId` may name it).
    Online = 1,
    /// The BSP gave up waiting for it and sent it INIT.
    Abandoned = 2,
}

/// Flight-recorder events each CPU keeps (a power of two).
pub const TRACE_EVENTS_PER_CPU: usize = 4096;

/// One CPU's block. Allocated by the BSP for every CPU the MADT lists, never
/// freed or moved; `IA32_GS_BASE` points at its first field while that CPU
/// runs the kernel.
#[repr(C)]
pub struct PerCpu {
    /// The assembly-visible header; must stay the first field (asserted).
    pcr: ProcessorControlRegion,
    /// Bring-up state (`BringUp`): the CPU marks itself online and the BSP
    /// abandons a straggler with one compare-and-swap each, so exactly one
    /// of them wins and a CPU the BSP gave up on never counts as online.
    pub(super) bring_up: AtomicU8,
    /// TSC when the CPU came online.
    pub(super) online_tsc: AtomicU64,
    /// Set when the CPU acknowledged the panic stop and parked.
    parked: AtomicBool,
    /// Scheduler state: runnable threads, current and idle thread. Shared
    /// (its queues have their own locks; owner-only parts say so).
    pub run_queue: CachePadded<RunQueue>,
    /// Flight-recorder ring: written only by this CPU, read by dumps.
    pub trace: ResizableRing,
    /// Functions other CPUs asked this CPU to run.
    pub calls: CallQueue,
    /// Interrupts this CPU took, by vector (`/proc/interrupts`).
    pub interrupts: super::InterruptCounts,
    /// When this CPU last went through the scheduler, idled or ran user
    /// code: the soft-lockup watchdog's clock.
    pub progress: ProgressClock,
    /// Local APIC driver state: owner-only, reached through [`ThisCpu`].
    lapic: Lapic,
}

const _: () = assert!(offset_of!(PerCpu, pcr) == 0, "gs:[0] is the PCR and must be the block's address");

impl PerCpu {
    /// Allocates the block of CPU `index` (APIC id `apic_id`), whose first
    /// kernel context will run on the stack ending at `boot_stack_top`.
    pub(crate) fn allocate(index: u32, apic_id: u32, ist_stack_tops: [u64; ist::COUNT], boot_stack_top: u64) -> &'static PerCpu {
        let mut block = Box::new(PerCpu {
            pcr: ProcessorControlRegion::new(index, apic_id, ist_stack_tops, true),
            bring_up: AtomicU8::new(BringUp::Starting as u8),
            online_tsc: AtomicU64::new(0),
            parked: AtomicBool::new(false),
            // SAFETY: the id of the CPU this block is for; the run queue
            // uses it only once that CPU runs.
            run_queue: CachePadded::new(RunQueue::new(unsafe { CpuId::new_unchecked(index) }, boot_stack_top)),
            trace: ResizableRing::leak_new(TRACE_EVENTS_PER_CPU),
            calls: CallQueue::new(),
            interrupts: super::InterruptCounts::new(),
            progress: ProgressClock::new(),
            lapic: Lapic::new(),
        });
        // SAFETY: the block is on the heap and is leaked below: it never
        // moves and lives for good.
        unsafe { block.pcr.finish_at_final_address(boot_stack_top) };
        Box::leak(block)
    }

    /// The CPU's id. Blocks are handed out only for online CPUs (registry),
    /// the running CPU (`this_cpu`) and the bring-up code.
    pub fn id(&self) -> CpuId {
        // SAFETY: a block reference is only ever held for an online CPU, for
        // the running CPU, or by the bring-up code for the CPU it starts.
        unsafe { CpuId::new_unchecked(self.pcr.cpu_id) }
    }

    /// The CPU's local APIC id.
    pub fn apic_id(&self) -> u32 {
        self.pcr.apic_id
    }

    /// The assembly-visible header (atomics other CPUs may read, such as
    /// `timer_ticks`).
    pub fn pcr(&self) -> &ProcessorControlRegion {
        &self.pcr
    }

    /// Whether the CPU is online (`mark_online` won).
    pub(super) fn is_online(&self) -> bool {
        self.bring_up.load(Ordering::Acquire) == BringUp::Online as u8
    }

    /// Notes progress for the soft-lockup watchdog (the scheduler ran, the
    /// CPU idles or runs user code). Only this CPU calls it.
    pub fn note_progress(&self) {
        self.progress.note_progress(self.pcr.timer_ticks.load(Ordering::Relaxed), arch::tsc::read());
    }

    /// Whether this CPU acknowledged the panic stop.
    pub fn is_parked(&self) -> bool {
        self.parked.load(Ordering::Acquire)
    }

    /// Loads this block's PCR on the calling CPU (GDT, TSS, GS base).
    ///
    /// # Safety
    /// Once per block, on the CPU it was allocated for, interrupts off.
    pub(crate) unsafe fn load_on_this_cpu(&'static self) {
        // SAFETY: the caller's contract; `allocate` finished the PCR.
        unsafe { self.pcr.load_on_this_cpu() }
    }
}

/// The running CPU's block, borrowed for as long as a guard keeps the thread
/// on this CPU. Gives access to the owner-only state as well.
#[derive(Clone, Copy)]
pub struct ThisCpu<'guard> {
    block: &'static PerCpu,
    /// Tied to the guard's lifetime, and neither `Send` nor `Sync` (the raw
    /// pointer): a `ThisCpu` never leaves the thread, and so the CPU, that
    /// made it, even from a leaked guard.
    _guard: PhantomData<(&'guard (), *const ())>,
}

impl<'guard> ThisCpu<'guard> {
    /// This CPU's local APIC.
    pub fn lapic(&self) -> &'guard Lapic {
        &self.block.lapic
    }

    /// Records that this CPU acknowledged the panic stop.
    pub fn mark_parked(&self) {
        self.block.parked.store(true, Ordering::Release);
    }
}

impl Deref for ThisCpu<'_> {
    type Target = PerCpu;
    fn deref(&self) -> &PerCpu {
        self.block
    }
}

/// The running CPU's block, for as long as `guard` lives.
///
/// Panics if the running CPU has no block yet (the BSP before memory is
/// up runs on an early, bare PCR); see `try_this_cpu`.
pub fn this_cpu<G: PinsCpu>(guard: &G) -> ThisCpu<'_> {
    try_this_cpu(guard).expect("per-CPU block used before this CPU's block was loaded")
}

/// The running CPU's block, or `None` while the CPU still runs on a bare
/// early PCR. The one place that turns `gs:[0]` into a `PerCpu`.
pub fn try_this_cpu<G: PinsCpu>(_guard: &G) -> Option<ThisCpu<'_>> {
    let pcr = percpu::current_pcr();
    // SAFETY: GS_BASE points at a loaded PCR, which lives for good.
    let header = unsafe { &*pcr };
    if !header.is_block_header() {
        return None;
    }
    // SAFETY: a PCR made with `is_block_header` is only ever the first field
    // of a `PerCpu` (`PerCpu::allocate`; offset 0 asserted above, repr(C)),
    // which is leaked: the cast names a live 'static block. The guard keeps
    // this thread on the CPU that owns it for the borrow's lifetime.
    let block = unsafe { &*(pcr as *const PerCpu) };
    Some(ThisCpu { block, _guard: PhantomData })
}
