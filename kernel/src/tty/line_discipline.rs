//! The line discipline: what a terminal does with the bytes a person types
//! before a program reads them, and with the bytes a program writes before
//! they reach the wire. Pure logic, tested on the host; `terminal.rs` holds
//! it under a lock and drives the UART.
//!
//! Input: CR/NL mapping (`ICRNL`, `INLCR`, `IGNCR`), `ISTRIP`, XON/XOFF
//! (`IXON`, `IXANY`), the signal characters (`ISIG`: ^C, ^\, ^Z), and in
//! canonical mode (`ICANON`) line editing: erase (the `VERASE` byte, and ^H),
//! kill (^U), word erase (^W), reprint (^R), literal next (^V), end of file
//! (^D) and the line ends (NL, `VEOL`, `VEOL2`). Echo follows `ECHO`,
//! `ECHOE`, `ECHOK`, `ECHOKE`, `ECHOCTL` and `ECHONL`; erasing a tab moves
//! the cursor back to where the tab started, as Linux's n_tty does, by
//! remembering the column the line began at.
//!
//! Reading: canonical mode hands out at most one line per read (a line
//! ended by ^D carries no delimiter; an empty one is end of file).
//! Non-canonical mode hands out whatever has arrived; `VMIN`/`VTIME` timing
//! is the terminal's business.
//!
//! Output (`OPOST`): `ONLCR` (NL as CR NL), `OCRNL`, `ONOCR`, `ONLRET`.
//!
//! The input buffer holds `INPUT_CAPACITY` bytes, as Linux's does. When it
//! is full the terminal stops taking bytes from the UART (so the sender
//! waits, nothing is lost), except that a canonical line longer than the
//! buffer can never complete: its extra bytes are dropped (and a bell
//! echoed with `IMAXBEL`), as on Linux.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use protocol::linux_abi::termios::*;

/// Bytes of typed input held for readers (Linux's `N_TTY_BUF_SIZE`).
pub const INPUT_CAPACITY: usize = 4096;

/// A disabled control character (`_POSIX_VDISABLE`).
const DISABLED: u8 = 0;
const BACKSPACE: u8 = 0x08;
const BELL: u8 = 0x07;
const TAB_STOP: usize = 8;

/// What one input byte asks of the terminal besides being stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Bytes to send to the wire (echo), already output-processed.
    pub echo: Vec<u8>,
    /// A signal for the foreground process group (SIGINT, SIGQUIT, SIGTSTP).
    pub signal: Option<u64>,
    /// Readers may find something new.
    pub readers_may_proceed: bool,
    /// XOFF (^S) stopped output or XON (^Q) restarted it.
    pub output_stopped_changed: bool,
}

/// The result of one read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes were copied.
    Data(usize),
    /// Canonical mode: ^D on an empty line.
    EndOfFile,
    /// Nothing to hand out yet.
    Empty,
}

const SIGINT: u64 = 2;
const SIGQUIT: u64 = 3;
const SIGTSTP: u64 = 20;

/// One terminal's line discipline state.
pub struct LineDiscipline {
    termios: Termios,
    /// Bytes readers may take. In canonical mode only the complete lines
    /// counted in `line_lengths` are there.
    ready: VecDeque<u8>,
    /// Canonical mode: lengths of the complete lines at the front of
    /// `ready`; 0 is an end-of-file mark.
    line_lengths: VecDeque<usize>,
    /// Canonical mode: the line being edited.
    line: Vec<u8>,
    /// The output column (for erasing tabs).
    column: usize,
    /// The column `line` started at.
    line_start_column: usize,
    /// The previous byte was ^V: take the next one literally.
    literal_next: bool,
    /// XOFF received: writers wait.
    output_stopped: bool,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        Self::new(default_termios())
    }
}

impl LineDiscipline {
    /// A discipline with `termios` and nothing typed.
    pub const fn new(termios: Termios) -> Self {
        Self {
            termios,
            ready: VecDeque::new(),
            line_lengths: VecDeque::new(),
            line: Vec::new(),
            column: 0,
            line_start_column: 0,
            literal_next: false,
            output_stopped: false,
        }
    }

    /// The current settings.
    pub fn termios(&self) -> Termios {
        self.termios
    }

    fn local(&self, flag: u32) -> bool {
        self.termios.c_lflag & flag != 0
    }

