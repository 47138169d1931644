//! Pipes: a 64 KiB ring between a read end and a write end. A read waits
//! for data and returns what is there (0 once every write end is closed);
//! a write waits for room and takes what fits, or fails with `EPIPE` once
//! every read end is closed. Each end counts its open descriptions, so
//! closing the last one wakes the other side.

use super::{FileKind, FileOps, Readiness};
use crate::sync::SpinLock;
use crate::thread::WaitQueue;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use protocol::linux_abi::Errno;

/// Bytes a pipe holds (Linux's default).
pub const PIPE_CAPACITY: usize = 64 * 1024;

struct Pipe {
    buffer: SpinLock<VecDeque<u8>>,
    readers: AtomicUsize,
    writers: AtomicUsize,
    /// Woken when data arrives or the last writer goes.
    readable: WaitQueue,
    /// Woken when room appears or the last reader goes.
    writable: WaitQueue,
}

/// The read end.
pub struct PipeReader(Arc<Pipe>);
/// The write end.
pub struct PipeWriter(Arc<Pipe>);

/// A new pipe's two ends.
pub fn new_pipe() -> (Arc<PipeReader>, Arc<PipeWriter>) {
    let pipe = Arc::new(Pipe {
        buffer: SpinLock::new(VecDeque::new()),
        readers: AtomicUsize::new(1),
        writers: AtomicUsize::new(1),
        readable: WaitQueue::new(),
        writable: WaitQueue::new(),
    });
    (Arc::new(PipeReader(pipe.clone())), Arc::new(PipeWriter(pipe)))
}

impl FileOps for PipeReader {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        let pipe = &self.0;
        if buffer.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut data = pipe.buffer.lock();
                if !data.is_empty() {
                    let count = buffer.len().min(data.len());
                    for (slot, byte) in buffer.iter_mut().zip(data.drain(..count)) {
                        *slot = byte;
                    }
                    drop(data);
                    pipe.writable.wake_all();
                    return Ok(count);
                }
                if pipe.writers.load(Ordering::Acquire) == 0 {
                    return Ok(0);
                }
            }
            pipe.readable
                .wait_until_interruptible(|| !pipe.buffer.lock().is_empty() || pipe.writers.load(Ordering::Acquire) == 0)
                .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    fn write(&self, _bytes: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn readiness(&self) -> Readiness {
        let pipe = &self.0;
        let hung_up = pipe.writers.load(Ordering::Acquire) == 0;
        Readiness { readable: !pipe.buffer.lock().is_empty() || hung_up, writable: false, hung_up }
    }

    fn kind(&self) -> FileKind {
        FileKind::Fifo
    }
}

impl FileOps for PipeWriter {
    fn read(&self, _buffer: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::EBADF)
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        let pipe = &self.0;
        let mut written = 0;
        while written < bytes.len() {
            if pipe.readers.load(Ordering::Acquire) == 0 {
                return if written > 0 { Ok(written) } else { Err(Errno::EPIPE) };
            }
            {
                let mut data = pipe.buffer.lock();
                let room = PIPE_CAPACITY - data.len();
                if room > 0 {
                    let count = room.min(bytes.len() - written);
                    data.extend(&bytes[written..written + count]);
                    written += count;
                    drop(data);
                    pipe.readable.wake_all();
                    continue;
                }
            }
            if let Err(_interrupted) = pipe
                .writable
                .wait_until_interruptible(|| pipe.buffer.lock().len() < PIPE_CAPACITY || pipe.readers.load(Ordering::Acquire) == 0)
            {
                return if written > 0 { Ok(written) } else { Err(Errno::ERESTARTSYS) };
            }
        }
        Ok(written)
    }

    fn readiness(&self) -> Readiness {
        let pipe = &self.0;
        let hung_up = pipe.readers.load(Ordering::Acquire) == 0;
        Readiness { readable: false, writable: pipe.buffer.lock().len() < PIPE_CAPACITY || hung_up, hung_up }
    }

    fn kind(&self) -> FileKind {
        FileKind::Fifo
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.0.readers.fetch_sub(1, Ordering::AcqRel);
        self.0.writable.wake_all();
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.writers.fetch_sub(1, Ordering::AcqRel);
        self.0.readable.wake_all();
    }
}
