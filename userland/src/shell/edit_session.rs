//! Editing one line: keys in, screen updates out (plain ANSI sequences),
//! no terminal I/O here so it is tested on the host.
//!
//! The screen model: the prompt and the text wrap at `width` columns; the
//! session remembers which row (relative to the prompt's) the cursor is on,
//! so a redraw goes back up, clears to the end of the screen and writes
//! everything again. Typing at the end of the line only echoes the character.

use super::completion::{common_prefix, complete, format_listing, CommandSources};
use super::history::{History, HistoryWalk};
use super::keys::Key;
use super::line_buffer::LineBuffer;

/// What a key did to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still editing.
    Continue,
    /// Enter: the finished line (without a newline).
    Line(String),
    /// ^C: the line is abandoned.
    Interrupted,
    /// ^D on an empty line.
    EndOfInput,
}

/// The state of one line being edited.
pub struct EditSession<'a> {
    prompt: String,
    prompt_width: usize,
    width: usize,
    buffer: LineBuffer,
    history: &'a History,
    walk: HistoryWalk,
    commands: &'a CommandSources<'a>,
    /// Row of the cursor on screen, counted from the prompt's row.
    cursor_row: usize,
    /// The previous key was a Tab that could not complete further.
    listed_on_next_tab: bool,
}

