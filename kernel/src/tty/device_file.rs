//! The terminal's device nodes: `/dev/console`, `/dev/ttyS0` and
//! `/dev/tty` opened as files (which one decides whether opening makes it
//! a controlling terminal), all reading and writing the one terminal.

use super::foreground::{self, Ownership};
use super::terminal::{self, ownership, TERMINAL};
use crate::file::{FileKind, FileOps, Readiness};
use protocol::linux_abi::Errno;

/// Which device node was opened (they share one terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalName {
    /// `/dev/console`: never becomes a controlling terminal by being opened.
    Console,
    /// `/dev/ttyS0`: becomes the controlling terminal of a session leader
    /// without one that opens it (unless `O_NOCTTY`).
    Serial,
    /// `/dev/tty`: the caller's controlling terminal; ENXIO without one.
    Controlling,
}

/// `O_NOCTTY`.
const O_NOCTTY: u64 = 0o400;

/// An open terminal device (every node is the one terminal: which one
/// was opened matters only at open time).
pub struct TerminalFile;

impl TerminalFile {
    /// Opens `name` with open flags `flags` for the calling process.
    pub fn open(name: TerminalName, flags: u64) -> Result<TerminalFile, Errno> {
        let caller = foreground::caller();
        match (name, &caller) {
            (TerminalName::Controlling, Some(caller)) if !ownership().controls(caller) => return Err(Errno::ENXIO),
            (TerminalName::Serial, Some(caller)) if flags & O_NOCTTY == 0 && caller.pid == caller.session => {
                let mut state = TERMINAL.state.lock();
                if state.ownership.session.is_none() {
                    state.ownership = Ownership { session: Some(caller.session), foreground: Some(caller.group) };
                }
            }
            _ => {}
        }
        Ok(TerminalFile)
    }
}

/// The file layer's opener for the terminal's device nodes.
pub(super) fn open_node(kind: crate::vfs::DeviceKind, flags: u64) -> Result<alloc::sync::Arc<dyn FileOps>, Errno> {
    use crate::vfs::DeviceKind;
    let name = match kind {
        DeviceKind::Tty => TerminalName::Controlling,
        DeviceKind::Serial => TerminalName::Serial,
        _ => TerminalName::Console,
    };
    Ok(alloc::sync::Arc::new(TerminalFile::open(name, flags)?))
}

impl FileOps for TerminalFile {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        terminal::read(buffer)
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        terminal::write(bytes)
    }

    fn readiness(&self) -> Readiness {
        let state = TERMINAL.state.lock();
        Readiness { readable: state.discipline.readable(), writable: !state.discipline.output_stopped(), hung_up: false }
    }

    fn kind(&self) -> FileKind {
        FileKind::CharacterDevice
    }

    fn ioctl(&self, request: u64, argument: u64) -> Result<u64, Errno> {
        super::ioctl::handle(request, argument)
    }
}

