//! The set of CPUs that have one user address space loaded (see
//! `address_space.rs` for the rule that makes it enough for TLB
//! shootdowns): an [`AtomicCpuSet`] changed one CPU at a time, so its
//! snapshots are exact.

use crate::cpu_set::{AtomicCpuSet, CpuSet};
use core::sync::atomic::{fence, Ordering};

/// The CPUs that have an address space loaded (lock-free).
#[derive(Default)]
pub struct ActiveCpus {
    cpus: AtomicCpuSet,
}

impl ActiveCpus {
    /// Adds CPU `index`; a full fence follows, so the page-table reads of
    /// the CR3 load that comes next cannot move before it.
    pub fn join(&self, index: usize) {
        self.cpus.insert(index);
        fence(Ordering::SeqCst);
    }

    /// Removes CPU `index` (after it loaded another root).
    pub fn leave(&self, index: usize) {
        self.cpus.remove(index);
    }

    /// The CPUs in the set now.
    pub fn members(&self) -> CpuSet {
        self.cpus.load()
    }
}
