//! The local APIC of each CPU, through the `x2apic` crate: x2APIC (MSRs)
//! when CPUID offers it (KVM), xAPIC over MMIO otherwise (TCG in QEMU 7.2).
//!
//! Each CPU's driver state is a [`Lapic`], a field of the kernel's per-CPU
//! block that the kernel lends out only to code running on that CPU (under
//! a guard), and that is used only with interrupts disabled. Mode-wide
//! settings (x2APIC or xAPIC, the MMIO base) are global. Two quirks of the
//! crate are handled here:
//! in xAPIC mode it puts the destination in ICR bits 32..63 verbatim, whereas
//! the xAPIC destination field is bits 56..63, so the APIC id is shifted; and
//! it does not wait for the xAPIC "send pending" bit, so `send` does.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use x2apic::lapic::{IpiDestMode, LocalApic, LocalApicBuilder, TimerDivide, TimerMode};

/// Interrupt vectors the local APIC itself raises.
#[derive(Clone, Copy, Debug)]
pub struct LapicVectors {
    pub timer: u8,
    pub error: u8,
    pub spurious: u8,
}

/// One CPU's local APIC driver state. Owned by that CPU's per-CPU block;
/// every method must be called on the owning CPU (the kernel hands out
/// `&Lapic` only for the running CPU, under a guard that keeps it there),
/// and runs with interrupts disabled.
pub struct Lapic {
    apic: UnsafeCell<Option<LocalApic>>,
}

// SAFETY: only the owning CPU touches the cell (the kernel's per-CPU block
// lends `&Lapic` out only to code pinned to that CPU), and every access runs
// with interrupts off, so there is never concurrent or reentrant access.
unsafe impl Sync for Lapic {}
// SAFETY: as above; the value is built on the BSP and handed to its CPU
// before that CPU runs.
unsafe impl Send for Lapic {}

impl Default for Lapic {
    fn default() -> Self {
        Self::new()
    }
}

static X2APIC_MODE: AtomicBool = AtomicBool::new(false);
/// Virtual address of the xAPIC MMIO page (0 in x2APIC mode).
static XAPIC_BASE: AtomicU64 = AtomicU64::new(0);
/// Timer divider used everywhere (calibration and periodic mode).
const TIMER_DIVIDE: TimerDivide = TimerDivide::Div16;

/// Whether this CPU supports x2APIC mode.
pub fn cpu_supports_x2apic() -> bool {
    raw_cpuid::CpuId::new()
        .get_feature_info()
        .is_some_and(|features| features.has_x2apic())
}

/// Chooses the APIC mode for all CPUs. `xapic_mmio_virtual` is where the
/// kernel mapped the xAPIC page (uncached); it is unused in x2APIC mode.
pub fn select_mode(xapic_mmio_virtual: u64) {
    let x2apic = cpu_supports_x2apic();
    X2APIC_MODE.store(x2apic, Ordering::Relaxed);
    XAPIC_BASE.store(if x2apic { 0 } else { xapic_mmio_virtual }, Ordering::Relaxed);
}

/// Whether the APICs run in x2APIC mode.
pub fn is_x2apic() -> bool {
    X2APIC_MODE.load(Ordering::Relaxed)
}

impl Lapic {
    /// Not yet enabled; `init` on the owning CPU enables it.
    pub const fn new() -> Self {
        Self {
            apic: UnsafeCell::new(None),
        }
    }

    fn with_local_apic<R>(&self, f: impl FnOnce(&mut LocalApic) -> R) -> R {
        crate::cpu::without_interrupts(|| {
            // SAFETY: Lapic's invariant: the owning CPU, interrupts off, so
            // this is the only reference to the cell's contents.
            let slot = unsafe { &mut *self.apic.get() };
            let apic = slot.as_mut().expect("local APIC used before Lapic::init");
            f(apic)
        })
    }

    /// Enables this CPU's local APIC with the timer stopped. Call once, on the
    /// owning CPU, after its PCR is installed.
    pub fn init(&self, vectors: LapicVectors) {
        let mut builder = LocalApicBuilder::new();
        builder
            .timer_vector(vectors.timer as usize)
            .error_vector(vectors.error as usize)
            .spurious_vector(vectors.spurious as usize)
            .timer_mode(TimerMode::Periodic)
            .timer_divide(TIMER_DIVIDE)
            .timer_initial(0)
            .ipi_destination_mode(IpiDestMode::Physical);
        if !is_x2apic() {
            builder.set_xapic_base(XAPIC_BASE.load(Ordering::Relaxed));
        }
        let mut apic = builder.build().expect("local APIC configuration is complete");
        // SAFETY: we are on the CPU whose APIC this is; the vectors have handlers.
        unsafe {
            apic.enable();
            // `enable` unmasks the timer LVT before it sets the software-enable
            // bit in SIVR, and while the APIC is software-disabled the hardware
            // (and KVM) keeps every LVT masked. Unmask again now that it is on.
            // See TEAM_NOTES/lapic-timer-masked-under-kvm.md.
            apic.enable_timer();
        }
        crate::cpu::without_interrupts(|| {
            // SAFETY: Lapic's invariant: the owning CPU, interrupts off.
            unsafe { *self.apic.get() = Some(apic) };
        });
    }

