//! `AtomicCpuSet`: a [`CpuSet`] that CPUs update and read concurrently
//! without a lock (one atomic word per 64 CPUs). A snapshot (`load`) is
//! taken word by word: it is exact for a set that changes one CPU at a
//! time. A whole-set `store` adds the new members before it removes the
//! old ones, so a reader racing it (or a store preempted halfway, on a
//! machine with more than 64 CPUs) sees the old set, the new one or their
//! union: never a set with neither, never an empty one between two
//! non-empty ones.

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

    /// Replaces the whole set: adds the new members, then removes the
    /// others (see the module doc).
    pub fn store(&self, set: CpuSet) {
        for (atomic, word) in self.words.iter().zip(set.words) {
            atomic.fetch_or(word, Ordering::SeqCst);
        }
        for (atomic, word) in self.words.iter().zip(set.words) {
            atomic.fetch_and(word, Ordering::SeqCst);
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
