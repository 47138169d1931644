//! `usertest fs [DIR]`: `std::fs` create, write, read, append, rename,
//! `read_dir`, remove, in a fresh directory under DIR (default `/tmp`).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::verdict::CheckResult;

/// Where the check makes its directory when none is given.
pub const DEFAULT_DIR: &str = "/tmp";
const CONTENT: &[u8] = b"written by usertest fs\n";
const APPENDED: &[u8] = b"appended\n";

/// Runs the file-system check under `base`; leaves nothing behind on success.
pub fn check_fs(base: &Path) -> CheckResult {
    let dir = base.join(format!("usertest-fs-{}", std::process::id()));
    let step = |what: &str, error: std::io::Error| format!("{what}: {error}");
    fs::create_dir(&dir).map_err(|error| step(&format!("create_dir {}", dir.display()), error))?;
    let first = dir.join("first.txt");
    let second = dir.join("second.txt");
    fs::write(&first, CONTENT).map_err(|error| step("write", error))?;
    let read_back = fs::read(&first).map_err(|error| step("read", error))?;
    if read_back != CONTENT {
        return Err(format!(
            "read back {} bytes that differ from the {} written",
            read_back.len(),
            CONTENT.len()
        ));
    }
    OpenOptions::new()
        .append(true)
        .open(&first)
        .and_then(|mut file| file.write_all(APPENDED))
        .map_err(|error| step("append", error))?;
    fs::rename(&first, &second).map_err(|error| step("rename", error))?;
    if first.exists() {
        return Err("the old name still exists after rename".into());
    }
    let names: Vec<String> = fs::read_dir(&dir)
        .map_err(|error| step("read_dir", error))?
        .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|error| step("read_dir entry", error))?;
    if names != ["second.txt"] {
        return Err(format!(
            "read_dir lists {names:?}, expected [\"second.txt\"]"
        ));
    }
    let size = fs::metadata(&second)
        .map_err(|error| step("metadata", error))?
        .len();
    let expected_size = (CONTENT.len() + APPENDED.len()) as u64;
    if size != expected_size {
        return Err(format!(
            "size after append is {size}, expected {expected_size}"
        ));
    }
    fs::remove_file(&second).map_err(|error| step("remove_file", error))?;
    fs::remove_dir(&dir).map_err(|error| step("remove_dir", error))?;
    if dir.exists() {
        return Err("the directory still exists after remove_dir".into());
    }
    Ok(format!(
        "create, write, read, append, rename, read_dir, remove in {}",
        base.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_check_passes_in_the_temp_dir() {
        let base = std::env::temp_dir();
        assert!(check_fs(&base).is_ok(), "{:?}", check_fs(&base));
    }

    #[test]
    fn a_missing_base_directory_fails_with_the_step_named() {
        let error = check_fs(Path::new("/no/such/base")).unwrap_err();
        assert!(
            error.starts_with("create_dir /no/such/base/usertest-fs-"),
            "{error}"
        );
    }
}
