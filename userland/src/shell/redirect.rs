//! Applies a command's redirections to this process's descriptors, and
//! undoes them (for builtins that run inside the shell).

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::IntoRawFd;

use super::ast::{RedirectTarget, Redirection};
use super::expand::{expand_to_string, Lookup};

/// A descriptor as it was before a redirection: a saved copy, or closed.
pub struct SavedDescriptor {
    fd: i32,
    copy: Option<i32>,
}

/// The text of an OS error without Rust's ` (os error N)` suffix.
pub fn error_text(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// Applies `redirections` in order. When `save` is set, returns what is
/// needed to undo them with [`restore`]. Errors are one line (`file: No such file or directory`).
pub fn apply(
    redirections: &[Redirection],
    lookup: Lookup,
    save: bool,
) -> Result<Vec<SavedDescriptor>, String> {
    let mut saved = Vec::new();
    for redirection in redirections {
        if save {
            saved.push(save_descriptor(redirection.fd));
        }
        if let Err(message) = apply_one(redirection, lookup) {
            restore(saved);
            return Err(message);
        }
    }
    Ok(saved)
}

fn apply_one(redirection: &Redirection, lookup: Lookup) -> Result<(), String> {
    let fd = redirection.fd;
    let (word, options) = match &redirection.target {
        RedirectTarget::Duplicate(word) => {
            let source = expand_to_string(word, lookup);
            if source == "-" {
                // SAFETY: closing a descriptor number has no memory effects.
                unsafe { libc::close(fd) };
                return Ok(());
            }
            let Ok(source_fd) = source.parse::<i32>() else {
                return Err(format!("{source}: ambiguous redirect"));
            };
            return duplicate(source_fd, fd).map_err(|e| format!("{source}: {}", error_text(&e)));
        }
        RedirectTarget::Read(word) => (word, OpenOptions::new().read(true).clone()),
        RedirectTarget::Write(word) => (
            word,
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .clone(),
        ),
        RedirectTarget::Append(word) => {
            (word, OpenOptions::new().append(true).create(true).clone())
        }
    };
    let path = expand_to_string(word, lookup);
    if path.is_empty() {
        return Err(": No such file or directory".to_string());
    }
    let file = options
        .clone()
        .mode(0o666)
        .open(&path)
        .map_err(|e| format!("{path}: {}", error_text(&e)))?;
    let opened = file.into_raw_fd();
    if opened != fd {
        let result = duplicate(opened, fd);
        // SAFETY: `opened` is ours (from into_raw_fd) and no longer used.
        unsafe { libc::close(opened) };
        result.map_err(|e| format!("{path}: {}", error_text(&e)))?;
    }
    Ok(())
}

/// `dup2(source, target)`, failing when `source` is not open.
pub fn duplicate(source: i32, target: i32) -> io::Result<()> {
    // SAFETY: dup2 takes descriptor numbers only.
    if unsafe { libc::dup2(source, target) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn save_descriptor(fd: i32) -> SavedDescriptor {
    // SAFETY: F_DUPFD_CLOEXEC copies a descriptor number (or fails if fd is closed).
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
    SavedDescriptor {
        fd,
        copy: (copy >= 0).then_some(copy),
    }
}

/// Undoes redirections saved by [`apply`], newest first.
pub fn restore(saved: Vec<SavedDescriptor>) {
    for descriptor in saved.into_iter().rev() {
        match descriptor.copy {
            Some(copy) => {
                let _ = duplicate(copy, descriptor.fd);
                // SAFETY: the copy was made by save_descriptor and is used no more.
                unsafe { libc::close(copy) };
            }
            // SAFETY: the descriptor was closed before the redirection; close it again.
            None => unsafe {
                libc::close(descriptor.fd);
            },
        }
    }
}
