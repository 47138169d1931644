//! Builds a [`CommandList`] from tokens: `;`/`&`/newline lists of `&&`/`||`
//! chains of `|` pipelines of simple commands with redirections.

use super::ast::{
    AndOr, CommandList, Connector, ListItem, Pipeline, RedirectTarget, Redirection, SimpleCommand,
    Word, WordPart,
};
use super::lexer::{is_variable_name, tokenize, Operator, RedirectOperator, Token, TokenKind};
use super::parse_error::ParseError;

/// Parses a command line (or several lines). Unfinished input (open
/// quote, trailing `|`, `&&`, `||`, `\`) is [`ParseError::Incomplete`].
pub fn parse(line: &str) -> Result<CommandList, ParseError> {
    let tokens = tokenize(line)?;
    Parser {
        line,
        tokens,
        position: 0,
    }
    .list()
}

struct Parser<'a> {
    line: &'a str,
    tokens: Vec<Token>,
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.position).map(|t| &t.kind)
    }

    fn peek_operator(&self) -> Option<Operator> {
        match self.peek() {
            Some(TokenKind::Operator(op)) => Some(*op),
            _ => None,
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek_operator() == Some(Operator::Newline) {
            self.position += 1;
        }
    }

    fn list(mut self) -> Result<CommandList, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.peek().is_none() {
                return Ok(CommandList { items });
            }
            let start = self.tokens[self.position].start;
            let and_or = self.and_or()?;
            let end = self.tokens[self.position - 1].end;
            let background = match self.peek_operator() {
                None => false,
                Some(Operator::Semicolon | Operator::Newline) => {
                    self.position += 1;
                    false
                }
                Some(Operator::Ampersand) => {
                    self.position += 1;
                    true
                }
                Some(_) => return Err(self.unexpected()),
            };
            items.push(ListItem {
                and_or,
                background,
                text: self.line[start..end].trim().to_string(),
            });
        }
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek_operator() {
                Some(Operator::AndIf) => Connector::And,
                Some(Operator::OrIf) => Connector::Or,
                _ => return Ok(AndOr { first, rest }),
            };
            self.position += 1;
            self.skip_newlines();
            rest.push((connector, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let negated =
            matches!(self.peek(), Some(TokenKind::Word(word)) if *word == Word::literal("!"));
        if negated {
            self.position += 1;
        }
        let mut commands = vec![self.simple_command()?];
        while self.peek_operator() == Some(Operator::Pipe) {
            self.position += 1;
            self.skip_newlines();
            commands.push(self.simple_command()?);
        }
        Ok(Pipeline { negated, commands })
    }

    fn simple_command(&mut self) -> Result<SimpleCommand, ParseError> {
        let mut command = SimpleCommand::default();
        loop {
            match self.peek().cloned() {
                Some(TokenKind::Word(word)) => {
                    self.position += 1;
                    match split_assignment(&word) {
                        Some(assignment) if command.words.is_empty() => {
                            command.assignments.push(assignment);
                        }
                        _ => command.words.push(word),
                    }
                }
                Some(TokenKind::Redirect { fd, operator }) => {
                    self.position += 1;
                    command.redirections.push(self.redirection(fd, operator)?);
                }
                _ => break,
            }
        }
        if command.assignments.is_empty()
            && command.words.is_empty()
            && command.redirections.is_empty()
        {
            return Err(self.unexpected());
        }
        Ok(command)
    }

    fn redirection(
        &mut self,
        fd: Option<i32>,
        operator: RedirectOperator,
    ) -> Result<Redirection, ParseError> {
        let Some(TokenKind::Word(word)) = self.peek().cloned() else {
            return Err(self.unexpected_or_newline());
        };
        self.position += 1;
        let (default_fd, target) = match operator {
            RedirectOperator::Read => (0, RedirectTarget::Read(word)),
            RedirectOperator::Write => (1, RedirectTarget::Write(word)),
            RedirectOperator::Append => (1, RedirectTarget::Append(word)),
            RedirectOperator::DuplicateOutput => (1, RedirectTarget::Duplicate(word)),
            RedirectOperator::DuplicateInput => (0, RedirectTarget::Duplicate(word)),
        };
        Ok(Redirection {
            fd: fd.unwrap_or(default_fd),
            target,
        })
    }

    /// The error for the token at the current position: a syntax error
    /// naming it, or `Incomplete` at the end of the input (after `|`, `&&`, `||`).
    fn unexpected(&self) -> ParseError {
        match self.tokens.get(self.position) {
            None => ParseError::Incomplete,
            Some(token) => syntax_error_at(&self.line[token.start..token.end]),
        }
    }

    /// Like [`Self::unexpected`], but the end of the input is `newline` (after a redirection).
    fn unexpected_or_newline(&self) -> ParseError {
        match self.tokens.get(self.position) {
            None => syntax_error_at("newline"),
            Some(token) if token.kind == TokenKind::Operator(Operator::Newline) => {
                syntax_error_at("newline")
            }
            Some(token) => syntax_error_at(&self.line[token.start..token.end]),
        }
    }
}

