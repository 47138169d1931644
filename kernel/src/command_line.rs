//! The raw kernel command line, as the boot loader left it, turned into the
//! words the kernel keeps: split on ASCII whitespace, a word is kept if it
//! is UTF-8 without control characters, and anything dropped is shown with
//! its odd bytes escaped, so a bad line neither disappears whole nor writes
//! control bytes to the console.
//!
//! ```text
//! b"\xff\xfe junk\x07 test=boot"  ->  kept: ["test=boot"]
//!                                     dropped: [\xff\xfe, junk\x07]
//! ```

use core::fmt;

/// One whitespace-separated word of the raw line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word<'a> {
    /// UTF-8 with no control characters: the kernel reads it.
    Kept(&'a str),
    /// Not UTF-8, or with control characters: the kernel warns and skips it.
    Dropped(&'a [u8]),
}

/// The words of `raw`, in order (trailing NULs of the C string ignored).
pub fn words(raw: &[u8]) -> impl Iterator<Item = Word<'_>> {
    let end = raw.iter().rposition(|byte| *byte != 0).map_or(0, |last| last + 1);
    raw[..end].split(u8::is_ascii_whitespace).filter(|word| !word.is_empty()).map(classify)
}

fn classify(word: &[u8]) -> Word<'_> {
    match core::str::from_utf8(word) {
        Ok(text) if !text.chars().any(char::is_control) => Word::Kept(text),
        _ => Word::Dropped(word),
    }
}

/// Shows bytes for a log line: printable text as is, everything else (control
/// characters, bytes that are not UTF-8, backslashes) as `\xNN`.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            for character in chunk.valid().chars() {
                if character.is_control() || character == '\\' {
                    let mut bytes = [0; 4];
                    for byte in character.encode_utf8(&mut bytes).bytes() {
                        write!(formatter, "\\x{byte:02x}")?;
                    }
                } else {
                    write!(formatter, "{character}")?;
                }
            }
            for byte in chunk.invalid() {
                write!(formatter, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn kept(raw: &[u8]) -> Vec<&str> {
        words(raw).filter_map(|word| if let Word::Kept(text) = word { Some(text) } else { None }).collect()
    }

    fn dropped(raw: &[u8]) -> Vec<std::string::String> {
        words(raw)
            .filter_map(|word| if let Word::Dropped(bytes) = word { Some(Escaped(bytes).to_string()) } else { None })
            .collect()
    }

    #[test]
    fn valid_words_around_invalid_bytes_are_kept() {
        let raw = b"\xff\xfe junk\x07 test=boot \xc3\x28 x=\xe2\x82\xac\0\0";
        assert_eq!(kept(raw), ["test=boot", "x=\u{20ac}"]);
        assert_eq!(dropped(raw), ["\\xff\\xfe", "junk\\x07", "\\xc3("]);
    }

    #[test]
    fn whitespace_of_every_kind_separates_and_empty_lines_have_no_words() {
        assert_eq!(kept(b"\ta=1\r\nb=2  c"), ["a=1", "b=2", "c"]);
        assert_eq!(words(b"").count(), 0);
        assert_eq!(words(b"\0\0\0").count(), 0);
        assert_eq!(words(b"   ").count(), 0);
    }

    #[test]
    fn escaping_shows_control_characters_c1_and_backslashes() {
        assert_eq!(Escaped(b"a\x1b[2Jb").to_string(), "a\\x1b[2Jb");
        assert_eq!(Escaped("\u{85}".as_bytes()).to_string(), "\\xc2\\x85");
        assert_eq!(Escaped(b"\\x41").to_string(), "\\x5cx41");
        assert_eq!(Escaped("caf\u{e9}".as_bytes()).to_string(), "caf\u{e9}");
    }
}
