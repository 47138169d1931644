//! What `sh` was asked to do, from its arguments.
//!
//! ```text
//! sh                       commands from stdin (interactive when stdin is a terminal)
//! sh -i                    the same, interactive even when stdin is not a terminal
//! sh -c 'TEXT' [NAME ARGS] run TEXT ($0 = NAME, $1... = ARGS)
//! sh FILE [ARGS]           run the script FILE ($0 = FILE)
//! ```

/// Where commands come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `-c TEXT`.
    Text(String),
    /// A script file.
    Script(String),
    /// Standard input.
    Stdin,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Where commands come from.
    pub source: Source,
    /// `-i` was given.
    pub force_interactive: bool,
    /// `$0`.
    pub name: String,
    /// `$1`...
    pub arguments: Vec<String>,
}

/// The usage text printed with an argument error.
pub const USAGE: &str = "usage: sh [-i] [-c COMMANDS [NAME [ARG...]] | FILE [ARG...]]";

/// Parses `sh`'s arguments (`argv0` is the name it was run as).
pub fn parse_invocation(argv0: &str, arguments: &[String]) -> Result<Invocation, String> {
    let mut force_interactive = false;
    let mut index = 0;
    while let Some(argument) = arguments.get(index) {
        match argument.as_str() {
            "-i" => force_interactive = true,
            "-c" => {
                let text = arguments
                    .get(index + 1)
                    .ok_or("-c: option requires an argument")?;
                let rest = &arguments[index + 2..];
                return Ok(Invocation {
                    source: Source::Text(text.clone()),
                    force_interactive,
                    name: rest.first().cloned().unwrap_or_else(|| argv0.to_string()),
                    arguments: rest.iter().skip(1).cloned().collect(),
                });
            }
            "--" => {
                index += 1;
                break;
            }
            option if option.starts_with('-') && option.len() > 1 => {
                return Err(format!("{option}: invalid option"));
            }
            _ => break,
        }
        index += 1;
    }
    Ok(match arguments.get(index) {
        Some(script) => Invocation {
            source: Source::Script(script.clone()),
            force_interactive,
            name: script.clone(),
            arguments: arguments[index + 1..].to_vec(),
        },
        None => Invocation {
            source: Source::Stdin,
            force_interactive,
            name: argv0.to_string(),
            arguments: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Invocation, String> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse_invocation("sh", &words)
    }

    #[test]
    fn the_three_sources() {
        assert_eq!(parse("").unwrap().source, Source::Stdin);
        let text = parse("-c echo name a b").unwrap();
        assert_eq!(text.source, Source::Text("echo".into()));
        assert_eq!((text.name.as_str(), text.arguments.len()), ("name", 2));
        let script = parse("run.sh x").unwrap();
        assert_eq!(script.source, Source::Script("run.sh".into()));
        assert_eq!(
            (script.name.as_str(), script.arguments),
            ("run.sh", vec!["x".to_string()])
        );
        assert!(parse("-i").unwrap().force_interactive);
        assert_eq!(
            parse("-- -odd").unwrap().source,
            Source::Script("-odd".into())
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert_eq!(parse("-x"), Err("-x: invalid option".into()));
        assert_eq!(parse("-c"), Err("-c: option requires an argument".into()));
    }
}
