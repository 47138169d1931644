//! The kernel's pure logic: allocators, parsers and table walkers that build for the host too.
//!
//! Everything here is free of hardware access so that `cargo test -p kernel --lib`
//! can exercise it on the host (with randomized stress tests); the kernel binary
//! (`main.rs`) wraps these algorithms in locks, page mappings and device code.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

/// Bitmap allocator for 4 KiB physical frames over the free ranges of a memory map.
pub mod frame_allocator;
/// Address-ordered free-list heap with splitting, coalescing and any power-of-two alignment.
pub mod heap_allocator;
/// Kernel command-line parser (`test=NAME`, unknown-argument reporting).
pub mod kernel_args;
/// ACPI RSDP/XSDT/MADT walker producing the CPU and interrupt-controller topology.
pub mod madt;
/// Tiny xorshift64* pseudo-random generator for stress tests (kernel and host).
pub mod random;
/// Per-CPU flight recorder: lock-free event rings and their checksummed serial dump format.
pub mod trace_ring;
