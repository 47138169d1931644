//! The character devices of `/dev` that need no driver: `null` (reads
//! end at once, writes vanish), `zero` (reads give zeros) and `urandom`/
//! `random` (reads give random bytes; `entropy`).

use super::{FileKind, FileOps, Readiness};
use protocol::linux_abi::Errno;

/// Which device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Random,
}

impl FileOps for Device {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        match self {
            Device::Null => Ok(0),
            Device::Zero => {
                buffer.fill(0);
                Ok(buffer.len())
            }
            Device::Random => {
                crate::entropy::fill(buffer);
                Ok(buffer.len())
            }
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        Ok(bytes.len())
    }

    fn readiness(&self) -> Readiness {
        Readiness { readable: true, writable: true, hung_up: false }
    }

    fn kind(&self) -> FileKind {
        FileKind::CharacterDevice
    }
}
