//! Linux's text forms of a CPU set, as `/proc/[pid]/status`, sysfs and
//! tracefs print them (`%*pb` and `%*pbl` in `lib/vsprintf.c`):
//! - hex mask: 32-bit groups of 8 hex digits, highest first, separated by
//!   commas, covering `nr_cpu_ids` bits, the highest group only as wide as
//!   its CPUs need (4 CPUs: `f`; 40 CPUs: `ff,ffffffff`);
//! - list: ascending CPUs and `first-last` runs, comma-separated (`0,2-3`);
//!   empty for an empty set.

use super::{CpuSet, BITS_PER_WORD, CPU_SET_CAPACITY};
use alloc::string::String;
use core::fmt::Write;

/// Bits in one comma-separated group of the hex form.
const GROUP_BITS: usize = 32;
/// Bits one hex digit shows.
const BITS_PER_DIGIT: usize = 4;

impl CpuSet {
    /// The hex-mask form over CPUs `0..cpus` (Linux passes `nr_cpu_ids`);
    /// CPUs at or past `cpus` are not shown.
    pub fn to_hex_mask(&self, cpus: usize) -> String {
        let cpus = cpus.clamp(1, CPU_SET_CAPACITY);
        let groups = cpus.div_ceil(GROUP_BITS);
        let mut text = String::new();
        for group in (0..groups).rev() {
            let first_cpu = group * GROUP_BITS;
            let width_bits = (cpus - first_cpu).min(GROUP_BITS);
            let word = self.words[first_cpu / BITS_PER_WORD] >> (first_cpu % BITS_PER_WORD);
            let bits = word & low_bits(width_bits);
            let digits = if group == groups - 1 { width_bits.div_ceil(BITS_PER_DIGIT) } else { GROUP_BITS / BITS_PER_DIGIT };
            let _ = write!(text, "{bits:0digits$x}");
            if group != 0 {
                text.push(',');
            }
        }
        text
    }

    /// The list form (`0,2-3`; empty for no CPU).
    pub fn to_list(&self) -> String {
        let mut text = String::new();
        let mut cpus = self.iter().peekable();
        while let Some(first) = cpus.next() {
            let mut last = first;
            while cpus.peek() == Some(&(last + 1)) {
                last += 1;
                cpus.next();
            }
            if !text.is_empty() {
                text.push(',');
            }
            let _ = if first == last { write!(text, "{first}") } else { write!(text, "{first}-{last}") };
        }
        text
    }
}

/// The lowest `count` bits of a word (`count` at most 64).
fn low_bits(count: usize) -> u64 {
    if count >= BITS_PER_WORD { u64::MAX } else { (1 << count) - 1 }
}
