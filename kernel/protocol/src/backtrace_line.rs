//! Kernel backtrace lines: what a panic, a soft-lockup report or the SysRq
//! `l` key prints, and what `cargo xtask run` / `cargo xtask trace --from`
//! symbolise. One line per frame, so lines of several CPUs may interleave
//! on the console and still be read (each names its CPU).
//!
//! ```text
//! @@BT-BEGIN cpu=3 reason=soft-lockup thread=7 name=lockup-spinner
//! @@BT cpu=3 #0 pc=ffffffff80123456
//! @@BT cpu=3 #1 ret=ffffffff80123abc
//! @@BT-END cpu=3 frames=2 stop=top
//! ```
//!
//! `pc=` is an interrupted instruction (exact); `ret=` a return address
//! (the call is the instruction before it: symbolisers look up `ret - 1`).
//! Addresses are lowercase hex without `0x`, as in the trace lines. The
//! grammar is in TEAM_NOTES/kernel-backtraces.md.

use crate::trace_line::ThreadName;
use core::fmt;

/// Opens one CPU's backtrace.
pub const BEGIN_MARKER: &str = "@@BT-BEGIN";
/// One frame.
pub const FRAME_MARKER: &str = "@@BT";
/// Closes one CPU's backtrace.
pub const END_MARKER: &str = "@@BT-END";
/// Most frames a walk prints before it stops (`stop=depth-limit`).
pub const MAX_FRAMES: u32 = 32;

/// What an address in a frame line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// The instruction an interrupt stopped (`pc=`).
    InterruptedAt,
    /// A return address found on the stack (`ret=`).
    ReturnTo,
}

impl FrameKind {
    fn key(self) -> &'static str {
        match self {
            FrameKind::InterruptedAt => "pc",
            FrameKind::ReturnTo => "ret",
        }
    }

    /// The address to look up in the debug information: a return address
    /// points after its call, which may be another line or even another
    /// (inlined) function, so the call's last byte is looked up instead.
    pub fn lookup_address(self, address: u64) -> u64 {
        match self {
            FrameKind::InterruptedAt => address,
            FrameKind::ReturnTo => address.saturating_sub(1),
        }
    }
}

/// Why a walk stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkStop {
    /// The outermost frame: a null frame pointer or return address.
    Top,
    /// The next frame pointer is outside the thread's kernel stack.
    OutsideStack,
    /// The next frame pointer is not 8-byte aligned.
    Misaligned,
    /// The next frame pointer does not lie above the current one (a loop).
    NotAscending,
    /// A return address outside the kernel's code.
    NotKernelCode,
    /// [`MAX_FRAMES`] printed.
    DepthLimit,
    /// The interrupted code ran in user mode: no kernel frames.
    UserMode,
}

impl WalkStop {
    /// The word after `stop=`.
    pub fn word(self) -> &'static str {
        match self {
            WalkStop::Top => "top",
            WalkStop::OutsideStack => "outside-stack",
            WalkStop::Misaligned => "misaligned",
            WalkStop::NotAscending => "not-ascending",
            WalkStop::NotKernelCode => "not-kernel-code",
            WalkStop::DepthLimit => "depth-limit",
            WalkStop::UserMode => "user-mode",
        }
    }
}

/// `@@BT-BEGIN cpu=C reason=R thread=T name=N`.
pub struct Begin<'a> {
    pub cpu: u32,
    /// One word: `panic`, `soft-lockup`, `sysrq`.
    pub reason: &'a str,
    pub thread: u32,
    pub name: ThreadName,
}

impl fmt::Display for Begin<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{BEGIN_MARKER} cpu={} reason={} thread={} name={}",
            self.cpu, self.reason, self.thread, self.name
        )
    }
}

/// `@@BT cpu=C #I pc=ADDR` or `... ret=ADDR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub cpu: u32,
    pub index: u32,
    pub kind: FrameKind,
    pub address: u64,
}

impl fmt::Display for Frame {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{FRAME_MARKER} cpu={} #{} {}={:x}",
            self.cpu,
            self.index,
            self.kind.key(),
            self.address
        )
    }
}

/// `@@BT-END cpu=C frames=F stop=WHY`.
pub struct End {
    pub cpu: u32,
    pub frames: u32,
    pub stop: WalkStop,
}

impl fmt::Display for End {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{END_MARKER} cpu={} frames={} stop={}",
            self.cpu,
            self.frames,
            self.stop.word()
        )
    }
}

