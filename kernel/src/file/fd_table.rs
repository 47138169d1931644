//! A process's file descriptors: the lowest free number on open, as POSIX
//! requires; close-on-exec per descriptor.

use super::OpenFile;
use alloc::sync::Arc;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// Most descriptors a process may have open (Linux's default
/// `RLIMIT_NOFILE` soft limit).
pub const MAX_FDS: usize = 1024;

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    close_on_exec: bool,
}

/// See the module doc.
#[derive(Clone)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
    /// Descriptors must stay below this (`RLIMIT_NOFILE`, at most `MAX_FDS`).
    limit: usize,
}

impl Default for FdTable {
    fn default() -> FdTable {
        FdTable::new()
    }
}

impl FdTable {
    /// No descriptors.
    pub fn new() -> FdTable {
        FdTable { slots: Vec::new(), limit: MAX_FDS }
    }

    /// The open file behind `fd`, or `EBADF`.
    pub fn get(&self, fd: u64) -> Result<Arc<OpenFile>, Errno> {
        let index = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.slots.get(index) {
            Some(Some(slot)) => Ok(slot.file.clone()),
            _ => Err(Errno::EBADF),
        }
    }

    /// Installs `file` at the lowest free descriptor at or above `lowest`.
    pub fn insert(&mut self, file: Arc<OpenFile>, close_on_exec: bool, lowest: usize) -> Result<u64, Errno> {
        let index = (lowest..self.limit)
            .find(|&index| self.slots.get(index).is_none_or(|slot| slot.is_none()))
            .ok_or(Errno::EMFILE)?;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some(Slot { file, close_on_exec });
        Ok(index as u64)
    }

    /// Puts `file` at exactly `fd`, closing what was there (`dup2`).
    pub fn insert_at(&mut self, fd: u64, file: Arc<OpenFile>, close_on_exec: bool) -> Result<(), Errno> {
        let index = usize::try_from(fd).ok().filter(|&index| index < self.limit).ok_or(Errno::EBADF)?;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        self.slots[index] = Some(Slot { file, close_on_exec });
        Ok(())
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: u64) -> Result<(), Errno> {
        let index = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.slots.get_mut(index) {
            Some(slot @ Some(_)) => {
                *slot = None;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// Whether `fd` is closed on `execve`.
    pub fn close_on_exec(&self, fd: u64) -> Result<bool, Errno> {
        let index = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.slots.get(index) {
            Some(Some(slot)) => Ok(slot.close_on_exec),
            _ => Err(Errno::EBADF),
        }
    }

    /// Sets whether `fd` is closed on `execve`.
    pub fn set_close_on_exec(&mut self, fd: u64, close_on_exec: bool) -> Result<(), Errno> {
        let index = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.slots.get_mut(index) {
            Some(Some(slot)) => {
                slot.close_on_exec = close_on_exec;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// Sets the descriptor limit (`RLIMIT_NOFILE`); open descriptors above
    /// it stay open, as on Linux.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.min(MAX_FDS);
    }

    /// Closes every descriptor marked close-on-exec (`execve`).
    pub fn close_on_exec_all(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|slot| slot.close_on_exec) {
                *slot = None;
            }
        }
    }
}