    fn input_flag(&self, flag: u32) -> bool {
        self.termios.c_iflag & flag != 0
    }

    /// Canonical (line-by-line) mode.
    pub fn is_canonical(&self) -> bool {
        self.local(ICANON)
    }

    /// `VMIN` and `VTIME` (non-canonical reads).
    pub fn min_and_time(&self) -> (u8, u8) {
        (self.termios.c_cc[VMIN], self.termios.c_cc[VTIME])
    }

    /// Whether XOFF has stopped output.
    pub fn output_stopped(&self) -> bool {
        self.output_stopped
    }

    /// Stops or restarts output (`TCXONC`).
    pub fn set_output_stopped(&mut self, stopped: bool) {
        self.output_stopped = stopped;
    }

    /// New settings. Leaving canonical mode makes the line being edited
    /// readable; entering it makes what was readable one line.
    pub fn set_termios(&mut self, termios: Termios) {
        let was_canonical = self.is_canonical();
        self.termios = termios;
        match (was_canonical, self.is_canonical()) {
            (true, false) => {
                self.ready.extend(self.line.drain(..));
                self.line_lengths.clear();
            }
            (false, true) => {
                if !self.ready.is_empty() {
                    self.line_lengths.push_back(self.ready.len());
                }
                self.line_start_column = self.column;
            }
            _ => {}
        }
        if !self.input_flag(IXON) {
            self.output_stopped = false;
        }
        self.literal_next = false;
    }

    /// Throws away typed input (`TCFLSH`, a signal character).
    pub fn flush_input(&mut self) {
        self.ready.clear();
        self.line_lengths.clear();
        self.line.clear();
        self.line_start_column = self.column;
        self.literal_next = false;
    }

    /// Whether another byte can be taken from the wire now.
    pub fn can_accept(&self) -> bool {
        let held = self.ready.len() + self.line.len();
        // A canonical line that fills the buffer alone can only be
        // truncated: keep taking bytes (and dropping them) so that its NL
        // still arrives.
        held < INPUT_CAPACITY || (self.is_canonical() && self.ready.is_empty())
    }

    /// Whether a read would return at once (data, or end of file).
    pub fn readable(&self) -> bool {
        if self.is_canonical() {
            !self.line_lengths.is_empty()
        } else {
            !self.ready.is_empty()
        }
    }

    /// Bytes a read could take now (`FIONREAD`).
    pub fn available(&self) -> usize {
        if self.is_canonical() {
            self.line_lengths.iter().sum()
        } else {
            self.ready.len()
        }
    }

    /// Takes typed input into `buffer`.
    pub fn read(&mut self, buffer: &mut [u8]) -> ReadOutcome {
        let count = if self.is_canonical() {
            let Some(&length) = self.line_lengths.front() else { return ReadOutcome::Empty };
            if length == 0 {
                self.line_lengths.pop_front();
                return ReadOutcome::EndOfFile;
            }
            let count = length.min(buffer.len());
            if count == length {
                self.line_lengths.pop_front();
            } else if let Some(front) = self.line_lengths.front_mut() {
                *front -= count;
            }
            count
        } else {
            self.ready.len().min(buffer.len())
        };
        if count == 0 {
            return ReadOutcome::Empty;
        }
        for (slot, byte) in buffer.iter_mut().zip(self.ready.drain(..count)) {
            *slot = byte;
        }
        ReadOutcome::Data(count)
    }

    /// Takes one byte from the wire (call only when `can_accept`).
    pub fn receive(&mut self, mut byte: u8, effects: &mut Effects) {
        if self.input_flag(ISTRIP) {
            byte &= 0x7f;
        }
        if core::mem::take(&mut self.literal_next) {
            self.store(byte, effects);
            return;
        }
        if self.flow_control(byte, effects) {
            return;
        }
        byte = match byte {
            b'\r' if self.input_flag(IGNCR) => return,
            b'\r' if self.input_flag(ICRNL) => b'\n',
            b'\n' if self.input_flag(INLCR) => b'\r',
            other => other,
        };
        if self.local(ISIG) && self.signal_character(byte, effects) {
            return;
        }
        if self.is_canonical() && self.editing_character(byte, effects) {
            return;
        }
        self.store(byte, effects);
    }

