//! Kernel backtraces from frame pointers (the kernel is built with
//! `-C force-frame-pointers=yes`, `.cargo/config.toml`), printed as the
//! `@@BT` lines of `protocol::backtrace_line`, which `cargo xtask run` and
//! `cargo xtask trace --from LOG` symbolise with the kernel ELF.
//! TEAM_NOTES/kernel-backtraces.md.
//!
//! `walk` is the walk itself (pure, host-tested); `print` finds the stack
//! and prints (kernel only).

pub mod walk;

#[cfg(target_os = "none")]
mod print;

#[cfg(target_os = "none")]
pub use print::{print_here, print_interrupted, LineSink};
