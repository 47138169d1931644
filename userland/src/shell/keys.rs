//! Decodes the bytes a terminal sends into keys: a small state machine fed
//! one byte at a time (so a key split across reads still decodes).
//!
//! Understood: printable UTF-8, control keys, `ESC [ A..D` / `ESC O A..D`
//! arrows, Home/End as `ESC[H`/`ESC[F`, `ESC OH`/`ESC OF`, `ESC[1~`/`ESC[4~`
//! (and `7~`/`8~`), Delete as `ESC[3~`. Other sequences are consumed whole and ignored.

/// A key the line editor acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter (CR or LF).
    Enter,
    /// Backspace (0x7f or ^H).
    Backspace,
    /// Delete (`ESC[3~`).
    Delete,
    /// Left arrow or ^B.
    Left,
    /// Right arrow or ^F.
    Right,
    /// Up arrow or ^P.
    Up,
    /// Down arrow or ^N.
    Down,
    /// Home or ^A.
    Home,
    /// End or ^E.
    End,
    /// Tab.
    Tab,
    /// ^K: delete to the end of the line.
    KillToEnd,
    /// ^U: delete to the start of the line.
    KillToStart,
    /// ^W: delete the word before the cursor.
    KillWordBack,
    /// ^C.
    Interrupt,
    /// ^D.
    EndOfFile,
    /// ^L: clear the screen.
    ClearScreen,
}

/// Where the decoder is inside a key's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// After `ESC [`, collecting parameter bytes.
    ControlSequence(String),
    /// After `ESC O`.
    SingleShift,
    /// Inside a UTF-8 character: the bytes so far and how many in all.
    Utf8(Vec<u8>, usize),
}

/// The byte-to-key state machine.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    state: State,
}

impl KeyDecoder {
    /// A decoder at the start of a key.
    pub fn new() -> KeyDecoder {
        KeyDecoder::default()
    }

    /// Feeds one byte; returns the key it completes, if any.
    pub fn feed(&mut self, byte: u8) -> Option<Key> {
        match std::mem::take(&mut self.state) {
            State::Ground => self.ground(byte),
            State::Escape => match byte {
                b'[' => {
                    self.state = State::ControlSequence(String::new());
                    None
                }
                b'O' => {
                    self.state = State::SingleShift;
                    None
                }
                0x1b => {
                    self.state = State::Escape;
                    None
                }
                // ESC then an ordinary key (Alt-x): the key alone.
                _ => self.ground(byte),
            },
            State::ControlSequence(mut parameters) => match byte {
                0x30..=0x3f => {
                    parameters.push(char::from(byte));
                    self.state = State::ControlSequence(parameters);
                    None
                }
                0x40..=0x7e => control_sequence_key(&parameters, byte),
                // Intermediate or stray bytes: keep consuming the sequence.
                0x20..=0x2f => {
                    self.state = State::ControlSequence(parameters);
                    None
                }
                _ => self.ground(byte),
            },
            State::SingleShift => match byte {
                b'A' => Some(Key::Up),
                b'B' => Some(Key::Down),
                b'C' => Some(Key::Right),
                b'D' => Some(Key::Left),
                b'H' => Some(Key::Home),
                b'F' => Some(Key::End),
                _ => None,
            },
            State::Utf8(mut bytes, total) => {
                if byte & 0xc0 != 0x80 {
                    // Broken sequence: drop it and decode this byte afresh.
                    return self.ground(byte);
                }
                bytes.push(byte);
                if bytes.len() < total {
                    self.state = State::Utf8(bytes, total);
                    return None;
                }
                std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .map(Key::Char)
            }
        }
    }

