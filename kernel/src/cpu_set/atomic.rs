//! `AtomicCpuSet`: a [`CpuSet`] that CPUs update and read concurrently
//! without a lock (one atomic word per 64 CPUs). A snapshot (`load`) is
//! taken word by word: it is exact for a set that changes one CPU at a
//! time, and for a whole-set `store` it may mix the old and new words of
//! a set wider than 64 CPUs (users that replace whole sets say why that
//! is enough).

use super::{position, CpuSet, WORDS};
use core::sync::atomic::{AtomicU64, Ordering};

/// See the module doc. Every operation is `SeqCst`: its users pair the
/// set with other memory (a CR3 load, a thread's CPU) by full fences.
pub struct AtomicCpuSet {
    words: [AtomicU64; WORDS],
}

impl AtomicCpuSet {
    /// A set holding `set`.
    pub const fn new(set: CpuSet) -> AtomicCpuSet {
        let mut words = [const { AtomicU64::new(0) }; WORDS];
        let mut index = 0;
        while index < WORDS {
            words[index] = AtomicU64::new(set.words[index]);
            index += 1;
        }
        AtomicCpuSet { words }
    }

    /// Adds `cpu`; returns whether it was new (false past the capacity).
    pub fn insert(&self, cpu: usize) -> bool {
        let Some((word, bit)) = position(cpu) else { return false };
        self.words[word].fetch_or(bit, Ordering::SeqCst) & bit == 0
    }

    /// Removes `cpu`; returns whether it was there.
    pub fn remove(&self, cpu: usize) -> bool {
        let Some((word, bit)) = position(cpu) else { return false };
        self.words[word].fetch_and(!bit, Ordering::SeqCst) & bit != 0
    }

    /// Whether `cpu` is in the set now.
    pub fn contains(&self, cpu: usize) -> bool {
        position(cpu).is_some_and(|(word, bit)| self.words[word].load(Ordering::SeqCst) & bit != 0)
    }

    /// A snapshot (see the module doc).
    pub fn load(&self) -> CpuSet {
        let mut set = CpuSet::empty();
        for (word, atomic) in set.words.iter_mut().zip(&self.words) {
            *word = atomic.load(Ordering::SeqCst);
        }
        set
    }

    /// Replaces the whole set (see the module doc).
    pub fn store(&self, set: CpuSet) {
        for (atomic, word) in self.words.iter().zip(set.words) {
            atomic.store(word, Ordering::SeqCst);
        }
    }
}

impl Default for AtomicCpuSet {
    fn default() -> AtomicCpuSet {
        AtomicCpuSet::new(CpuSet::empty())
    }
}

impl core::fmt::Debug for AtomicCpuSet {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.load().fmt(formatter)
    }
}
