//! `CpuSet`: a set of CPU numbers as a fixed-size bitmap with room for
//! every CPU this kernel can boot (`protocol::MAX_CPUS`), the kernel's
//! `cpumask_t`. One type for every CPU set: a thread's allowed CPUs
//! (`sched_setaffinity`), the CPUs that have an address space loaded
//! (TLB shootdown, through [`AtomicCpuSet`]), the tracer's CPU filter.
//! Pure (host-tested); Linux's text forms are in `format.rs`.
//!
//! ```text
//!  words[0] bit 0 = CPU 0 ... words[0] bit 63 = CPU 63, words[1] bit 0 = CPU 64 ...
//! ```

mod atomic;
mod format;
#[cfg(test)]
mod tests;

pub use atomic::AtomicCpuSet;

/// Bits in one word of the bitmap.
pub const BITS_PER_WORD: usize = u64::BITS as usize;
/// CPU numbers a set can hold: `0..CPU_SET_CAPACITY` (every CPU id this
/// kernel can give out, rounded up to whole words).
pub const CPU_SET_CAPACITY: usize = WORDS * BITS_PER_WORD;
/// Words of the bitmap.
pub const WORDS: usize = (protocol::MAX_CPUS as usize).div_ceil(BITS_PER_WORD);

/// A set of CPU numbers (see the module doc). `Copy`: 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CpuSet {
    words: [u64; WORDS],
}

impl CpuSet {
    /// No CPU.
    pub const fn empty() -> CpuSet {
        CpuSet { words: [0; WORDS] }
    }

    /// Every CPU number the set can hold (not only those present: intersect
    /// with the online CPUs where it matters).
    pub const fn full() -> CpuSet {
        CpuSet { words: [u64::MAX; WORDS] }
    }

    /// Only `cpu` (nothing if `cpu` is past the capacity).
    pub fn single(cpu: usize) -> CpuSet {
        let mut set = CpuSet::empty();
        set.insert(cpu);
        set
    }

    /// CPUs `0..count`.
    pub fn first_n(count: usize) -> CpuSet {
        (0..count.min(CPU_SET_CAPACITY)).collect()
    }

    /// The set whose bitmap is `words` (`words[i]` bit `b` = CPU `64 i + b`).
    pub const fn from_words(words: [u64; WORDS]) -> CpuSet {
        CpuSet { words }
    }

    /// The bitmap (see [`CpuSet::from_words`]).
    pub const fn words(&self) -> [u64; WORDS] {
        self.words
    }

    /// Adds `cpu`; returns whether it was new. A CPU past the capacity is
    /// ignored (false).
    pub fn insert(&mut self, cpu: usize) -> bool {
        let Some((word, bit)) = position(cpu) else { return false };
        let new = self.words[word] & bit == 0;
        self.words[word] |= bit;
        new
    }

    /// Removes `cpu`; returns whether it was there.
    pub fn remove(&mut self, cpu: usize) -> bool {
        let Some((word, bit)) = position(cpu) else { return false };
        let was = self.words[word] & bit != 0;
        self.words[word] &= !bit;
        was
    }

    /// Whether `cpu` is in the set.
    pub const fn contains(&self, cpu: usize) -> bool {
        match position(cpu) {
            Some((word, bit)) => self.words[word] & bit != 0,
            None => false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&word| word == 0)
    }

    /// How many CPUs are in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// The lowest CPU in the set.
    pub fn first(&self) -> Option<usize> {
        self.iter().next()
    }

    /// The CPUs in both sets.
    pub fn intersection(&self, other: &CpuSet) -> CpuSet {
        let mut words = self.words;
        for (word, other) in words.iter_mut().zip(other.words) {
            *word &= other;
        }
        CpuSet { words }
    }

    /// Whether the sets share a CPU.
    pub fn intersects(&self, other: &CpuSet) -> bool {
        !self.intersection(other).is_empty()
    }

    /// The CPUs in the set, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let mut bits = word;
            core::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(index * BITS_PER_WORD + bit)
            })
        })
    }

    /// The set from a Linux user mask (`cpu_set_t` bytes: byte `i` bit `b`
    /// is CPU `8 i + b`, little-endian words). Bytes past the capacity
    /// are ignored, missing ones read as zero (as Linux's
    /// `get_user_cpu_mask`).
    pub fn from_mask_bytes(bytes: &[u8]) -> CpuSet {
        let mut set = CpuSet::empty();
        for (index, &byte) in bytes.iter().enumerate().take(CPU_SET_CAPACITY / 8) {
            set.words[index / 8] |= u64::from(byte) << (8 * (index % 8));
        }
        set
    }

    /// The first `length` bytes of the set as a Linux user mask (see
    /// [`CpuSet::from_mask_bytes`]); zeros past the capacity.
    pub fn to_mask_bytes(&self, length: usize) -> alloc::vec::Vec<u8> {
        (0..length)
            .map(|index| self.words.get(index / 8).map_or(0, |word| (word >> (8 * (index % 8))) as u8))
            .collect()
    }
}

impl FromIterator<usize> for CpuSet {
    fn from_iter<I: IntoIterator<Item = usize>>(cpus: I) -> CpuSet {
        let mut set = CpuSet::empty();
        for cpu in cpus {
            set.insert(cpu);
        }
        set
    }
}

impl core::fmt::Debug for CpuSet {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(formatter, "CpuSet({})", self.to_list())
    }
}

/// The word and bit of `cpu`; `None` past the capacity.
const fn position(cpu: usize) -> Option<(usize, u64)> {
    if cpu < CPU_SET_CAPACITY {
        Some((cpu / BITS_PER_WORD, 1 << (cpu % BITS_PER_WORD)))
    } else {
        None
    }
}
