//! The frame-pointer walk, as pure logic: which words of a stack it reads
//! and when it stops. Never faults: a frame pointer is followed only when
//! the two words it names lie inside the stack and it is aligned, each
//! frame must lie above the last (so the walk ends), and at most
//! [`MAX_FRAMES`] frames are taken.
//!
//! With frame pointers every function starts `push rbp; mov rbp, rsp`, so
//! on the stack:
//!
//! ```text
//!  higher  ┌──────────────────────┐
//!          │ return address       │  [rbp + 8]   into the caller
//!  rbp ──► │ caller's rbp         │  [rbp]       the next frame
//!          │ locals ...           │
//!  lower   └──────────────────────┘
//! ```

use protocol::backtrace_line::{WalkStop, MAX_FRAMES};

/// The stack a walk may read: `[low, high)`, all of it mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackBounds {
    /// The lowest address (the stack pointer of the walked context).
    pub low: u64,
    /// One past the highest address (the stack's top).
    pub high: u64,
}

impl StackBounds {
    /// Whether the 16 bytes a frame record takes at `frame_pointer` lie inside.
    fn holds_frame_record(&self, frame_pointer: u64) -> bool {
        frame_pointer >= self.low
            && frame_pointer
                .checked_add(16)
                .is_some_and(|end| end <= self.high)
    }
}

/// Where the return address is when an interrupt stopped code at the
/// instruction starting with `code` (its first three bytes), as an offset
/// from the interrupted RSP; `None` when the function's frame is set up
/// (RBP is its own frame). At a function's first instruction (`push
/// rbp`), between it and `mov rbp, rsp`, and at its `ret`, RBP is still
/// the caller's frame: without this the walk would skip the caller.
pub fn return_address_offset_at(code: [u8; 3]) -> Option<u64> {
    const PUSH_RBP: u8 = 0x55;
    const RET: u8 = 0xc3;
    const MOV_RBP_RSP: [u8; 3] = [0x48, 0x89, 0xe5];
    match code {
        [PUSH_RBP | RET, ..] => Some(0),
        MOV_RBP_RSP => Some(8),
        _ => None,
    }
}