    /// XON/XOFF; true when `byte` was consumed.
    fn flow_control(&mut self, byte: u8, effects: &mut Effects) -> bool {
        if !self.input_flag(IXON) {
            return false;
        }
        let cc = self.termios.c_cc;
        if byte != DISABLED && byte == cc[VSTOP] {
            effects.output_stopped_changed |= !self.output_stopped;
            self.output_stopped = true;
            return true;
        }
        if byte != DISABLED && byte == cc[VSTART] {
            effects.output_stopped_changed |= self.output_stopped;
            self.output_stopped = false;
            return true;
        }
        if self.output_stopped && self.input_flag(IXANY) {
            self.output_stopped = false;
            effects.output_stopped_changed = true;
        }
        false
    }

    /// ^C, ^\, ^Z; true when `byte` was one.
    fn signal_character(&mut self, byte: u8, effects: &mut Effects) -> bool {
        let cc = self.termios.c_cc;
        let signal = match byte {
            DISABLED => return false,
            byte if byte == cc[VINTR] => SIGINT,
            byte if byte == cc[VQUIT] => SIGQUIT,
            byte if byte == cc[VSUSP] => SIGTSTP,
            _ => return false,
        };
        if !self.local(NOFLSH) {
            self.flush_input();
            effects.readers_may_proceed = true;
        }
        effects.signal = Some(signal);
        if self.local(ECHO) {
            self.echo_byte(byte, effects);
        }
        self.line_start_column = self.column;
        true
    }

    /// Canonical-mode editing; true when `byte` was consumed.
    fn editing_character(&mut self, byte: u8, effects: &mut Effects) -> bool {
        let cc = self.termios.c_cc;
        let extended = self.local(IEXTEN);
        let is = |slot: usize| byte != DISABLED && byte == cc[slot];
        if is(VERASE) || byte == BACKSPACE {
            self.erase_one(effects);
        } else if is(VKILL) {
            self.kill_line(effects);
        } else if extended && is(VWERASE) {
            self.erase_word(effects);
        } else if extended && is(VREPRINT) {
            self.reprint(byte, effects);
        } else if extended && is(VLNEXT) {
            self.literal_next = true;
            if self.local(ECHO) && self.local(ECHOCTL) {
                self.emit(b"^\x08", effects);
            }
        } else if is(VEOF) {
            self.complete_line(effects);
        } else if byte == b'\n' || is(VEOL) || is(VEOL2) {
            self.line.push(byte);
            if self.local(ECHO) || (byte == b'\n' && self.local(ECHONL)) {
                self.echo_byte(byte, effects);
            }
            self.complete_line(effects);
        } else {
            return false;
        }
        true
    }

    /// Stores an ordinary byte (raw mode, or a character of a canonical line).
    fn store(&mut self, byte: u8, effects: &mut Effects) {
        if self.is_canonical() {
            if self.ready.len() + self.line.len() >= INPUT_CAPACITY - 1 {
                // The line can still end with NL, which `editing_character` adds.
                if self.input_flag(IMAXBEL) && self.local(ECHO) {
                    effects.echo.push(BELL);
                }
                return;
            }
            if self.line.is_empty() {
                self.line_start_column = self.column;
            }
            self.line.push(byte);
        } else {
            self.ready.push_back(byte);
            effects.readers_may_proceed = true;
        }
        if self.local(ECHO) {
            self.echo_byte(byte, effects);
        }
    }

    fn complete_line(&mut self, effects: &mut Effects) {
        self.line_lengths.push_back(self.line.len());
        self.ready.extend(self.line.drain(..));
        self.line_start_column = self.column;
        effects.readers_may_proceed = true;
    }

    /// Echoes `byte` as a person expects to see it: control characters as
    /// `^X` with `ECHOCTL` (not tab or NL).
    fn echo_byte(&mut self, byte: u8, effects: &mut Effects) {
        if self.local(ECHOCTL) && is_shown_as_caret(byte) {
            self.emit(&[b'^', byte ^ 0x40], effects);
        } else {
            self.emit(&[byte], effects);
        }
    }

    fn emit(&mut self, bytes: &[u8], effects: &mut Effects) {
        let mut processed = Vec::new();
        self.process_output(bytes, &mut processed);
        effects.echo.extend_from_slice(&processed);
    }

