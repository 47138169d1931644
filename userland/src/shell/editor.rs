//! Reads one line from the terminal with editing: puts the terminal in the
//! editor's modes, feeds bytes to the key decoder and the edit session,
//! writes the screen updates to stderr, restores the modes.
//!
//! Bytes are read one at a time, so whatever follows the line (the rest of
//! a paste) stays in the terminal for the command that runs next, as with
//! bash; screen output is written only when no more input is waiting, so a
//! fast paste is never slowed down by redraws.

use std::io;

use super::completion::CommandSources;
use super::edit_session::{EditSession, Outcome};
use super::history::History;
use super::keys::KeyDecoder;
use super::terminal::{editor_modes, get_modes, input_pending, set_modes, width_columns};

/// Reads a line with editing, showing `prompt`.
pub fn read_line(
    prompt: &str,
    history: &History,
    commands: &CommandSources,
) -> io::Result<Outcome> {
    let cooked = get_modes()?;
    set_modes(&editor_modes(&cooked))?;
    let outcome = edit(prompt, history, commands);
    let restored = set_modes(&cooked);
    let outcome = outcome?;
    restored?;
    Ok(outcome)
}

fn edit(prompt: &str, history: &History, commands: &CommandSources) -> io::Result<Outcome> {
    let mut session = EditSession::new(prompt, width_columns(), history, commands);
    let mut decoder = KeyDecoder::new();
    let mut screen = Vec::new();
    session.start(&mut screen);
    write_all(2, &screen)?;
    screen.clear();
    loop {
        let Some(byte) = read_byte()? else {
            write_all(2, &screen)?;
            return Ok(Outcome::EndOfInput);
        };
        if let Some(key) = decoder.feed(byte) {
            let outcome = session.handle(key, &mut screen);
            if outcome != Outcome::Continue {
                write_all(2, &screen)?;
                return Ok(outcome);
            }
        }
        if !input_pending() {
            write_all(2, &screen)?;
            screen.clear();
        }
    }
}

/// One byte from descriptor 0; `None` at end of input (or a hung-up terminal).
pub fn read_byte() -> io::Result<Option<u8>> {
    let mut byte = 0u8;
    loop {
        // SAFETY: reads at most one byte into a valid local.
        let count = unsafe { libc::read(0, (&mut byte as *mut u8).cast(), 1) };
        match count {
            1 => return Ok(Some(byte)),
            0 => return Ok(None),
            _ => {
                let error = io::Error::last_os_error();
                match error.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::EIO) => return Ok(None),
                    _ => return Err(error),
                }
            }
        }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
pub fn write_all(fd: i32, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe the live slice.
        let count = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if count < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        bytes = &bytes[count as usize..];
    }
    Ok(())
}
