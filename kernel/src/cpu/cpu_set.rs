//! `CpuSet`: a set of CPUs that is as large as the number of CPUs present,
//! not a fixed-width bit mask.

use super::CpuId;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, Ordering};

const BITS_PER_WORD: usize = 64;

/// A lock-free set of CPUs, sized for every CPU the registry knows.
pub struct CpuSet {
    words: Box<[AtomicU64]>,
}

impl CpuSet {
    /// An empty set with room for every CPU of this boot.
    pub fn new() -> Self {
        Self::with_capacity(super::count())
    }

    /// An empty set with room for CPUs `0..cpus` (every `CpuId` of this boot
    /// is below `count()`, so `new` always has room).
    fn with_capacity(cpus: usize) -> Self {
        Self { words: (0..cpus.div_ceil(BITS_PER_WORD)).map(|_| AtomicU64::new(0)).collect() }
    }

    /// Adds `cpu`; returns whether it was new.
    pub fn insert(&self, cpu: CpuId) -> bool {
        let (word, bit) = Self::position(cpu);
        self.words[word].fetch_or(bit, Ordering::AcqRel) & bit == 0
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: CpuId) -> bool {
        let (word, bit) = Self::position(cpu);
        self.words[word].load(Ordering::Acquire) & bit != 0
    }

    fn position(cpu: CpuId) -> (usize, u64) {
        (cpu.index() / BITS_PER_WORD, 1 << (cpu.index() % BITS_PER_WORD))
    }
}

impl Default for CpuSet {
    fn default() -> Self {
        Self::new()
    }
}