    fn ground(&mut self, byte: u8) -> Option<Key> {
        match byte {
            b'\r' | b'\n' => Some(Key::Enter),
            0x7f | 0x08 => Some(Key::Backspace),
            b'\t' => Some(Key::Tab),
            0x01 => Some(Key::Home),
            0x02 => Some(Key::Left),
            0x03 => Some(Key::Interrupt),
            0x04 => Some(Key::EndOfFile),
            0x05 => Some(Key::End),
            0x06 => Some(Key::Right),
            0x0b => Some(Key::KillToEnd),
            0x0c => Some(Key::ClearScreen),
            0x0e => Some(Key::Down),
            0x10 => Some(Key::Up),
            0x15 => Some(Key::KillToStart),
            0x17 => Some(Key::KillWordBack),
            0x1b => {
                self.state = State::Escape;
                None
            }
            0x20..=0x7e => Some(Key::Char(char::from(byte))),
            0xc0..=0xdf => self.start_utf8(byte, 2),
            0xe0..=0xef => self.start_utf8(byte, 3),
            0xf0..=0xf7 => self.start_utf8(byte, 4),
            _ => None,
        }
    }

    fn start_utf8(&mut self, byte: u8, total: usize) -> Option<Key> {
        self.state = State::Utf8(vec![byte], total);
        None
    }
}

/// The key for `ESC [ parameters final`.
fn control_sequence_key(parameters: &str, final_byte: u8) -> Option<Key> {
    match (parameters, final_byte) {
        (_, b'A') => Some(Key::Up),
        (_, b'B') => Some(Key::Down),
        (_, b'C') => Some(Key::Right),
        (_, b'D') => Some(Key::Left),
        (_, b'H') => Some(Key::Home),
        (_, b'F') => Some(Key::End),
        ("1" | "7", b'~') => Some(Key::Home),
        ("4" | "8", b'~') => Some(Key::End),
        ("3", b'~') => Some(Key::Delete),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<Key> {
        let mut decoder = KeyDecoder::new();
        bytes.iter().filter_map(|&b| decoder.feed(b)).collect()
    }

    #[test]
    fn arrows_in_both_forms() {
        use Key::*;
        assert_eq!(
            decode(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1bOB\x1bOC\x1bOD"),
            [Up, Down, Right, Left, Up, Down, Right, Left]
        );
    }

    #[test]
    fn home_and_end_in_every_form() {
        use Key::*;
        assert_eq!(
            decode(b"\x1b[H\x1b[F\x1b[1~\x1b[4~\x1bOH\x1bOF\x1b[7~\x1b[8~\x01\x05"),
            [Home, End, Home, End, Home, End, Home, End, Home, End]
        );
    }

    #[test]
    fn control_keys() {
        use Key::*;
        assert_eq!(
            decode(b"\x0b\x15\x17\x7f\x08\x03\x04\t\r\n\x1b[3~"),
            [
                KillToEnd,
                KillToStart,
                KillWordBack,
                Backspace,
                Backspace,
                Interrupt,
                EndOfFile,
                Tab,
                Enter,
                Enter,
                Delete
            ]
        );
    }

    #[test]
    fn unknown_sequences_are_swallowed_whole() {
        assert_eq!(
            decode(b"a\x1b[1;5Qb\x1b[200~c\x1b[15~d"),
            [
                Key::Char('a'),
                Key::Char('b'),
                Key::Char('c'),
                Key::Char('d')
            ]
        );
    }

    #[test]
    fn modified_arrows_move_like_arrows() {
        assert_eq!(decode(b"\x1b[1;5C\x1b[1;5D"), [Key::Right, Key::Left]);
    }

    #[test]
    fn utf8_characters_and_broken_ones() {
        assert_eq!(decode("é€".as_bytes()), [Key::Char('é'), Key::Char('€')]);
        assert_eq!(decode(b"\xc3a"), [Key::Char('a')]);
    }

    #[test]
    fn a_key_split_across_feeds_still_decodes() {
        let mut decoder = KeyDecoder::new();
        assert_eq!(decoder.feed(0x1b), None);
        assert_eq!(decoder.feed(b'['), None);
        assert_eq!(decoder.feed(b'A'), Some(Key::Up));
    }

    #[test]
    fn escape_then_a_plain_key_gives_the_key() {
        assert_eq!(decode(b"\x1bx"), [Key::Char('x')]);
    }
}
