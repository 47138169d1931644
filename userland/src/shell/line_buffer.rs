//! The line being edited: characters and a cursor, with the editing operations.

/// Text plus a cursor (an index between characters, `0..=len`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBuffer {
    chars: Vec<char>,
    cursor: usize,
}

impl LineBuffer {
    /// An empty buffer.
    pub fn new() -> LineBuffer {
        LineBuffer::default()
    }

    /// The text.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// The characters.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Replaces the text, cursor at the end.
    pub fn set(&mut self, text: &str) {
        self.chars = text.chars().collect();
        self.cursor = self.chars.len();
    }

    /// Inserts `text` at the cursor, cursor after it.
    pub fn insert(&mut self, text: &str) {
        for c in text.chars() {
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// Deletes the character before the cursor; false at the start.
    pub fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        self.chars.remove(self.cursor);
        true
    }

    /// Deletes the character under the cursor; false at the end.
    pub fn delete(&mut self) -> bool {
        if self.cursor == self.chars.len() {
            return false;
        }
        self.chars.remove(self.cursor);
        true
    }

    /// Moves left one character; false at the start.
    pub fn left(&mut self) -> bool {
        let moved = self.cursor > 0;
        self.cursor = self.cursor.saturating_sub(1);
        moved
    }

    /// Moves right one character; false at the end.
    pub fn right(&mut self) -> bool {
        let moved = self.cursor < self.chars.len();
        self.cursor = (self.cursor + 1).min(self.chars.len());
        moved
    }

    /// Cursor to the start.
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Cursor to the end.
    pub fn end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// ^K: deletes from the cursor to the end.
    pub fn kill_to_end(&mut self) {
        self.chars.truncate(self.cursor);
    }

    /// ^U: deletes from the start to the cursor.
    pub fn kill_to_start(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }

    /// ^W: deletes the blanks before the cursor, then the word before them
    /// (up to the previous blank), like readline's unix-word-rubout.
    pub fn kill_word_back(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    /// The text before the cursor.
    pub fn before_cursor(&self) -> String {
        self.chars[..self.cursor].iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(text: &str, cursor: usize) -> LineBuffer {
        let mut buffer = LineBuffer::new();
        buffer.set(text);
        buffer.cursor = cursor;
        buffer
    }

    #[test]
    fn insert_in_the_middle() {
        let mut b = buffer("ac", 1);
        b.insert("b");
        assert_eq!((b.text(), b.cursor()), ("abc".into(), 2));
    }

    #[test]
    fn backspace_and_delete_at_the_edges() {
        let mut b = buffer("ab", 0);
        assert!(!b.backspace());
        assert!(b.delete());
        assert_eq!(b.text(), "b");
        b.end();
        assert!(!b.delete());
        assert!(b.backspace());
        assert!(b.is_empty());
    }

    #[test]
    fn moves_stop_at_the_edges() {
        let mut b = buffer("ab", 0);
        assert!(!b.left());
        assert!(b.right() && b.right());
        assert!(!b.right());
        b.home();
        assert_eq!(b.cursor(), 0);
        b.end();
        assert_eq!(b.cursor(), 2);
    }

    #[test]
    fn kills() {
        let mut b = buffer("echo hello world", 10);
        b.kill_to_end();
        assert_eq!(b.text(), "echo hello");
        let mut b = buffer("echo hello world", 5);
        b.kill_to_start();
        assert_eq!((b.text(), b.cursor()), ("hello world".into(), 0));
        let mut b = buffer("echo hello  world", 12);
        b.kill_word_back();
        assert_eq!((b.text(), b.cursor()), ("echo world".into(), 5));
        b.kill_word_back();
        assert_eq!((b.text(), b.cursor()), ("world".into(), 0));
        b.kill_word_back();
        assert_eq!(b.text(), "world");
    }
}