    /// Removes the last character of the line (a whole UTF-8 sequence with
    /// `IUTF8`) and rubs it out on the screen.
    fn erase_one(&mut self, effects: &mut Effects) {
        let Some(mut start) = self.line.len().checked_sub(1) else { return };
        if self.input_flag(IUTF8) {
            while start > 0 && self.line[start] & 0xc0 == 0x80 {
                start -= 1;
            }
        }
        self.rub_out_from(start, effects);
    }

    /// Removes the line from `start` on, rubbing it out on the screen.
    fn rub_out_from(&mut self, start: usize, effects: &mut Effects) {
        let before = self.width_of_line_up_to(start);
        let after = self.width_of_line_up_to(self.line.len());
        self.line.truncate(start);
        if self.local(ECHO) && self.local(ECHOE) {
            let columns = after.saturating_sub(before);
            let mut rubout = Vec::new();
            for _ in 0..columns {
                rubout.extend_from_slice(b"\x08 \x08");
            }
            self.emit(&rubout, effects);
        }
    }

    /// The screen column after echoing `line[..end]`.
    fn width_of_line_up_to(&self, end: usize) -> usize {
        let mut column = self.line_start_column;
        for &byte in &self.line[..end] {
            column = match byte {
                b'\t' => (column / TAB_STOP + 1) * TAB_STOP,
                byte if self.local(ECHOCTL) && is_shown_as_caret(byte) => column + 2,
                byte if byte & 0xc0 == 0x80 && self.input_flag(IUTF8) => column,
                _ => column + 1,
            };
        }
        column
    }

    fn kill_line(&mut self, effects: &mut Effects) {
        if self.local(ECHO) && !self.local(ECHOKE) && self.local(ECHOK) {
            let kill = self.termios.c_cc[VKILL];
            self.line.clear();
            self.echo_byte(kill, effects);
            self.emit(b"\n", effects);
            self.line_start_column = self.column;
        } else {
            self.rub_out_from(0, effects);
        }
    }

    fn erase_word(&mut self, effects: &mut Effects) {
        let mut start = self.line.len();
        while start > 0 && self.line[start - 1].is_ascii_whitespace() {
            start -= 1;
        }
        while start > 0 && !self.line[start - 1].is_ascii_whitespace() {
            start -= 1;
        }
        self.rub_out_from(start, effects);
    }

    fn reprint(&mut self, byte: u8, effects: &mut Effects) {
        if !self.local(ECHO) {
            return;
        }
        self.echo_byte(byte, effects);
        self.emit(b"\n", effects);
        self.line_start_column = self.column;
        let line = self.line.clone();
        for byte in line {
            self.echo_byte(byte, effects);
        }
    }

    /// Output processing (`OPOST`) of bytes a program writes (or echo),
    /// appended to `out`; keeps track of the column.
    pub fn process_output(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let flags = self.termios.c_oflag;
        let post = flags & OPOST != 0;
        for &byte in bytes {
            match byte {
                b'\n' if post && flags & ONLCR != 0 => {
                    out.extend_from_slice(b"\r\n");
                    self.column = 0;
                }
                b'\n' => {
                    out.push(b'\n');
                    if post && flags & ONLRET != 0 {
                        self.column = 0;
                    }
                }
                b'\r' if post && flags & ONOCR != 0 && self.column == 0 => {}
                b'\r' if post && flags & OCRNL != 0 => {
                    out.push(b'\n');
                    if flags & ONLRET != 0 {
                        self.column = 0;
                    }
                }
                b'\r' => {
                    out.push(b'\r');
                    self.column = 0;
                }
                b'\t' => {
                    out.push(b'\t');
                    self.column = (self.column / TAB_STOP + 1) * TAB_STOP;
                }
                BACKSPACE => {
                    out.push(BACKSPACE);
                    self.column = self.column.saturating_sub(1);
                }
                byte => {
                    out.push(byte);
                    let continuation = byte & 0xc0 == 0x80;
                    if byte >= 0x20 && byte != 0x7f && !continuation {
                        self.column += 1;
                    }
                }
            }
        }
    }
}

/// Control characters that `ECHOCTL` shows as `^X`.
fn is_shown_as_caret(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t' && byte != b'\n') || byte == 0x7f
}

#[cfg(test)]
mod tests;