    /// Whether `init` has run.
    pub fn is_ready(&self) -> bool {
        crate::cpu::without_interrupts(|| {
            // SAFETY: Lapic's invariant: the owning CPU, interrupts off.
            unsafe { (*self.apic.get()).is_some() }
        })
    }

    /// This CPU's APIC id, read from the hardware (not from the PCR).
    pub fn hardware_id(&self) -> u32 {
        // SAFETY: reading the ID register has no side effects.
        self.with_local_apic(|apic| unsafe { apic.id() }) >> if is_x2apic() { 0 } else { 24 }
    }

    /// Signals end of interrupt for the interrupt being handled.
    pub fn end_of_interrupt(&self) {
        // SAFETY: called from an interrupt handler of an APIC-delivered vector.
        self.with_local_apic(|apic| unsafe { apic.end_of_interrupt() });
    }

    /// Reads (and thereby clears) this CPU's APIC error status register.
    pub fn read_and_clear_error_flags(&self) -> x2apic::lapic::ErrorFlags {
        // SAFETY: reading the ESR of our own APIC; the crate writes it first, as
        // the SDM requires before a read.
        self.with_local_apic(|apic| unsafe { apic.error_flags() })
    }

    /// Timer ticks (at the divider used here) per millisecond, measured against
    /// the TSC. Run on one CPU; all CPUs share the APIC bus clock.
    pub fn calibrate_timer_ticks_per_ms(&self, tsc_hz: u64) -> u32 {
        const WINDOW_MS: u64 = 10;
        self.with_local_apic(|apic| {
            // SAFETY: our own APIC; the timer is stopped and masked from use by
            // anyone else during boot.
            unsafe {
                apic.set_timer_mode(TimerMode::OneShot);
                apic.set_timer_initial(u32::MAX);
                let start = crate::tsc::read();
                let window = tsc_hz * WINDOW_MS / 1000;
                while crate::tsc::read() - start < window {
                    core::hint::spin_loop();
                }
                let elapsed = u32::MAX - apic.timer_current();
                apic.set_timer_initial(0);
                apic.set_timer_mode(TimerMode::Periodic);
                (u64::from(elapsed) / WINDOW_MS).max(1) as u32
            }
        })
    }

    /// Starts this CPU's periodic timer with `initial_count` ticks per period.
    pub fn start_periodic_timer(&self, initial_count: u32) {
        // SAFETY: our own APIC, configured by `init_this_cpu`.
        self.with_local_apic(|apic| unsafe {
            apic.set_timer_mode(TimerMode::Periodic);
            apic.set_timer_initial(initial_count);
        });
    }

    /// Stops this CPU's timer (an initial count of 0 disarms it).
    pub fn stop_timer(&self) {
        // SAFETY: our own APIC, configured by `init_this_cpu`.
        self.with_local_apic(|apic| unsafe { apic.set_timer_initial(0) });
    }

    /// Sends `ipi` to the CPU with `apic_id`, waiting until the APIC accepted it.
    pub fn send(&self, apic_id: u32, ipi: Ipi) {
        let destination = if is_x2apic() { apic_id } else { apic_id << 24 };
        self.with_local_apic(|apic| {
            // SAFETY: our own APIC; the destination comes from the MADT.
            unsafe {
                wait_for_idle_icr(apic);
                match ipi {
                    Ipi::Fixed(vector) => apic.send_ipi(vector, destination),
                    Ipi::Nmi => apic.send_nmi(destination),
                    Ipi::Init => apic.send_init_ipi(destination),
                    Ipi::Startup(page) => apic.send_sipi(page, destination),
                }
                wait_for_idle_icr(apic);
            }
        });
    }
}

/// The calling CPU's APIC id from CPUID: leaf 0xB's x2APIC id when the CPU
/// has that leaf (highest basic leaf >= 0xB and a non-zero EBX at sub-leaf
/// 0), else the 8-bit initial APIC id of leaf 1. Usable before the APIC is
/// set up. The AP trampoline applies the same rule in assembly to find its
/// table entry (`trampoline.rs`); keep the two in step.
pub fn apic_id_from_cpuid() -> u32 {
    let highest_basic_leaf = raw_cpuid::cpuid!(0).eax;
    if highest_basic_leaf >= crate::trampoline::CPUID_TOPOLOGY_LEAF {
        let topology = raw_cpuid::cpuid!(crate::trampoline::CPUID_TOPOLOGY_LEAF, 0);
        if topology.ebx != 0 {
            return topology.edx;
        }
    }
    raw_cpuid::cpuid!(crate::trampoline::CPUID_FEATURES_LEAF).ebx >> crate::trampoline::CPUID_INITIAL_APIC_ID_SHIFT
}

/// What kind of IPI to send.
#[derive(Clone, Copy, Debug)]
pub enum Ipi {
    /// A normal interrupt on `vector`.
    Fixed(u8),
    /// Non-maskable interrupt.
    Nmi,
    /// INIT (puts the target in wait-for-SIPI).
    Init,
    /// Start-up at physical page `page` (address = page << 12).
    Startup(u8),
}

/// xAPIC only: spin until the previous IPI left the ICR (x2APIC has no such bit).
///
/// # Safety
/// `apic` must be this CPU's APIC.
unsafe fn wait_for_idle_icr(apic: &LocalApic) {
    if is_x2apic() {
        return;
    }
    // SAFETY: reading the ICR of our own APIC.
    while unsafe { apic.get_ipi_delivery_status() } {
        core::hint::spin_loop();
    }
}
