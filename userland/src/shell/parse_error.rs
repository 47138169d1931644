//! Why a command line could not be parsed.

use std::fmt;

/// A parse failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The line ends inside a quote, after `\`, `|`, `&&` or `||`: more input may complete it.
    Incomplete,
    /// A syntax error; the message is one line, without the `sh: ` prefix.
    Syntax(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Incomplete => write!(f, "syntax error: unexpected end of file"),
            ParseError::Syntax(message) => write!(f, "{message}"),
        }
    }
}
