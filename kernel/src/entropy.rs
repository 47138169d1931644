//! Random bytes for user space (AT_RANDOM, `getrandom`, `/dev/urandom`):
//! RDRAND when the CPU has it, else a xorshift generator seeded from the
//! TSC and mixed with it on every call. The fallback is not
//! cryptographically strong, and says so in the boot log.

use crate::random::Rng;
use crate::sync::SpinLock;
use x86_64::instructions::random::RdRand;

static FALLBACK: SpinLock<Option<Rng>> = SpinLock::new(None);

/// Whether the bytes come from the CPU's generator (RDRAND).
pub fn is_hardware_backed() -> bool {
    RdRand::new().is_some()
}

/// Fills `bytes` with random bytes.
pub fn fill(bytes: &mut [u8]) {
    let hardware = RdRand::new();
    for chunk in bytes.chunks_mut(8) {
        let word = hardware.and_then(|rdrand| rdrand.get_u64()).unwrap_or_else(fallback_word);
        chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
    }
}

fn fallback_word() -> u64 {
    let tsc = arch::tsc::read();
    let mut generator = FALLBACK.lock();
    let rng = generator.get_or_insert_with(|| Rng::new(tsc | 1));
    rng.next_u64() ^ tsc.rotate_left(29)
}
