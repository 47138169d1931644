//! `usertest pipe`: two processes talk through two pipes: 64 ping-pong
//! rounds of 4 KiB (the child answers each byte plus one), then the child
//! streams 1 MiB that the parent checks (the writer blocks on a full pipe).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::verdict::CheckResult;
use crate::child_process::{fork_running, wait_for};
use crate::wait_status::ChildEnd;

const ROUNDS: usize = 64;
const MESSAGE_BYTES: usize = 4096;
const STREAM_BYTES: usize = 1 << 20;

/// A pipe as (read end, write end).
pub fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a writable array of two ints, as pipe requires.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe returned two fresh descriptors that nothing else owns.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((File::from(read_end), File::from(write_end)))
}

fn stream_byte(index: usize) -> u8 {
    (index.wrapping_mul(31) ^ (index >> 8)) as u8
}

/// Runs the ping-pong and the stream.
pub fn check_pipe() -> CheckResult {
    let (mut from_parent, mut to_child) = pipe().map_err(|error| format!("pipe: {error}"))?;
    let (mut from_child, mut to_parent) = pipe().map_err(|error| format!("pipe: {error}"))?;
    let parent_ends = [to_child.as_raw_fd(), from_child.as_raw_fd()];
    let child = fork_running(move || {
        // The child's copies of the parent's ends must close, or the stream never ends.
        // SAFETY: these descriptors are the child's own copies, used by nothing else here.
        parent_ends.iter().for_each(|fd| unsafe {
            libc::close(*fd);
        });
        match answer_then_stream(&mut from_parent, &mut to_parent) {
            Ok(()) => 0,
            Err(_) => 1,
        }
    })
    .map_err(|error| format!("fork: {error}"))?;
    // The parent's copies of the child's ends went with the closure, dropped in fork_running.
    let talked = talk_then_receive(&mut to_child, &mut from_child);
    drop(to_child);
    let (_, end) = wait_for(child).map_err(|error| format!("waitpid: {error}"))?;
    talked?;
    if end != ChildEnd::Exited(0) {
        return Err(format!("the child {end}"));
    }
    Ok(format!("{ROUNDS} round trips of {MESSAGE_BYTES} bytes and a {STREAM_BYTES}-byte stream between two processes"))
}

fn answer_then_stream(input: &mut File, output: &mut File) -> io::Result<()> {
    let mut message = vec![0u8; MESSAGE_BYTES];
    for _ in 0..ROUNDS {
        input.read_exact(&mut message)?;
        message
            .iter_mut()
            .for_each(|byte| *byte = byte.wrapping_add(1));
        output.write_all(&message)?;
    }
    let stream: Vec<u8> = (0..STREAM_BYTES).map(stream_byte).collect();
    output.write_all(&stream)
}

fn talk_then_receive(output: &mut File, input: &mut File) -> Result<(), String> {
    let mut answer = vec![0u8; MESSAGE_BYTES];
    for round in 0..ROUNDS {
        let message: Vec<u8> = (0..MESSAGE_BYTES)
            .map(|index| (index + round) as u8)
            .collect();
        output
            .write_all(&message)
            .map_err(|error| format!("round {round}: write: {error}"))?;
        input
            .read_exact(&mut answer)
            .map_err(|error| format!("round {round}: read: {error}"))?;
        if answer
            .iter()
            .zip(&message)
            .any(|(got, sent)| *got != sent.wrapping_add(1))
        {
            return Err(format!(
                "round {round}: the answer is not the message plus one"
            ));
        }
    }
    let mut stream = Vec::with_capacity(STREAM_BYTES);
    input
        .read_to_end(&mut stream)
        .map_err(|error| format!("stream: read: {error}"))?;
    if stream.len() != STREAM_BYTES {
        return Err(format!(
            "stream: got {} bytes, expected {STREAM_BYTES}",
            stream.len()
        ));
    }
    match stream
        .iter()
        .enumerate()
        .position(|(index, byte)| *byte != stream_byte(index))
    {
        Some(index) => Err(format!("stream: byte {index} is wrong")),
        None => Ok(()),
    }
}
