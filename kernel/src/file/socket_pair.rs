//! Connected Unix-domain socket pairs (`socketpair(AF_UNIX, ...)`): two
//! ends, each writing into one direction and reading from the other.
//!
//! - `SOCK_STREAM`: a byte stream, like a pipe in each direction.
//! - `SOCK_SEQPACKET` and `SOCK_DGRAM`: records. A send queues the whole
//!   record or nothing (`EMSGSIZE` if it can never fit); a receive takes
//!   one record and drops what does not fit the buffer (reporting its full
//!   length with `MSG_TRUNC`).
//!
//! An end that goes away (last close) or shuts down writing makes the
//! other end's receives return 0 once the queue is empty; one that goes
//! away or shuts down reading makes the other end's sends fail (`EPIPE`
//! for connection types, `ECONNREFUSED` for datagrams, as on Linux).
//!
//! Rust's `std::process::Command` needs this: its fork path reports an
//! `exec` failure to the parent over a `SOCK_SEQPACKET` pair.

use super::{FileKind, FileOps, Readiness};
use crate::sync::SpinLock;
use crate::thread::WaitQueue;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// Bytes queued in one direction before senders wait (Linux's default
/// socket send buffer, `net.core.wmem_default`).
pub const SOCKET_BUFFER_BYTES: usize = 212_992;

/// The socket types a pair can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketType {
    Stream,
    SeqPacket,
    Datagram,
}

impl SocketType {
    /// From the `type` argument of `socketpair` (flags removed).
    pub fn from_linux(value: u64) -> Option<SocketType> {
        match value {
            1 => Some(SocketType::Stream),
            2 => Some(SocketType::Datagram),
            5 => Some(SocketType::SeqPacket),
            _ => None,
        }
    }

    fn keeps_records(self) -> bool {
        self != SocketType::Stream
    }
}

/// What a receive asks for beyond the buffer.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReceiveOptions {
    /// Fail with `EAGAIN` rather than wait (`MSG_DONTWAIT` or `O_NONBLOCK`).
    pub nonblocking: bool,
    /// Leave the data queued (`MSG_PEEK`).
    pub peek: bool,
}

/// What a receive got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub copied: usize,
    /// The record's full length (records only; `copied` for a stream).
    pub full_length: usize,
}

/// One direction: what one end sent and the other has not received.
#[derive(Default)]
struct Queue {
    records: VecDeque<Vec<u8>>,
    bytes: usize,
    /// The sending end is gone or shut down writing: no more data comes.
    sender_done: bool,
    /// The receiving end is gone or shut down reading: sends fail.
    receiver_done: bool,
}

struct Direction {
    queue: SpinLock<Queue>,
    /// Woken when data arrives or the sender is done.
    readable: WaitQueue,
    /// Woken when room appears or the receiver is done.
    writable: WaitQueue,
}

impl Direction {
    fn new() -> Direction {
        Direction { queue: SpinLock::new(Queue::default()), readable: WaitQueue::new(), writable: WaitQueue::new() }
    }
}

struct Pair {
    socket_type: SocketType,
    /// `directions[side]` carries what end `side` sends.
    directions: [Direction; 2],
}

/// One end of a pair.
pub struct SocketEnd {
    pair: Arc<Pair>,
    side: usize,
}

/// A new connected pair of `socket_type`.
pub fn new_socket_pair(socket_type: SocketType) -> (Arc<SocketEnd>, Arc<SocketEnd>) {
    let pair = Arc::new(Pair { socket_type, directions: [Direction::new(), Direction::new()] });
    (Arc::new(SocketEnd { pair: pair.clone(), side: 0 }), Arc::new(SocketEnd { pair, side: 1 }))
}

impl SocketEnd {
    fn outgoing(&self) -> &Direction {
        &self.pair.directions[self.side]
    }

    fn incoming(&self) -> &Direction {
        &self.pair.directions[1 - self.side]
    }

    /// The pair's type.
    pub fn socket_type(&self) -> SocketType {
        self.pair.socket_type
    }

    fn peer_gone_error(&self) -> Errno {
        match self.pair.socket_type {
            SocketType::Datagram => Errno::ECONNREFUSED,
            _ => Errno::EPIPE,
        }
    }

    /// Sends `bytes`: a stream takes what fits and waits for the rest; a
    /// record type queues the whole record once there is room for it.
    pub fn send(&self, bytes: &[u8], nonblocking: bool) -> Result<usize, Errno> {
        if self.pair.socket_type.keeps_records() {
            self.send_record(bytes, nonblocking)
        } else {
            self.send_stream(bytes, nonblocking)
        }
    }

