//! Finding a program (`$PATH` search) and replacing this process with it,
//! with bash's messages and statuses when that fails.

use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::state::report_error;

/// Status for a command that was not found (as bash).
pub const STATUS_NOT_FOUND: i32 = 127;
/// Status for a command found but not executable (as bash).
pub const STATUS_CANNOT_EXECUTE: i32 = 126;

/// Where `name` is: itself if it contains `/`, else the first executable
/// regular file of that name in `path` (a `:`-separated list).
pub fn find_program(name: &str, path: Option<&str>) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    if name.is_empty() {
        return None;
    }
    path.unwrap_or("")
        .split(':')
        .map(|directory| {
            let directory = if directory.is_empty() { "." } else { directory };
            Path::new(directory).join(name)
        })
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Replaces this process with `words[0]` (arguments `words`, environment
/// `environment`); returns only on failure, after printing bash's message,
/// with the status to exit with.
pub fn exec_program(words: &[String], path: Option<&str>, environment: &[CString]) -> i32 {
    let name = &words[0];
    let Some(program) = find_program(name, path) else {
        report_error(&format!("{name}: command not found"));
        return STATUS_NOT_FOUND;
    };
    if program.is_dir() {
        report_error(&format!("{name}: Is a directory"));
        return STATUS_CANNOT_EXECUTE;
    }
    let Some(arguments) = words
        .iter()
        .map(|w| CString::new(w.as_bytes()).ok())
        .collect::<Option<Vec<_>>>()
    else {
        report_error(&format!("{name}: argument contains a NUL byte"));
        return STATUS_CANNOT_EXECUTE;
    };
    let Ok(program_c) = CString::new(program.as_os_str().as_encoded_bytes()) else {
        return STATUS_NOT_FOUND;
    };
    let error = execute(&program_c, &arguments, environment);
    match error {
        libc::ENOENT => {
            report_error(&format!("{name}: No such file or directory"));
            STATUS_NOT_FOUND
        }
        libc::ENOEXEC => {
            // A file without a known executable format: a script for this shell.
            let shell = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/bin/sh"));
            let mut script_arguments = vec![CString::new("sh").unwrap_or_default(), program_c];
            script_arguments.extend(arguments.into_iter().skip(1));
            if let Ok(shell_c) = CString::new(shell.as_os_str().as_encoded_bytes()) {
                execute(&shell_c, &script_arguments, environment);
            }
            report_error(&format!("{name}: cannot execute: Exec format error"));
            STATUS_CANNOT_EXECUTE
        }
        code => {
            let text = super::redirect::error_text(&std::io::Error::from_raw_os_error(code));
            report_error(&format!("{name}: {text}"));
            STATUS_CANNOT_EXECUTE
        }
    }
}

/// `execve`; returns the errno when it fails.
fn execute(program: &CString, arguments: &[CString], environment: &[CString]) -> i32 {
    let mut argv: Vec<*const libc::c_char> = arguments.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = environment.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: program, argv and envp are NUL-terminated strings and
    // NULL-terminated arrays that outlive the call; execve returns only on failure.
    unsafe { libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::ENOEXEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_search_finds_executables_only() {
        let directory = std::env::temp_dir().join(format!("userland-find-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let plain = directory.join("plainfile");
        std::fs::write(&plain, "").unwrap();
        let runnable = directory.join("runnable");
        std::fs::write(&runnable, "").unwrap();
        std::fs::set_permissions(&runnable, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("/nonexistent:{}", directory.display());
        assert_eq!(find_program("runnable", Some(&path)), Some(runnable));
        assert_eq!(find_program("plainfile", Some(&path)), None);
        assert_eq!(find_program("./x", None), Some(PathBuf::from("./x")));
        assert_eq!(find_program("", Some(&path)), None);
        std::fs::remove_dir_all(directory).unwrap();
    }
}
