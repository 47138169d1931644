//! Splits a command line into words (quotes, escapes and `$` references
//! recorded, not yet expanded), operators and redirection operators.

use super::ast::{Word, WordPart};
use super::parse_error::ParseError;

/// A control operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `|`
    Pipe,
    /// `||`
    OrIf,
    /// `&`
    Ampersand,
    /// `&&`
    AndIf,
    /// `;`
    Semicolon,
    /// A newline (ends a command like `;`).
    Newline,
}

/// A redirection operator; `fd` is the number typed right before it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectOperator {
    /// `<`
    Read,
    /// `>`
    Write,
    /// `>>`
    Append,
    /// `>&`
    DuplicateOutput,
    /// `<&`
    DuplicateInput,
}

/// What the lexer produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A word.
    Word(Word),
    /// A control operator.
    Operator(Operator),
    /// A redirection operator with its optional descriptor number.
    Redirect {
        /// The number typed before the operator (`2>`), if any.
        fd: Option<i32>,
        /// Which operator.
        operator: RedirectOperator,
    },
}

/// A token and where it was in the line (byte offsets, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub kind: TokenKind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

/// Splits `line` into tokens. An unterminated quote or a trailing
/// backslash is [`ParseError::Incomplete`] (more input may finish it).
pub fn tokenize(line: &str) -> Result<Vec<Token>, ParseError> {
    Lexer {
        chars: line.char_indices().collect(),
        position: 0,
        length: line.len(),
        tokens: Vec::new(),
    }
    .run()
}

struct Lexer {
    chars: Vec<(usize, char)>,
    position: usize,
    length: usize,
    tokens: Vec<Token>,
}

/// A word being assembled.
#[derive(Default)]
struct WordBuilder {
    parts: Vec<WordPart>,
    start: Option<usize>,
}

impl WordBuilder {
    fn push_char(&mut self, c: char, quoted: bool) {
        if let Some(WordPart::Literal { text, quoted: q }) = self.parts.last_mut() {
            if *q == quoted {
                text.push(c);
                return;
            }
        }
        self.parts.push(WordPart::Literal {
            text: c.to_string(),
            quoted,
        });
    }

    /// An empty quoted string (`''`, `""`) still makes a word.
    fn mark_quoted_empty(&mut self) {
        self.parts.push(WordPart::Literal {
            text: String::new(),
            quoted: true,
        });
    }

