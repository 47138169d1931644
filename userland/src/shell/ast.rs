//! The parsed form of a command line: lists of and-or chains of pipelines of simple commands.

/// One piece of a word as typed, before expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordPart {
    /// Literal text; `quoted` text is not field-split and not a tilde prefix.
    Literal {
        /// The text with quotes and escapes already removed.
        text: String,
        /// Whether it came from inside quotes or after a backslash.
        quoted: bool,
    },
    /// `$NAME`, `${NAME}`, `$?`, `$$`, `$!`, `$#`, `$0`..`$9`, `$@`, `$*`.
    Parameter {
        /// The parameter's name (`?` for `$?`).
        name: String,
        /// Whether it appeared inside double quotes (then it is not split).
        quoted: bool,
    },
}

/// A word: the parts that were typed next to each other.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The parts in order.
    pub parts: Vec<WordPart>,
}

impl Word {
    /// A word of one unquoted literal (tests and builtins).
    pub fn literal(text: &str) -> Word {
        Word {
            parts: vec![WordPart::Literal {
                text: text.to_string(),
                quoted: false,
            }],
        }
    }
}

/// What a redirection does to its file descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectTarget {
    /// `< file`
    Read(Word),
    /// `> file`
    Write(Word),
    /// `>> file`
    Append(Word),
    /// `N>&M`, `N<&M` (`M` a number) or `N>&-` (close): the word is `M` or `-`.
    Duplicate(Word),
}

/// One redirection: `fd` gets `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirection {
    /// The descriptor redirected (0 for `<`, 1 for `>` unless a number was typed).
    pub fd: i32,
    /// Where it points afterwards.
    pub target: RedirectTarget,
}

/// A simple command: `NAME=value... word... redirections...`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// Leading `NAME=value` words.
    pub assignments: Vec<(String, Word)>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// Redirections, in the order typed.
    pub redirections: Vec<Redirection>,
}

/// `[!] cmd | cmd | ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// `!` in front: the status is inverted.
    pub negated: bool,
    /// At least one command.
    pub commands: Vec<SimpleCommand>,
}

/// How an and-or chain continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`: run the next pipeline if the last status was 0.
    And,
    /// `||`: run the next pipeline if the last status was not 0.
    Or,
}

/// `pipeline && pipeline || pipeline ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    /// The first pipeline.
    pub first: Pipeline,
    /// The others, each with the connector before it.
    pub rest: Vec<(Connector, Pipeline)>,
}

/// One entry of a list: an and-or chain ended by `;`, `&` or a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// What to run.
    pub and_or: AndOr,
    /// Ended by `&`: run it as a background job.
    pub background: bool,
    /// The text as typed (jobs are shown with it).
    pub text: String,
}

/// A whole command line (or script line): the items in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandList {
    /// The list items.
    pub items: Vec<ListItem>,
}
