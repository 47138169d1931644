//! Tab completion: command names (builtins and programs in `$PATH`) in
//! command position, file paths elsewhere.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What can replace the word before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Character index where the word being completed starts.
    pub word_start: usize,
    /// The word as typed.
    pub word: String,
    /// Full replacements for the word, sorted; directories end with `/`.
    pub candidates: Vec<String>,
}

/// Where to look for commands.
pub struct CommandSources<'a> {
    /// Builtin names.
    pub builtins: &'a [&'a str],
    /// The directories of `$PATH`.
    pub path_directories: Vec<PathBuf>,
}

/// Completes the word that ends at the end of `before_cursor`.
pub fn complete(before_cursor: &str, commands: &CommandSources) -> Completion {
    let chars: Vec<char> = before_cursor.chars().collect();
    let mut word_start = chars.len();
    while word_start > 0 && !is_word_boundary(chars[word_start - 1]) {
        word_start -= 1;
    }
    let word: String = chars[word_start..].iter().collect();
    let before: String = chars[..word_start].iter().collect();
    let in_command_position = before
        .trim_end()
        .chars()
        .last()
        .is_none_or(|c| matches!(c, '|' | ';' | '&'));
    let mut candidates = if in_command_position && !word.contains('/') {
        command_candidates(&word, commands)
    } else {
        path_candidates(&word)
    };
    candidates.sort();
    candidates.dedup();
    Completion {
        word_start,
        word,
        candidates,
    }
}

fn is_word_boundary(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | ';' | '&' | '<' | '>')
}

fn command_candidates(prefix: &str, commands: &CommandSources) -> Vec<String> {
    let mut names: Vec<String> = commands
        .builtins
        .iter()
        .filter(|name| name.starts_with(prefix))
        .map(|name| name.to_string())
        .collect();
    for directory in &commands.path_directories {
        let Ok(entries) = std::fs::read_dir(directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && is_executable_file(&entry.path()) {
                names.push(name);
            }
        }
    }
    names
}

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Entries of the word's directory whose names start with its last component.
fn path_candidates(word: &str) -> Vec<String> {
    let (directory_part, name_prefix) = match word.rfind('/') {
        Some(slash) => word.split_at(slash + 1),
        None => ("", word),
    };
    let directory = if directory_part.is_empty() {
        Path::new(".")
    } else {
        Path::new(directory_part)
    };
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let hidden = name.starts_with('.') && !name_prefix.starts_with('.');
            if hidden || !name.starts_with(name_prefix) {
                return None;
            }
            let is_directory = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
            let slash = if is_directory { "/" } else { "" };
            Some(format!("{directory_part}{name}{slash}"))
        })
        .collect()
}

/// The longest prefix all `candidates` share (empty for none).
pub fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut length = first.len();
    for other in &candidates[1..] {
        length = first
            .char_indices()
            .zip(other.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((index, a), _)| index + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(length);
    }
    first[..length].to_string()
}

/// Candidates laid out in columns for a terminal `width` columns wide,
/// showing only the last path component as bash does; one string with `\r\n` line ends.
pub fn format_listing(candidates: &[String], width: usize) -> String {
    let shown: Vec<&str> = candidates
        .iter()
        .map(|c| {
            let trimmed = c.trim_end_matches('/');
            let start = trimmed.rfind('/').map_or(0, |slash| slash + 1);
            &c[start..]
        })
        .collect();
    let column_width = shown.iter().map(|s| s.chars().count()).max().unwrap_or(0) + 2;
    let columns = (width / column_width).max(1);
    let rows = shown.len().div_ceil(columns);
    let mut out = String::new();
    for row in 0..rows {
        let mut line = String::new();
        for column in 0..columns {
            if let Some(item) = shown.get(column * rows + row) {
                line.push_str(&format!("{item:<column_width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn scratch_directory(name: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("userland-completion-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        fs::create_dir_all(&directory).unwrap();
        directory
    }

    fn sources<'a>(builtins: &'a [&'a str], path: Vec<PathBuf>) -> CommandSources<'a> {
        CommandSources {
            builtins,
            path_directories: path,
        }
    }

    #[test]
    fn commands_come_from_builtins_and_path_executables() {
        let bin = scratch_directory("bin");
        fs::write(bin.join("histogram"), "").unwrap();
        fs::set_permissions(bin.join("histogram"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(bin.join("histfile"), "").unwrap(); // not executable
        let builtins = ["history", "help"];
        let found = complete("ls | hist", &sources(&builtins, vec![bin.clone()]));
        assert_eq!(found.word, "hist");
        assert_eq!(found.word_start, 5);
        assert_eq!(found.candidates, ["histogram", "history"]);
        assert_eq!(common_prefix(&found.candidates), "histo");
        fs::remove_dir_all(bin).unwrap();
    }

    #[test]
    fn paths_after_the_command_with_slashes_on_directories() {
        let root = scratch_directory("paths");
        fs::create_dir(root.join("subdir")).unwrap();
        fs::write(root.join("subfile"), "").unwrap();
        fs::write(root.join(".subhidden"), "").unwrap();
        let line = format!("cat {}/su", root.display());
        let found = complete(&line, &sources(&[], Vec::new()));
        let base = root.display().to_string();
        assert_eq!(
            found.candidates,
            [format!("{base}/subdir/"), format!("{base}/subfile")]
        );
        let hidden = complete(&format!("cat {base}/.su"), &sources(&[], Vec::new()));
        assert_eq!(hidden.candidates, [format!("{base}/.subhidden")]);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_slash_in_command_position_completes_paths() {
        let found = complete("/bi", &sources(&["bind"], Vec::new()));
        assert!(found.candidates.iter().all(|c| c.starts_with("/bi")));
        assert!(!found.candidates.contains(&"bind".to_string()));
    }

    #[test]
    fn common_prefixes() {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&list(&["abc", "abd", "ab"])), "ab");
        assert_eq!(common_prefix(&list(&["x"])), "x");
        assert_eq!(common_prefix(&list(&["é1", "é2"])), "é");
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn listing_in_columns() {
        let items: Vec<String> = ["a", "bb", "/x/ccc/", "d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(format_listing(&items, 12), "a     ccc/\r\nbb    d\r\n");
        assert_eq!(format_listing(&items, 80), "a     bb    ccc/  d\r\n");
        assert_eq!(format_listing(&items, 3), "a\r\nbb\r\nccc/\r\nd\r\n");
    }
}
