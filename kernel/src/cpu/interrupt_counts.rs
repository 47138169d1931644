//! `InterruptCounts`: how many interrupts of each vector one CPU took (the
//! per-CPU columns of `/proc/interrupts` and the `intr` line of
//! `/proc/stat`). Counted on interrupt entry by [`count_interrupt`].

use core::sync::atomic::{AtomicU64, Ordering};

/// Interrupt vectors of x86-64.
pub const VECTOR_COUNT: usize = 256;

/// See the module doc.
pub struct InterruptCounts {
    by_vector: [AtomicU64; VECTOR_COUNT],
}

impl InterruptCounts {
    pub const fn new() -> InterruptCounts {
        InterruptCounts { by_vector: [const { AtomicU64::new(0) }; VECTOR_COUNT] }
    }

    /// Interrupts taken of `vector`.
    pub fn of_vector(&self, vector: u8) -> u64 {
        self.by_vector[usize::from(vector)].load(Ordering::Relaxed)
    }
}

impl Default for InterruptCounts {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts an interrupt of `vector` on the running CPU (interrupt entry,
/// interrupts off). Nothing before the CPU's block is loaded.
pub fn count_interrupt(vector: u8) {
    let guard = crate::sync::IrqGuard::new();
    if let Some(this) = super::try_this_cpu(&guard) {
        this.interrupts.by_vector[usize::from(vector)].fetch_add(1, Ordering::Relaxed);
    }
}