    fn io_number(&self) -> Option<i32> {
        match self.parts.as_slice() {
            [WordPart::Literal {
                text,
                quoted: false,
            }] if !text.is_empty()
                && text.len() <= 4
                && text.bytes().all(|b| b.is_ascii_digit()) =>
            {
                text.parse().ok()
            }
            _ => None,
        }
    }
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).map(|&(_, c)| c)
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.position + ahead).map(|&(_, c)| c)
    }

    fn offset(&self) -> usize {
        self.chars
            .get(self.position)
            .map_or(self.length, |&(offset, _)| offset)
    }

    fn run(mut self) -> Result<Vec<Token>, ParseError> {
        let mut word = WordBuilder::default();
        while let Some(c) = self.peek() {
            let here = self.offset();
            match c {
                ' ' | '\t' => {
                    self.finish_word(&mut word);
                    self.position += 1;
                }
                '#' if word.start.is_none() => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.position += 1;
                    }
                }
                '\n' | ';' | '&' | '|' => {
                    self.finish_word(&mut word);
                    self.operator(c, here)?;
                }
                '<' | '>' => {
                    let fd = word.io_number();
                    if fd.is_some() {
                        let start = word.start.take().unwrap_or(here);
                        word.parts.clear();
                        self.redirect(fd, start);
                    } else {
                        self.finish_word(&mut word);
                        self.redirect(None, here);
                    }
                }
                '(' | ')' => {
                    return Err(ParseError::Syntax(format!(
                        "syntax error near unexpected token `{c}' (subshells are not supported)"
                    )))
                }
                '`' => return Err(command_substitution_unsupported()),
                _ => {
                    word.start.get_or_insert(here);
                    self.word_character(&mut word)?;
                }
            }
        }
        self.finish_word(&mut word);
        Ok(self.tokens)
    }

    fn finish_word(&mut self, word: &mut WordBuilder) {
        if let Some(start) = word.start.take() {
            let parts = std::mem::take(&mut word.parts);
            self.tokens.push(Token {
                kind: TokenKind::Word(Word { parts }),
                start,
                end: self.offset(),
            });
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize, length: usize) {
        self.position += length;
        let end = self.offset();
        self.tokens.push(Token { kind, start, end });
    }

    fn operator(&mut self, c: char, start: usize) -> Result<(), ParseError> {
        let doubled = self.peek_at(1) == Some(c);
        let (operator, length) = match (c, doubled) {
            ('\n', _) => (Operator::Newline, 1),
            (';', true) => {
                return Err(ParseError::Syntax(
                    "syntax error near unexpected token `;;'".to_string(),
                ))
            }
            (';', false) => (Operator::Semicolon, 1),
            ('&', true) => (Operator::AndIf, 2),
            ('&', false) => (Operator::Ampersand, 1),
            ('|', true) => (Operator::OrIf, 2),
            _ => (Operator::Pipe, 1),
        };
        self.push(TokenKind::Operator(operator), start, length);
        Ok(())
    }

    fn redirect(&mut self, fd: Option<i32>, start: usize) {
        let (operator, length) = match (self.peek(), self.peek_at(1)) {
            (Some('>'), Some('>')) => (RedirectOperator::Append, 2),
            (Some('>'), Some('&')) => (RedirectOperator::DuplicateOutput, 2),
            (Some('<'), Some('&')) => (RedirectOperator::DuplicateInput, 2),
            (Some('>'), _) => (RedirectOperator::Write, 1),
            _ => (RedirectOperator::Read, 1),
        };
        self.push(TokenKind::Redirect { fd, operator }, start, length);
    }

    fn word_character(&mut self, word: &mut WordBuilder) -> Result<(), ParseError> {
        let c = self.peek().unwrap_or_default();
        self.position += 1;
        match c {
            '\\' => match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some('\n') => self.position += 1,
                Some(escaped) => {
                    word.push_char(escaped, true);
                    self.position += 1;
                }
            },
            '\'' => self.single_quoted(word)?,
            '"' => self.double_quoted(word)?,
            '$' => self.dollar(word, false)?,
            _ => word.push_char(c, false),
        }
        Ok(())
    }

    fn single_quoted(&mut self, word: &mut WordBuilder) -> Result<(), ParseError> {
        word.mark_quoted_empty();
        loop {
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some('\'') => {
                    self.position += 1;
                    return Ok(());
                }
                Some(c) => {
                    word.push_char(c, true);
                    self.position += 1;
                }
            }
        }
    }

    fn double_quoted(&mut self, word: &mut WordBuilder) -> Result<(), ParseError> {
        word.mark_quoted_empty();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError::Incomplete);
            };
            self.position += 1;
            match c {
                '"' => return Ok(()),
                '\\' => match self.peek() {
                    None => return Err(ParseError::Incomplete),
                    Some('\n') => self.position += 1,
                    Some(escaped @ ('$' | '`' | '"' | '\\')) => {
                        word.push_char(escaped, true);
                        self.position += 1;
                    }
                    Some(_) => word.push_char('\\', true),
                },
                '$' => self.dollar(word, true)?,
                '`' => return Err(command_substitution_unsupported()),
                _ => word.push_char(c, true),
            }
        }
    }

    /// After a `$`: a parameter reference, or a literal `$`.
    fn dollar(&mut self, word: &mut WordBuilder, quoted: bool) -> Result<(), ParseError> {
        let name = match self.peek() {
            Some(c @ ('?' | '$' | '!' | '#' | '@' | '*' | '0'..='9')) => {
                self.position += 1;
                c.to_string()
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self
                    .peek()
                    .filter(|&c| c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                    self.position += 1;
                }
                name
            }
            Some('{') => self.braced_name()?,
            Some('(') => return Err(command_substitution_unsupported()),
            _ => {
                word.push_char('$', quoted);
                return Ok(());
            }
        };
        word.parts.push(WordPart::Parameter { name, quoted });
        Ok(())
    }

    fn braced_name(&mut self) -> Result<String, ParseError> {
        self.position += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some('}') => {
                    self.position += 1;
                    break;
                }
                Some(c) => {
                    name.push(c);
                    self.position += 1;
                }
            }
        }
        if is_parameter_name(&name) {
            Ok(name)
        } else {
            Err(ParseError::Syntax(format!("${{{name}}}: bad substitution")))
        }
    }
}

