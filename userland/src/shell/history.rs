//! Command history: the lines entered, and a cursor for walking it with up/down.

/// Entered lines, oldest first, at most [`History::CAPACITY`].
#[derive(Debug, Default)]
pub struct History {
    lines: Vec<String>,
    /// Number of lines ever added (the first kept line's number is `added - len + 1`).
    added: usize,
}

impl History {
    /// Lines kept (older ones are forgotten).
    pub const CAPACITY: usize = 1000;

    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// Adds a line; blank lines are not kept.
    pub fn add(&mut self, line: &str) {
        let line = line.trim_end_matches('\n');
        if line.trim().is_empty() {
            return;
        }
        if self.lines.len() == Self::CAPACITY {
            self.lines.remove(0);
        }
        self.lines.push(line.to_string());
        self.added += 1;
    }

    /// Number of lines kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `index` (0 = oldest kept).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.lines.get(index).map(String::as_str)
    }

    /// The `history` builtin's listing: `  NUMBER  line`, numbered from 1 like bash.
    pub fn listing(&self) -> String {
        let first_number = self.added - self.lines.len() + 1;
        self.lines
            .iter()
            .enumerate()
            .map(|(index, line)| format!("{:>5}  {line}\n", first_number + index))
            .collect()
    }
}

/// Walking the history while editing one line: up goes to older lines,
/// down to newer ones and finally back to the line being typed.
#[derive(Debug)]
pub struct HistoryWalk {
    /// Index into the history; `len` means the line being typed.
    position: usize,
    /// The line being typed when the walk left it.
    typed: String,
}

impl HistoryWalk {
    /// A walk starting at the line being typed.
    pub fn new(history: &History) -> HistoryWalk {
        HistoryWalk {
            position: history.len(),
            typed: String::new(),
        }
    }

    /// The older line to show, if there is one; `current` is what the buffer holds now.
    pub fn up(&mut self, history: &History, current: &str) -> Option<String> {
        if self.position == 0 {
            return None;
        }
        if self.position == history.len() {
            self.typed = current.to_string();
        }
        self.position -= 1;
        history.get(self.position).map(str::to_string)
    }

    /// The newer line to show (or the typed line), if not already at it.
    pub fn down(&mut self, history: &History) -> Option<String> {
        if self.position >= history.len() {
            return None;
        }
        self.position += 1;
        if self.position == history.len() {
            Some(self.typed.clone())
        } else {
            history.get(self.position).map(str::to_string)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(lines: &[&str]) -> History {
        let mut history = History::new();
        for line in lines {
            history.add(line);
        }
        history
    }

    #[test]
    fn blank_lines_are_not_kept() {
        let h = history(&["ls", "", "  ", "pwd"]);
        assert_eq!(h.len(), 2);
        assert_eq!(h.listing(), "    1  ls\n    2  pwd\n");
    }

    #[test]
    fn capacity_forgets_the_oldest_and_numbers_continue() {
        let mut h = History::new();
        for i in 0..History::CAPACITY + 2 {
            h.add(&format!("cmd {i}"));
        }
        assert_eq!(h.len(), History::CAPACITY);
        assert_eq!(h.get(0), Some("cmd 2"));
        assert!(h.listing().starts_with("    3  cmd 2\n"));
    }

    #[test]
    fn up_and_down_walk_and_return_to_the_typed_line() {
        let h = history(&["one", "two"]);
        let mut walk = HistoryWalk::new(&h);
        assert_eq!(walk.down(&h), None);
        assert_eq!(walk.up(&h, "typ").as_deref(), Some("two"));
        assert_eq!(walk.up(&h, "two").as_deref(), Some("one"));
        assert_eq!(walk.up(&h, "one"), None);
        assert_eq!(walk.down(&h).as_deref(), Some("two"));
        assert_eq!(walk.down(&h).as_deref(), Some("typ"));
        assert_eq!(walk.down(&h), None);
    }
}