/// Walks the chain from `frame_pointer`, handing each return address to
/// `frame` (outermost last); `read` loads one 8-byte word and is called
/// only with aligned addresses inside `stack`. `is_code` says whether an
/// address lies in the kernel's code. `already` frames were printed
/// before (an interrupted `pc`), and count against [`MAX_FRAMES`].
/// Returns why the walk stopped.
pub fn walk(
    mut frame_pointer: u64,
    stack: StackBounds,
    already: u32,
    mut read: impl FnMut(u64) -> u64,
    is_code: impl Fn(u64) -> bool,
    mut frame: impl FnMut(u64),
) -> WalkStop {
    let mut taken = already;
    loop {
        if frame_pointer == 0 {
            return WalkStop::Top;
        }
        if !frame_pointer.is_multiple_of(8) {
            return WalkStop::Misaligned;
        }
        if !stack.holds_frame_record(frame_pointer) {
            return WalkStop::OutsideStack;
        }
        if taken >= MAX_FRAMES {
            return WalkStop::DepthLimit;
        }
        let caller_frame_pointer = read(frame_pointer);
        let return_address = read(frame_pointer + 8);
        if return_address == 0 {
            return WalkStop::Top;
        }
        if !is_code(return_address) {
            return WalkStop::NotKernelCode;
        }
        frame(return_address);
        taken += 1;
        if caller_frame_pointer != 0 && caller_frame_pointer <= frame_pointer {
            return WalkStop::NotAscending;
        }
        frame_pointer = caller_frame_pointer;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::vec::Vec;

    const CODE: core::ops::Range<u64> = 0xffff_ffff_8010_0000..0xffff_ffff_8020_0000;
    const STACK: StackBounds = StackBounds {
        low: 0x1000,
        high: 0x2000,
    };

    /// Walks a fake stack of `(address, word)` pairs; panics if the walk
    /// reads outside the stack or unaligned.
    fn run(start: u64, words: &[(u64, u64)]) -> (Vec<u64>, WalkStop) {
        let memory: BTreeMap<u64, u64> = words.iter().copied().collect();
        let mut frames = Vec::new();
        let stop = walk(
            start,
            STACK,
            0,
            |address| {
                assert!(
                    address >= STACK.low && address + 8 <= STACK.high && address % 8 == 0,
                    "read at {address:#x}"
                );
                memory.get(&address).copied().unwrap_or(0)
            },
            |address| CODE.contains(&address),
            |address| frames.push(address),
        );
        (frames, stop)
    }

    #[test]
    fn a_chain_is_followed_to_its_null_end() {
        let words = [
            (0x1100, 0x1200),
            (0x1108, 0xffff_ffff_8010_0010),
            (0x1200, 0x1f00),
            (0x1208, 0xffff_ffff_8010_0020),
            (0x1f00, 0),
            (0x1f08, 0xffff_ffff_8010_0030),
        ];
        let (frames, stop) = run(0x1100, &words);
        assert_eq!(
            frames,
            [
                0xffff_ffff_8010_0010,
                0xffff_ffff_8010_0020,
                0xffff_ffff_8010_0030
            ]
        );
        assert_eq!(stop, WalkStop::Top);
    }

    #[test]
    fn a_pointer_out_of_the_stack_or_misaligned_is_never_followed() {
        let words = [(0x1100, 0x9000), (0x1108, 0xffff_ffff_8010_0010)];
        assert_eq!(
            run(0x1100, &words),
            (vec![0xffff_ffff_8010_0010], WalkStop::OutsideStack)
        );
        assert_eq!(
            run(0x1ff8, &[]),
            (vec![], WalkStop::OutsideStack),
            "the return address would be past the top"
        );
        assert_eq!(run(0x0ff8, &[]), (vec![], WalkStop::OutsideStack));
        assert_eq!(run(0x1104, &[]), (vec![], WalkStop::Misaligned));
        assert_eq!(
            run(u64::MAX - 7, &[]),
            (vec![], WalkStop::OutsideStack),
            "no overflow at the top of the address space"
        );
    }

    #[test]
    fn a_loop_or_a_descending_chain_stops() {
        let words = [(0x1100, 0x1100), (0x1108, 0xffff_ffff_8010_0010)];
        assert_eq!(
            run(0x1100, &words),
            (vec![0xffff_ffff_8010_0010], WalkStop::NotAscending)
        );
        let words = [(0x1200, 0x1100), (0x1208, 0xffff_ffff_8010_0010)];
        assert_eq!(run(0x1200, &words).1, WalkStop::NotAscending);
    }

    #[test]
    fn a_return_address_outside_the_code_ends_the_walk() {
        let words = [(0x1100, 0x1200), (0x1108, 0x4000_0000)];
        assert_eq!(run(0x1100, &words), (vec![], WalkStop::NotKernelCode));
    }

    #[test]
    fn at_a_prologue_or_a_ret_the_return_address_is_on_top_of_the_stack() {
        assert_eq!(return_address_offset_at([0x55, 0x48, 0x89]), Some(0), "push rbp");
        assert_eq!(return_address_offset_at([0x48, 0x89, 0xe5]), Some(8), "mov rbp, rsp after push rbp");
        assert_eq!(return_address_offset_at([0xc3, 0xcc, 0xcc]), Some(0), "ret");
        assert_eq!(return_address_offset_at([0xf3, 0x90, 0x5d]), None, "pause: inside the frame");
        assert_eq!(return_address_offset_at([0x5d, 0xc3, 0xcc]), None, "pop rbp: RBP is still this frame");
    }

    #[test]
    fn the_depth_is_limited() {
        let words: Vec<(u64, u64)> = (0..100u64)
            .flat_map(|i| {
                [
                    (0x1000 + i * 16, 0x1000 + (i + 1) * 16),
                    (0x1008 + i * 16, 0xffff_ffff_8010_0000 + i),
                ]
            })
            .collect();
        let (frames, stop) = run(0x1000, &words);
        assert_eq!(frames.len(), MAX_FRAMES as usize);
        assert_eq!(stop, WalkStop::DepthLimit);
    }
}