/// Whether `name` can be used as `${name}`: a variable name, a digit or a special parameter.
fn is_parameter_name(name: &str) -> bool {
    is_variable_name(name)
        || matches!(name, "?" | "$" | "!" | "#" | "@" | "*")
        || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `name` is a valid variable name (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

fn command_substitution_unsupported() -> ParseError {
    ParseError::Syntax("command substitution ($(...) and `...`) is not supported".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<TokenKind> {
        tokenize(line)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn lit(text: &str, quoted: bool) -> WordPart {
        WordPart::Literal {
            text: text.to_string(),
            quoted,
        }
    }

    fn param(name: &str, quoted: bool) -> WordPart {
        WordPart::Parameter {
            name: name.to_string(),
            quoted,
        }
    }

    fn word(parts: Vec<WordPart>) -> TokenKind {
        TokenKind::Word(Word { parts })
    }

    #[test]
    fn words_are_split_on_blanks() {
        assert_eq!(
            kinds("  ls   -l\t/ "),
            vec![
                word(vec![lit("ls", false)]),
                word(vec![lit("-l", false)]),
                word(vec![lit("/", false)])
            ]
        );
    }

    #[test]
    fn quotes_and_escapes_are_removed_and_marked() {
        assert_eq!(
            kinds(r#"a'b c'"d $x \" \q"\ e"#),
            vec![word(vec![
                lit("a", false),
                lit("b c", true),
                lit("d ", true),
                param("x", true),
                lit(" \" \\q ", true),
                lit("e", false),
            ])]
        );
        assert_eq!(kinds("''"), vec![word(vec![lit("", true)])]);
    }

    #[test]
    fn dollar_forms() {
        assert_eq!(
            kinds("$? $HOME_2x ${PATH}y $1 $ a$"),
            vec![
                word(vec![param("?", false)]),
                word(vec![param("HOME_2x", false)]),
                word(vec![param("PATH", false), lit("y", false)]),
                word(vec![param("1", false)]),
                word(vec![lit("$", false)]),
                word(vec![lit("a$", false)]),
            ]
        );
    }

    #[test]
    fn operators_and_redirections() {
        use Operator::*;
        use RedirectOperator::*;
        let w = |s: &str| word(vec![lit(s, false)]);
        assert_eq!(
            kinds("a|b||c&d&&e;f\ng>o 2>&1 >>x <i 3<&0 x2>y"),
            vec![
                w("a"),
                TokenKind::Operator(Pipe),
                w("b"),
                TokenKind::Operator(OrIf),
                w("c"),
                TokenKind::Operator(Ampersand),
                w("d"),
                TokenKind::Operator(AndIf),
                w("e"),
                TokenKind::Operator(Semicolon),
                w("f"),
                TokenKind::Operator(Newline),
                w("g"),
                TokenKind::Redirect {
                    fd: None,
                    operator: Write
                },
                w("o"),
                TokenKind::Redirect {
                    fd: Some(2),
                    operator: DuplicateOutput
                },
                w("1"),
                TokenKind::Redirect {
                    fd: None,
                    operator: Append
                },
                w("x"),
                TokenKind::Redirect {
                    fd: None,
                    operator: Read
                },
                w("i"),
                TokenKind::Redirect {
                    fd: Some(3),
                    operator: DuplicateInput
                },
                w("0"),
                w("x2"),
                TokenKind::Redirect {
                    fd: None,
                    operator: Write
                },
                w("y"),
            ]
        );
    }

    #[test]
    fn quoted_digits_are_not_descriptor_numbers() {
        assert_eq!(
            kinds("'2'>f")[1],
            TokenKind::Redirect {
                fd: None,
                operator: RedirectOperator::Write
            }
        );
    }

    #[test]
    fn comments_and_continuations() {
        assert_eq!(kinds("echo a#b # c d"), kinds("echo a#b"));
        assert_eq!(kinds("ec\\\nho"), vec![word(vec![lit("echo", false)])]);
    }

    #[test]
    fn unfinished_input_is_incomplete() {
        for line in ["echo 'abc", "echo \"abc", "echo abc\\", "echo ${HOME"] {
            assert_eq!(tokenize(line), Err(ParseError::Incomplete), "{line}");
        }
    }

    #[test]
    fn unsupported_forms_are_syntax_errors() {
        for line in ["echo $(ls)", "echo `ls`", "(ls)", "a ;; b", "echo ${a b}"] {
            assert!(
                matches!(tokenize(line), Err(ParseError::Syntax(_))),
                "{line}"
            );
        }
    }

    #[test]
    fn token_offsets_cover_the_text() {
        let tokens = tokenize("sleep 100 &").unwrap();
        assert_eq!((tokens[0].start, tokens[0].end), (0, 5));
        assert_eq!((tokens[1].start, tokens[1].end), (6, 9));
        assert_eq!((tokens[2].start, tokens[2].end), (10, 11));
    }

    #[test]
    fn variable_names() {
        assert!(is_variable_name("_a1"));
        assert!(!is_variable_name("1a"));
        assert!(!is_variable_name(""));
        assert!(!is_variable_name("a-b"));
    }
}