/// A frame line found in `line` (anything may come before the marker):
/// the frame and the byte offset just past its last field, where a
/// symboliser appends its text. `None` for any other line, and for a
/// frame line with anything but the fields of the grammar (a cut or
/// garbled line is left alone).
pub fn parse_frame(line: &str) -> Option<(Frame, usize)> {
    let marker = find_frame_marker(line)?;
    let body_start = marker + FRAME_MARKER.len() + 1;
    let body = line[body_start..].trim_end_matches(['\r', '\n']);
    let mut fields = body.split(' ');
    let cpu = decimal(fields.next()?.strip_prefix("cpu=")?)?;
    let index = decimal(fields.next()?.strip_prefix('#')?)?;
    let (key, address) = fields.next()?.split_once('=')?;
    let kind = match key {
        "pc" => FrameKind::InterruptedAt,
        "ret" => FrameKind::ReturnTo,
        _ => return None,
    };
    if fields.next().is_some()
        || address.is_empty()
        || address.len() > 16
        || !address
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let address = u64::from_str_radix(address, 16).ok()?;
    Some((
        Frame {
            cpu,
            index,
            kind,
            address,
        },
        body_start + body.len(),
    ))
}

/// The offset of the last `@@BT ` (a frame, not BEGIN or END) in `line`.
fn find_frame_marker(line: &str) -> Option<usize> {
    line.rmatch_indices(FRAME_MARKER)
        .map(|(offset, _)| offset)
        .find(|&offset| line[offset + FRAME_MARKER.len()..].starts_with(' '))
}

fn decimal(text: &str) -> Option<u32> {
    if text.is_empty()
        || (text.len() > 1 && text.starts_with('0'))
        || !text.bytes().all(|byte| byte.is_ascii_digit())
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn lines_format_as_the_note_shows() {
        let begin = Begin {
            cpu: 3,
            reason: "soft-lockup",
            thread: 7,
            name: ThreadName::new(b"lockup spinner"),
        };
        assert_eq!(
            format!("{begin}"),
            "@@BT-BEGIN cpu=3 reason=soft-lockup thread=7 name=lockup\\x20spinner"
        );
        let frame = Frame {
            cpu: 3,
            index: 0,
            kind: FrameKind::InterruptedAt,
            address: 0xffff_ffff_8012_3456,
        };
        assert_eq!(format!("{frame}"), "@@BT cpu=3 #0 pc=ffffffff80123456");
        let frame = Frame {
            cpu: 3,
            index: 1,
            kind: FrameKind::ReturnTo,
            address: 0xffff_ffff_8012_3abc,
        };
        assert_eq!(format!("{frame}"), "@@BT cpu=3 #1 ret=ffffffff80123abc");
        assert_eq!(
            format!(
                "{}",
                End {
                    cpu: 3,
                    frames: 2,
                    stop: WalkStop::Top
                }
            ),
            "@@BT-END cpu=3 frames=2 stop=top"
        );
    }

    #[test]
    fn a_frame_parses_back_wherever_it_is_in_the_line() {
        let frame = Frame {
            cpu: 12,
            index: 31,
            kind: FrameKind::ReturnTo,
            address: 0xffff_ffff_8000_0001,
        };
        let line = format!("junk @@BT cpu=0 #0 pc=1 @@BT-END and more {frame}\r\n");
        let (parsed, end) = parse_frame(&line).expect("a frame line");
        assert_eq!(parsed, frame);
        assert_eq!(&line[end..], "\r\n");
    }

    #[test]
    fn other_and_damaged_lines_are_not_frames() {
        for line in [
            "@@BT-BEGIN cpu=3 reason=panic thread=1 name=x",
            "@@BT-END cpu=3 frames=2 stop=top",
            "@@BT cpu=3 #1 ret=ffffffff801",
            "@@BT cpu=3 #1 ret=",
            "@@BT cpu=3 #1",
            "@@BT cpu=3 #1 ret=ffffffff80123abc extra",
            "@@BT cpu=3 #1 ret=0xffffffff80123abc",
            "@@BT cpu=3 #1 ret=FFFFFFFF80123ABC",
            "@@BT cpu=03 #1 ret=1",
            "@@BT cpu=3 #1 sp=1",
            "@@BT cpu=3 #1 ret=11111111111111111",
            "no marker",
        ] {
            let parsed = parse_frame(line).map(|(frame, _)| frame);
            let expected_some = line == "@@BT cpu=3 #1 ret=ffffffff801";
            assert_eq!(parsed.is_some(), expected_some, "{line:?} -> {parsed:?}");
        }
    }

    #[test]
    fn a_return_address_is_looked_up_one_byte_back() {
        assert_eq!(FrameKind::ReturnTo.lookup_address(0x1000), 0xfff);
        assert_eq!(FrameKind::InterruptedAt.lookup_address(0x1000), 0x1000);
    }
}
