//! The set of CPUs that have one user address space loaded (see
//! `address_space.rs` for the rule that makes it enough for TLB
//! shootdowns): a fixed-width lock-free bit mask, one bit per possible CPU.

use core::sync::atomic::{fence, AtomicU64, Ordering};

/// Words of the CPU mask: one bit per possible CPU id.
const ACTIVE_WORDS: usize = (protocol::MAX_CPUS as usize).div_ceil(64);

/// The CPUs that have an address space loaded (lock-free).
pub struct ActiveCpus {
    words: [AtomicU64; ACTIVE_WORDS],
}

impl ActiveCpus {
    /// No CPU.
    pub const fn new() -> ActiveCpus {
        ActiveCpus { words: [const { AtomicU64::new(0) }; ACTIVE_WORDS] }
    }

    /// Adds CPU `index`; a full fence follows, so the page-table reads of
    /// the CR3 load that comes next cannot move before it.
    pub fn join(&self, index: usize) {
        self.words[index / 64].fetch_or(1 << (index % 64), Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Removes CPU `index` (after it loaded another root).
    pub fn leave(&self, index: usize) {
        self.words[index / 64].fetch_and(!(1 << (index % 64)), Ordering::SeqCst);
    }

    /// The CPU indices in the set now.
    pub fn members(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(word_index, word)| {
            let bits = word.load(Ordering::SeqCst);
            (0..64).filter(move |bit| bits & (1 << bit) != 0).map(move |bit| word_index * 64 + bit)
        })
    }
}

impl Default for ActiveCpus {
    fn default() -> ActiveCpus {
        ActiveCpus::new()
    }
}