    fn send_record(&self, bytes: &[u8], nonblocking: bool) -> Result<usize, Errno> {
        if bytes.len() > SOCKET_BUFFER_BYTES {
            return Err(Errno::EMSGSIZE);
        }
        let direction = self.outgoing();
        loop {
            {
                let mut queue = direction.queue.lock();
                if queue.receiver_done || queue.sender_done {
                    return Err(self.peer_gone_error());
                }
                if SOCKET_BUFFER_BYTES - queue.bytes >= bytes.len() {
                    queue.records.push_back(bytes.to_vec());
                    queue.bytes += bytes.len();
                    drop(queue);
                    direction.readable.wake_all();
                    return Ok(bytes.len());
                }
            }
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            direction
                .writable
                .wait_until_interruptible(|| {
                    let queue = direction.queue.lock();
                    queue.receiver_done || SOCKET_BUFFER_BYTES - queue.bytes >= bytes.len()
                })
                .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    fn send_stream(&self, bytes: &[u8], nonblocking: bool) -> Result<usize, Errno> {
        let direction = self.outgoing();
        let mut sent = 0;
        while sent < bytes.len() {
            {
                let mut queue = direction.queue.lock();
                if queue.receiver_done || queue.sender_done {
                    return if sent > 0 { Ok(sent) } else { Err(self.peer_gone_error()) };
                }
                let room = SOCKET_BUFFER_BYTES - queue.bytes;
                if room > 0 {
                    let count = room.min(bytes.len() - sent);
                    queue.records.push_back(bytes[sent..sent + count].to_vec());
                    queue.bytes += count;
                    sent += count;
                    drop(queue);
                    direction.readable.wake_all();
                    continue;
                }
            }
            if nonblocking {
                return if sent > 0 { Ok(sent) } else { Err(Errno::EAGAIN) };
            }
            let waited = direction.writable.wait_until_interruptible(|| {
                let queue = direction.queue.lock();
                queue.receiver_done || queue.bytes < SOCKET_BUFFER_BYTES
            });
            if waited.is_err() {
                return if sent > 0 { Ok(sent) } else { Err(Errno::ERESTARTSYS) };
            }
        }
        Ok(sent)
    }

    /// Receives into `buffer`: waits for data (or the sender's end), then
    /// takes one record, or as many stream bytes as fit.
    pub fn receive(&self, buffer: &mut [u8], options: ReceiveOptions) -> Result<Received, Errno> {
        let direction = self.incoming();
        loop {
            {
                let mut queue = direction.queue.lock();
                if !queue.records.is_empty() {
                    let received = if self.pair.socket_type.keeps_records() {
                        take_record(&mut queue, buffer, options.peek)
                    } else {
                        take_stream_bytes(&mut queue, buffer, options.peek)
                    };
                    drop(queue);
                    if !options.peek {
                        direction.writable.wake_all();
                    }
                    return Ok(received);
                }
                if queue.sender_done || queue.receiver_done {
                    return Ok(Received { copied: 0, full_length: 0 });
                }
            }
            if options.nonblocking {
                return Err(Errno::EAGAIN);
            }
            direction
                .readable
                .wait_until_interruptible(|| {
                    let queue = direction.queue.lock();
                    !queue.records.is_empty() || queue.sender_done || queue.receiver_done
                })
                .map_err(|_| Errno::ERESTARTSYS)?;
        }
    }

    /// `shutdown`: stop receiving (`read`), sending (`write`) or both.
    pub fn shutdown(&self, read: bool, write: bool) {
        if read {
            self.incoming().queue.lock().receiver_done = true;
            self.incoming().writable.wake_all();
            self.incoming().readable.wake_all();
        }
        if write {
            self.outgoing().queue.lock().sender_done = true;
            self.outgoing().readable.wake_all();
            self.outgoing().writable.wake_all();
        }
    }
}

fn take_record(queue: &mut Queue, buffer: &mut [u8], peek: bool) -> Received {
    let record = if peek { queue.records.front().cloned() } else { queue.records.pop_front() };
    let record = record.unwrap_or_default();
    if !peek {
        queue.bytes -= record.len();
    }
    let copied = record.len().min(buffer.len());
    buffer[..copied].copy_from_slice(&record[..copied]);
    Received { copied, full_length: record.len() }
}

fn take_stream_bytes(queue: &mut Queue, buffer: &mut [u8], peek: bool) -> Received {
    let mut copied = 0;
    let mut index = 0;
    while copied < buffer.len() && index < queue.records.len() {
        let chunk = &queue.records[index];
        let count = chunk.len().min(buffer.len() - copied);
        buffer[copied..copied + count].copy_from_slice(&chunk[..count]);
        copied += count;
        if peek || count < chunk.len() {
            if !peek {
                queue.records[index].drain(..count);
            }
            index += 1;
        } else {
            queue.records.pop_front();
        }
    }
    if !peek {
        queue.bytes -= copied;
    }
    Received { copied, full_length: copied }
}

impl FileOps for SocketEnd {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        self.receive(buffer, ReceiveOptions::default()).map(|received| received.copied)
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        self.send(bytes, false)
    }

    fn readiness(&self) -> Readiness {
        let (readable, peer_stopped_sending) = {
            let incoming = self.incoming().queue.lock();
            (!incoming.records.is_empty() || incoming.sender_done || incoming.receiver_done, incoming.sender_done)
        };
        let (writable, peer_stopped_receiving) = {
            let outgoing = self.outgoing().queue.lock();
            (outgoing.bytes < SOCKET_BUFFER_BYTES || outgoing.receiver_done, outgoing.receiver_done)
        };
        Readiness { readable, writable, hung_up: peer_stopped_sending && peer_stopped_receiving }
    }

    fn kind(&self) -> FileKind {
        FileKind::Socket
    }

    fn socket(&self) -> Option<&SocketEnd> {
        Some(self)
    }
}

impl Drop for SocketEnd {
    fn drop(&mut self) {
        self.shutdown(true, true);
    }
}
