//! Running parsed commands: lists, `&&`/`||` chains, pipelines, simple
//! commands (builtins in the shell, programs in child processes).

use super::ast::{AndOr, CommandList, Connector, ListItem, Pipeline, SimpleCommand};
use super::builtins::is_builtin;
use super::expand::{expand_to_fields, expand_to_string};
use super::launch::Stage;
use super::parse_error::ParseError;
use super::parser::parse;
use super::redirect;
use super::state::{report_error, Shell};

/// Status of a syntax error (as bash).
pub const STATUS_SYNTAX_ERROR: i32 = 2;

impl Shell {
    /// Parses and runs `text`; a parse error is reported and sets `$?` to 2.
    pub fn run_text(&mut self, text: &str) {
        match parse(text) {
            Ok(list) => self.run_list(&list),
            Err(error @ (ParseError::Syntax(_) | ParseError::Incomplete)) => {
                report_error(&error.to_string());
                self.last_status = STATUS_SYNTAX_ERROR;
            }
        }
    }

    /// Runs each item of `list` in order (stopping when `exit` was run).
    pub fn run_list(&mut self, list: &CommandList) {
        for item in &list.items {
            if self.exit_requested.is_some() {
                return;
            }
            self.run_item(item);
        }
    }

    fn run_item(&mut self, item: &ListItem) {
        if item.background {
            let stages = if item.and_or.rest.is_empty() && !item.and_or.first.negated {
                item.and_or
                    .first
                    .commands
                    .iter()
                    .map(Stage::Command)
                    .collect()
            } else {
                vec![Stage::Subshell(&item.and_or)]
            };
            match self.launch_job(&stages, &item.text, false) {
                Ok(number) => self.announce_background_job(number),
                Err(message) => report_error(&message),
            }
            self.last_status = 0;
        } else {
            self.last_status = self.run_and_or(&item.and_or, &item.text);
        }
    }

    /// Runs an and-or chain; returns its status.
    pub fn run_and_or(&mut self, and_or: &AndOr, text: &str) -> i32 {
        let mut status = self.run_pipeline(&and_or.first, text);
        for (connector, pipeline) in &and_or.rest {
            if self.exit_requested.is_some() {
                break;
            }
            let run_next = match connector {
                Connector::And => status == 0,
                Connector::Or => status != 0,
            };
            if run_next {
                self.last_status = status;
                status = self.run_pipeline(pipeline, text);
            }
        }
        status
    }

    fn run_pipeline(&mut self, pipeline: &Pipeline, text: &str) -> i32 {
        let status = match pipeline.commands.as_slice() {
            [only] if runs_in_shell(only) => self.run_in_shell(only),
            commands => {
                let stages: Vec<Stage> = commands.iter().map(Stage::Command).collect();
                match self.launch_job(&stages, text, true) {
                    Ok(number) => self.wait_for_foreground_job(number),
                    Err(message) => {
                        report_error(&message);
                        1
                    }
                }
            }
        };
        if pipeline.negated {
            i32::from(status == 0)
        } else {
            status
        }
    }

    /// Runs a builtin (or a command of assignments only) inside the shell,
    /// its redirections undone afterwards.
    fn run_in_shell(&mut self, command: &SimpleCommand) -> i32 {
        let words = self.expand_words(command);
        let saved = match redirect::apply(&command.redirections, &|n| self.parameter(n), true) {
            Ok(saved) => saved,
            Err(message) => {
                report_error(&message);
                return 1;
            }
        };
        let status = if words.is_empty() {
            for (name, value) in self.expand_assignments(command) {
                self.variables.set(&name, &value);
            }
            0
        } else {
            self.run_builtin(&words)
        };
        redirect::restore(saved);
        status
    }

    /// The command's words after expansion.
    pub fn expand_words(&self, command: &SimpleCommand) -> Vec<String> {
        let lookup = |name: &str| self.parameter(name);
        command
            .words
            .iter()
            .flat_map(|word| expand_to_fields(word, &lookup))
            .collect()
    }

    /// The command's `NAME=value` assignments after expansion.
    pub fn expand_assignments(&self, command: &SimpleCommand) -> Vec<(String, String)> {
        let lookup = |name: &str| self.parameter(name);
        command
            .assignments
            .iter()
            .map(|(name, value)| (name.clone(), expand_to_string(value, &lookup)))
            .collect()
    }
}

/// Whether a lone command runs inside the shell: builtins (so `cd` and
/// `export` change the shell) and commands of assignments only.
fn runs_in_shell(command: &SimpleCommand) -> bool {
    match command.words.first() {
        None => true,
        Some(word) => matches!(
            word.parts.as_slice(),
            [super::ast::WordPart::Literal { text, .. }] if is_builtin(text)
        ),
    }
}
