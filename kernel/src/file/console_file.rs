//! The serial console as a file (`/dev/console`, and descriptors 0-2 of
//! the first process): writes go to the console whole; reads wait for
//! input by polling the UART every millisecond and return what has
//! arrived (raw bytes; the line discipline and the interrupt-driven input
//! are the terminal's, still to come).

use super::{FileKind, FileOps, Readiness};
use protocol::linux_abi::Errno;

/// How often a blocked read looks at the UART, in microseconds.
const INPUT_POLL_MICROS: u64 = 1000;

/// See the module doc.
pub struct ConsoleFile;

impl FileOps for ConsoleFile {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        if buffer.is_empty() {
            return Ok(0);
        }
        loop {
            let count = crate::console::read_available(buffer);
            if count > 0 {
                return Ok(count);
            }
            crate::sched::sleep_micros_interruptible(INPUT_POLL_MICROS).map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        crate::console::write_bytes(bytes);
        Ok(bytes.len())
    }

    fn readiness(&self) -> Readiness {
        Readiness { readable: crate::console::input_pending(), writable: true, hung_up: false }
    }

    fn kind(&self) -> FileKind {
        FileKind::CharacterDevice
    }
}
