//! A tiny xorshift64* pseudo-random number generator for stress tests (not cryptographic).
//!
//! Deterministic for a given seed, so a failing randomized test can be replayed
//! by printing its seed. Usable in the kernel (no allocation, no floating point)
//! and in host tests.

/// xorshift64* generator (Marsaglia's xorshift with a multiplicative output scramble).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

/// Replaces a zero seed: xorshift has an all-zero fixed point.
const ZERO_SEED_REPLACEMENT: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// Creates a generator; a zero seed is replaced by a fixed non-zero constant.
    pub const fn new(seed: u64) -> Self {
        let state = if seed == 0 {
            ZERO_SEED_REPLACEMENT
        } else {
            seed
        };
        Self { state }
    }

    /// Returns the next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Returns the next 32 pseudo-random bits (the high half, which is the best mixed).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Returns a value uniformly distributed in `0..bound`; returns 0 when `bound` is 0.
    ///
    /// Uses the multiply-high method with rejection (Lemire), so there is no modulo bias.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Returns a value uniformly distributed in `low..=high` (returns `low` if `high < low`).
    pub fn range_inclusive(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.next_u64(),
        }
    }

    /// Returns `true` with probability `numerator / denominator` (false if the denominator is 0).
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut first = Rng::new(42);
        let mut second = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
    }

    #[test]
    fn zero_seed_is_not_stuck() {
        let mut rng = Rng::new(0);
        let values: std::vec::Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert!(values.iter().all(|&value| value != 0));
        assert_ne!(values[0], values[1]);
    }

    #[test]
    fn below_stays_in_bounds_and_covers_range() {
        let mut rng = Rng::new(7);
        let mut seen = [false; 10];
        for _ in 0..10_000 {
            let value = rng.below(10);
            assert!(value < 10);
            seen[value as usize] = true;
        }
        assert!(seen.iter().all(|&hit| hit));
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn range_inclusive_edges() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            let value = rng.range_inclusive(5, 8);
            assert!((5..=8).contains(&value));
        }
        assert_eq!(rng.range_inclusive(9, 2), 9);
        let _ = rng.range_inclusive(0, u64::MAX);
    }
}
