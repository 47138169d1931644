//! What the kernel and the host tools (xtask, tests) must agree on.
#![no_std]

/// Most CPUs the kernel drives: xAPIC ids 0..=254 (0xFF is the broadcast
/// destination), and QEMU's `pc` machine takes up to 255 CPUs.
pub const MAX_CPUS: u32 = 255;
