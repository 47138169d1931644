//! The initial stack of a new program, as the x86_64 System V ABI and
//! Linux lay it out (highest address first):
//!
//! ```text
//! stack_top:  AT_RANDOM's 16 bytes, "x86_64" (AT_PLATFORM), execfn,
//!             the argument strings, the environment strings
//!             (padding so that RSP is 16-byte aligned)
//! RSP + ...:  auxv pairs ending with AT_NULL
//!             NULL, envp[envc-1] .. envp[0]
//!             NULL, argv[argc-1] .. argv[0]
//! RSP:        argc
//! ```
//!
//! Pure: builds the bytes and the pointers for a given stack top; the
//! loader copies them into the process.

use alloc::vec;
use alloc::vec::Vec;
use protocol::linux_abi::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};

/// The platform string (AT_PLATFORM).
const PLATFORM: &[u8] = b"x86_64";

/// What goes on the stack.
pub struct StackContents<'a> {
    pub arguments: &'a [&'a [u8]],
    pub environment: &'a [&'a [u8]],
    /// The path the program was run as (AT_EXECFN).
    pub exec_path: &'a [u8],
    /// Auxiliary entries that need no pointer into the stack.
    pub auxv: &'a [(u64, u64)],
    /// AT_RANDOM's bytes.
    pub random: [u8; 16],
}

/// The built stack: `bytes` go at `rsp`, up to the stack top.
#[derive(Debug, PartialEq, Eq)]
pub struct InitialStack {
    pub rsp: u64,
    pub bytes: Vec<u8>,
}

/// Builds the initial stack ending at `stack_top` (16-byte aligned).
/// `None` if the contents would not fit in `max_bytes`.
pub fn build(contents: &StackContents, stack_top: u64, max_bytes: u64) -> Option<InitialStack> {
    // Strings and the random bytes, placed downwards from the top.
    let mut strings: Vec<u8> = Vec::new();
    let mut place = |bytes: &[u8], nul: bool| -> u64 {
        let mut item = bytes.to_vec();
        if nul {
            item.push(0);
        }
        item.extend_from_slice(&strings);
        strings = item;
        strings.len() as u64
    };
    let random_depth = place(&contents.random, false);
    let platform_depth = place(PLATFORM, true);
    let exec_path_depth = place(contents.exec_path, true);
    let argument_depths: Vec<u64> = contents.arguments.iter().map(|argument| place(argument, true)).collect();
    let environment_depths: Vec<u64> = contents.environment.iter().map(|variable| place(variable, true)).collect();
    let at = |depth: u64| stack_top - depth;

    let mut auxv: Vec<(u64, u64)> = contents.auxv.to_vec();
    auxv.push((AT_RANDOM, at(random_depth)));
    auxv.push((AT_PLATFORM, at(platform_depth)));
    auxv.push((AT_EXECFN, at(exec_path_depth)));
    auxv.push((AT_NULL, 0));

    let mut words: Vec<u64> = vec![contents.arguments.len() as u64];
    words.extend(argument_depths.iter().map(|&depth| at(depth)));
    words.push(0);
    words.extend(environment_depths.iter().map(|&depth| at(depth)));
    words.push(0);
    for (key, value) in auxv {
        words.push(key);
        words.push(value);
    }

    let strings_bytes = strings.len() as u64;
    let words_bytes = 8 * words.len() as u64;
    let total = (strings_bytes + words_bytes).next_multiple_of(16);
    if total > max_bytes || total > stack_top {
        return None;
    }
    let rsp = stack_top - total;
    let mut bytes = vec![0u8; total as usize];
    for (index, word) in words.iter().enumerate() {
        bytes[index * 8..index * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    let strings_start = (total - strings_bytes) as usize;
    bytes[strings_start..].copy_from_slice(&strings);
    Some(InitialStack { rsp, bytes })
}

#[cfg(test)]
mod tests;