fn syntax_error_at(token: &str) -> ParseError {
    let token = if token == "\n" { "newline" } else { token };
    ParseError::Syntax(format!("syntax error near unexpected token `{token}'"))
}

/// `NAME=value` (the `NAME=` unquoted): the name and the value's word.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(WordPart::Literal {
        text,
        quoted: false,
    }) = word.parts.first()
    else {
        return None;
    };
    let (name, value_start) = text.split_once('=')?;
    if !is_variable_name(name) {
        return None;
    }
    let mut parts = Vec::with_capacity(word.parts.len());
    if !value_start.is_empty() {
        parts.push(WordPart::Literal {
            text: value_start.to_string(),
            quoted: false,
        });
    }
    parts.extend(word.parts[1..].iter().cloned());
    Some((name.to_string(), Word { parts }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(command: &SimpleCommand) -> Vec<String> {
        command
            .words
            .iter()
            .map(|w| match w.parts.as_slice() {
                [WordPart::Literal { text, .. }] => text.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn syntax(line: &str) -> String {
        match parse(line) {
            Err(ParseError::Syntax(message)) => message,
            other => panic!("{line}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn lists_and_backgrounds() {
        let list = parse("a; b & c\n\nd &").unwrap();
        let shape: Vec<_> = list
            .items
            .iter()
            .map(|i| (i.text.as_str(), i.background))
            .collect();
        assert_eq!(
            shape,
            vec![("a", false), ("b", true), ("c", false), ("d", true)]
        );
        assert_eq!(parse("").unwrap().items.len(), 0);
        assert_eq!(parse("  # only a comment").unwrap().items.len(), 0);
    }

    #[test]
    fn pipelines_of_any_length_and_and_or() {
        let list = parse("a | b | c | d | e && ! f || g").unwrap();
        let and_or = &list.items[0].and_or;
        assert_eq!(and_or.first.commands.len(), 5);
        assert!(!and_or.first.negated);
        assert_eq!(and_or.rest[0].0, Connector::And);
        assert!(and_or.rest[0].1.negated);
        assert_eq!(and_or.rest[1].0, Connector::Or);
        assert_eq!(words_of(&and_or.rest[1].1.commands[0]), vec!["g"]);
    }

    #[test]
    fn redirections_attach_to_their_command() {
        let list = parse("cmd <in arg >out 2>&1 >>log 3<&-").unwrap();
        let command = &list.items[0].and_or.first.commands[0];
        assert_eq!(words_of(command), vec!["cmd", "arg"]);
        let targets: Vec<_> = command
            .redirections
            .iter()
            .map(|r| (r.fd, r.target.clone()))
            .collect();
        assert_eq!(
            targets,
            vec![
                (0, RedirectTarget::Read(Word::literal("in"))),
                (1, RedirectTarget::Write(Word::literal("out"))),
                (2, RedirectTarget::Duplicate(Word::literal("1"))),
                (1, RedirectTarget::Append(Word::literal("log"))),
                (3, RedirectTarget::Duplicate(Word::literal("-"))),
            ]
        );
    }

    #[test]
    fn assignments_only_before_the_command_name() {
        let list = parse("A=1 B='x y' cmd C=2").unwrap();
        let command = &list.items[0].and_or.first.commands[0];
        assert_eq!(command.assignments.len(), 2);
        assert_eq!(command.assignments[0], ("A".into(), Word::literal("1")));
        assert_eq!(words_of(command), vec!["cmd", "C=2"]);
        let only = parse("X=").unwrap();
        assert_eq!(
            only.items[0].and_or.first.commands[0].assignments[0],
            ("X".into(), Word::default())
        );
        assert!(split_assignment(&Word::literal("1X=2")).is_none());
    }

    #[test]
    fn job_text_is_the_typed_and_or_chain() {
        let list = parse("sleep 1 && echo done   &  ls").unwrap();
        assert_eq!(list.items[0].text, "sleep 1 && echo done");
        assert_eq!(list.items[1].text, "ls");
    }

    #[test]
    fn syntax_errors_name_the_token() {
        assert_eq!(syntax("; ls"), "syntax error near unexpected token `;'");
        assert_eq!(
            syntax("ls | | wc"),
            "syntax error near unexpected token `|'"
        );
        assert_eq!(
            syntax("ls && || x"),
            "syntax error near unexpected token `||'"
        );
        assert_eq!(syntax("& ls"), "syntax error near unexpected token `&'");
        assert_eq!(
            syntax("ls >"),
            "syntax error near unexpected token `newline'"
        );
        assert_eq!(syntax("ls > ; x"), "syntax error near unexpected token `;'");
    }

    #[test]
    fn trailing_connectors_ask_for_more() {
        for line in ["ls |", "ls &&", "ls ||\n", "echo 'open"] {
            assert_eq!(parse(line), Err(ParseError::Incomplete), "{line:?}");
        }
        assert!(parse("ls |\n wc").is_ok());
    }
}
