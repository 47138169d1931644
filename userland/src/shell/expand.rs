//! Word expansion: `~`, parameters (`$VAR`, `$?`...), field splitting of
//! unquoted parameter values, quote removal (already done by the lexer).

use super::ast::{Word, WordPart};

/// Looks up a parameter's value by name (`HOME`, `?`, `1`...); `None` when unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expands `word` into fields (arguments): unquoted parameter values are
/// split on blanks, and a word that expands to nothing unquoted disappears.
pub fn expand_to_fields(word: &Word, lookup: Lookup) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut has_content = false;
    for (index, part) in word.parts.iter().enumerate() {
        match part {
            WordPart::Literal { text, quoted } => {
                if index == 0 && !quoted {
                    current.push_str(&expand_tilde(text, lookup));
                } else {
                    current.push_str(text);
                }
                has_content |= *quoted || !text.is_empty();
            }
            WordPart::Parameter { name, quoted: true } => {
                current.push_str(&lookup(name).unwrap_or_default());
                has_content = true;
            }
            WordPart::Parameter {
                name,
                quoted: false,
            } => {
                let value = lookup(name).unwrap_or_default();
                let mut pieces = value.split([' ', '\t', '\n']).peekable();
                let mut first = true;
                while let Some(piece) = pieces.next() {
                    if !first && has_content {
                        fields.push(std::mem::take(&mut current));
                        has_content = false;
                    }
                    first = false;
                    current.push_str(piece);
                    has_content |= !piece.is_empty();
                    if pieces.peek().is_none() {
                        break;
                    }
                }
            }
        }
    }
    if has_content {
        fields.push(current);
    }
    fields
}

/// Expands `word` into one string, without field splitting (assignment
/// values, redirection targets).
pub fn expand_to_string(word: &Word, lookup: Lookup) -> String {
    let mut result = String::new();
    for (index, part) in word.parts.iter().enumerate() {
        match part {
            WordPart::Literal {
                text,
                quoted: false,
            } if index == 0 => result.push_str(&expand_tilde(text, lookup)),
            WordPart::Literal { text, .. } => result.push_str(text),
            WordPart::Parameter { name, .. } => {
                result.push_str(&lookup(name).unwrap_or_default());
            }
        }
    }
    result
}

/// `~` and `~/rest` become `$HOME` and `$HOME/rest` (when HOME is set).
fn expand_tilde(text: &str, lookup: Lookup) -> String {
    let Some(rest) = text.strip_prefix('~') else {
        return text.to_string();
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return text.to_string();
    }
    match lookup("HOME") {
        Some(home) => format!("{home}{rest}"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::parser::parse;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "?" => Some("127".into()),
            "SPACED" => Some("  a  b ".into()),
            "EMPTY" => Some(String::new()),
            "X" => Some("x".into()),
            _ => None,
        }
    }

    /// The arguments `line` expands to.
    fn fields(line: &str) -> Vec<String> {
        let list = parse(line).unwrap();
        let command = &list.items[0].and_or.first.commands[0];
        command
            .words
            .iter()
            .flat_map(|w| expand_to_fields(w, &lookup))
            .collect()
    }

    #[test]
    fn parameters_expand() {
        assert_eq!(
            fields("echo $? $X${X}y \"$X\""),
            ["echo", "127", "xxy", "x"]
        );
        assert_eq!(fields("echo '$X' \\$X"), ["echo", "$X", "$X"]);
    }

    #[test]
    fn unquoted_values_are_split_and_quoted_ones_are_not() {
        assert_eq!(fields("echo $SPACED"), ["echo", "a", "b"]);
        assert_eq!(fields("echo p$SPACED.q"), ["echo", "p", "a", "b", ".q"]);
        assert_eq!(fields("echo \"$SPACED\""), ["echo", "  a  b "]);
    }

    #[test]
    fn empty_expansions_vanish_unless_quoted() {
        assert_eq!(fields("echo $EMPTY $UNSET"), ["echo"]);
        assert_eq!(fields("echo \"$EMPTY\" ''"), ["echo", "", ""]);
    }

    #[test]
    fn tilde_at_the_start_only() {
        assert_eq!(
            fields("echo ~ ~/bin a~ '~' ~user"),
            ["echo", "/root", "/root/bin", "a~", "~", "~user"]
        );
    }

    #[test]
    fn strings_are_not_split() {
        let list = parse("A=$SPACED").unwrap();
        let (_, value) = &list.items[0].and_or.first.commands[0].assignments[0];
        assert_eq!(expand_to_string(value, &lookup), "  a  b ");
    }
}