impl<'a> EditSession<'a> {
    /// Starts a session; call [`EditSession::start`] to draw the prompt.
    pub fn new(
        prompt: &str,
        width: usize,
        history: &'a History,
        commands: &'a CommandSources<'a>,
    ) -> EditSession<'a> {
        EditSession {
            prompt: prompt.to_string(),
            prompt_width: prompt.chars().count(),
            width: width.max(1),
            buffer: LineBuffer::new(),
            history,
            walk: HistoryWalk::new(history),
            commands,
            cursor_row: 0,
            listed_on_next_tab: false,
        }
    }

    /// Draws the prompt.
    pub fn start(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\r");
        self.refresh(out);
    }

    /// The text so far.
    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// Applies `key`, appending what the screen needs to `out`.
    pub fn handle(&mut self, key: Key, out: &mut Vec<u8>) -> Outcome {
        let was_tab = std::mem::take(&mut self.listed_on_next_tab);
        match key {
            Key::Char(c) => self.insert(&c.to_string(), out),
            Key::Enter => {
                self.move_to_end(out);
                out.extend_from_slice(b"\r\n");
                return Outcome::Line(self.buffer.text());
            }
            Key::Interrupt => {
                self.move_to_end(out);
                out.extend_from_slice(b"^C\r\n");
                return Outcome::Interrupted;
            }
            Key::EndOfFile if self.buffer.is_empty() => return Outcome::EndOfInput,
            Key::EndOfFile | Key::Delete => self.edit(out, LineBuffer::delete),
            Key::Backspace => self.edit(out, LineBuffer::backspace),
            Key::Left => self.edit(out, LineBuffer::left),
            Key::Right => self.edit(out, LineBuffer::right),
            Key::Home => self.edit(out, LineBuffer::home),
            Key::End => self.edit(out, LineBuffer::end),
            Key::KillToEnd => self.edit(out, LineBuffer::kill_to_end),
            Key::KillToStart => self.edit(out, LineBuffer::kill_to_start),
            Key::KillWordBack => self.edit(out, LineBuffer::kill_word_back),
            Key::Up => {
                if let Some(line) = self.walk.up(self.history, &self.buffer.text()) {
                    self.replace_all(&line, out);
                }
            }
            Key::Down => {
                if let Some(line) = self.walk.down(self.history) {
                    self.replace_all(&line, out);
                }
            }
            Key::ClearScreen => {
                out.extend_from_slice(b"\x1b[H\x1b[2J");
                self.cursor_row = 0;
                self.refresh(out);
            }
            Key::Tab => self.complete(was_tab, out),
        }
        Outcome::Continue
    }

    fn edit<R>(&mut self, out: &mut Vec<u8>, operation: impl FnOnce(&mut LineBuffer) -> R) {
        operation(&mut self.buffer);
        self.refresh(out);
    }

    fn replace_all(&mut self, text: &str, out: &mut Vec<u8>) {
        self.buffer.set(text);
        self.refresh(out);
    }

    fn insert(&mut self, text: &str, out: &mut Vec<u8>) {
        let at_end = self.buffer.cursor() == self.buffer.len();
        self.buffer.insert(text);
        if !at_end {
            self.refresh(out);
            return;
        }
        out.extend_from_slice(text.as_bytes());
        let position = self.prompt_width + self.buffer.len();
        if position.is_multiple_of(self.width) {
            // The terminal waits to wrap until the next character: wrap now
            // so the cursor is where the row arithmetic says.
            out.extend_from_slice(b"\r\n");
        }
        self.cursor_row = position / self.width;
    }

    fn complete(&mut self, second_tab: bool, out: &mut Vec<u8>) {
        let found = complete(&self.buffer.before_cursor(), self.commands);
        match found.candidates.as_slice() {
            [] => out.push(0x07),
            [only] => {
                let ending = if only.ends_with('/') { "" } else { " " };
                let rest = format!("{}{ending}", &only[found.word.len()..]);
                self.insert(&rest, out);
            }
            several => {
                let shared = common_prefix(several);
                if shared.len() > found.word.len() {
                    self.insert(&shared[found.word.len()..], out);
                } else if second_tab {
                    self.move_to_end(out);
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(format_listing(several, self.width).as_bytes());
                    self.cursor_row = 0;
                    self.refresh(out);
                } else {
                    out.push(0x07);
                    self.listed_on_next_tab = true;
                }
            }
        }
    }

    /// Puts the cursor after the last character (on screen too).
    fn move_to_end(&mut self, out: &mut Vec<u8>) {
        if self.buffer.cursor() != self.buffer.len() {
            self.buffer.end();
            self.refresh(out);
        }
    }

    /// Redraws prompt and text and places the cursor.
    fn refresh(&mut self, out: &mut Vec<u8>) {
        if self.cursor_row > 0 {
            out.extend_from_slice(format!("\x1b[{}A", self.cursor_row).as_bytes());
        }
        out.extend_from_slice(b"\r\x1b[J");
        out.extend_from_slice(self.prompt.as_bytes());
        out.extend_from_slice(self.buffer.text().as_bytes());
        let end = self.prompt_width + self.buffer.len();
        if end.is_multiple_of(self.width) && !self.buffer.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
        let end_row = end / self.width;
        if self.buffer.cursor() == self.buffer.len() {
            // Already there: no repositioning (keeps a serial transcript plain).
            self.cursor_row = end_row;
            return;
        }
        let cursor = self.prompt_width + self.buffer.cursor();
        let (row, column) = (cursor / self.width, cursor % self.width);
        if end_row > row {
            out.extend_from_slice(format!("\x1b[{}A", end_row - row).as_bytes());
        }
        out.extend_from_slice(b"\r");
        if column > 0 {
            out.extend_from_slice(format!("\x1b[{column}C").as_bytes());
        }
        self.cursor_row = row;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::keys::KeyDecoder;

    fn builtins_only() -> CommandSources<'static> {
        CommandSources {
            builtins: &["history", "help", "echo"],
            path_directories: Vec::new(),
        }
    }

    /// Feeds `bytes`; returns the outcome of the last key and the screen output.
    fn type_keys(history: &History, bytes: &[u8], width: usize) -> (Outcome, String, String) {
        let commands = builtins_only();
        let mut session = EditSession::new("$ ", width, history, &commands);
        let mut out = Vec::new();
        session.start(&mut out);
        let mut decoder = KeyDecoder::new();
        let mut outcome = Outcome::Continue;
        for &byte in bytes {
            if let Some(key) = decoder.feed(byte) {
                outcome = session.handle(key, &mut out);
                if outcome != Outcome::Continue {
                    break;
                }
            }
        }
        (outcome, session.text(), String::from_utf8(out).unwrap())
    }

    fn line(bytes: &[u8]) -> Outcome {
        type_keys(&History::new(), bytes, 80).0
    }

    #[test]
    fn editing_keys_change_the_line() {
        assert_eq!(line(b"echo\r"), Outcome::Line("echo".into()));
        assert_eq!(line(b"ecxo\x7f\x7fho\r"), Outcome::Line("echo".into()));
        assert_eq!(line(b"cho\x01e\x05 x\r"), Outcome::Line("echo x".into()));
        assert_eq!(
            line(b"echo abc\x1b[D\x1b[D\x0b\r"),
            Outcome::Line("echo a".into())
        );
        assert_eq!(
            line(b"echo abc\x1b[1~\x1b[3~\x1b[4~!\r"),
            Outcome::Line("cho abc!".into())
        );
        assert_eq!(line(b"junk here\x15ls\r"), Outcome::Line("ls".into()));
        assert_eq!(line(b"ls -l /tmp\x17/\r"), Outcome::Line("ls -l /".into()));
        assert_eq!(
            line(b"ab\x1bOH\x08x\x1bOFy\r"),
            Outcome::Line("xaby".into())
        );
    }

    #[test]
    fn interrupt_and_end_of_input() {
        let (outcome, _, screen) = type_keys(&History::new(), b"sleep\x03", 80);
        assert_eq!(outcome, Outcome::Interrupted);
        assert!(screen.ends_with("^C\r\n"));
        assert_eq!(line(b"\x04"), Outcome::EndOfInput);
        assert_eq!(line(b"ab\x01\x04\r"), Outcome::Line("b".into()));
    }

    #[test]
    fn history_recall_with_arrows() {
        let mut history = History::new();
        history.add("ls / | wc -l");
        history.add("echo $?");
        assert_eq!(
            type_keys(&history, b"\x1b[A\x1b[A\r", 80).0,
            Outcome::Line("ls / | wc -l".into())
        );
        assert_eq!(
            type_keys(&history, b"part\x1b[A\x1b[B\r", 80).0,
            Outcome::Line("part".into())
        );
    }

    #[test]
    fn typing_at_the_end_only_echoes() {
        let (_, _, screen) = type_keys(&History::new(), b"abc", 80);
        assert_eq!(screen, "\r\r\x1b[J$ abc");
    }

    #[test]
    fn a_wrapped_line_is_redrawn_from_its_first_row() {
        // Width 10: "$ " + 12 characters ends on row 1.
        let (_, text, screen) = type_keys(&History::new(), b"abcdefghijkl\x01", 10);
        assert_eq!(text, "abcdefghijkl");
        assert!(
            screen.contains("abcdefgh\r\n"),
            "wrap at the row end: {screen:?}"
        );
        assert!(
            screen.ends_with("\x1b[1A\r\x1b[J$ abcdefghijkl\x1b[1A\r\x1b[2C"),
            "{screen:?}"
        );
    }

    #[test]
    fn a_fast_paste_arrives_whole_and_in_order() {
        let pasted: String = (0..4096)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let mut bytes = b"echo ".to_vec();
        bytes.extend_from_slice(pasted.as_bytes());
        bytes.push(b'\r');
        assert_eq!(line(&bytes), Outcome::Line(format!("echo {pasted}")));
    }

    #[test]
    fn tab_completes_then_lists_on_the_second_tab() {
        assert_eq!(line(b"hist\t\r"), Outcome::Line("history ".into()));
        let (outcome, text, screen) = type_keys(&History::new(), b"h\t\t", 80);
        assert_eq!((outcome, text.as_str()), (Outcome::Continue, "h"));
        assert!(screen.contains("\r\nhelp     history\r\n"), "{screen:?}");
    }
}
