//! The initramfs: the cpio newc archive QEMU's `-initrd` passes as PVH
//! module 0. Until the writable in-memory filesystem arrives, programs are
//! found in it by path, in place (the module's frames are reserved at boot).

/// The newc reader (bounds-checked, host-tested).
pub mod newc;

use newc::{Entry, NewcError, MODE_REGULAR, MODE_TYPE_MASK};

/// The archive the loader passed, once `install`ed at boot.
static ARCHIVE: spin::Once<&'static [u8]> = spin::Once::new();

/// Keeps the archive for `execve` (once, at boot).
pub fn install(archive: &'static [u8]) {
    ARCHIVE.call_once(|| archive);
}

/// The archive the kernel booted with, if any.
pub fn archive() -> Option<&'static [u8]> {
    ARCHIVE.get().copied()
}

/// `path` as archives store it: without leading `/` or `./`.
pub fn archive_name(path: &[u8]) -> &[u8] {
    let mut name = path;
    loop {
        if let Some(rest) = name.strip_prefix(b"/") {
            name = rest;
        } else if let Some(rest) = name.strip_prefix(b"./") {
            name = rest;
        } else {
            return name;
        }
    }
}

/// Why a lookup failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// No entry with that path.
    NotFound,
    /// The entry is not a regular file.
    NotAFile,
    /// The archive is damaged before the entry was found.
    Damaged(NewcError),
}

/// The regular file at `path` in `archive`.
pub fn find_file<'a>(archive: &'a [u8], path: &[u8]) -> Result<Entry<'a>, LookupError> {
    let wanted = archive_name(path);
    for entry in newc::entries(archive) {
        let entry = entry.map_err(LookupError::Damaged)?;
        if archive_name(entry.name) == wanted {
            return if entry.mode & MODE_TYPE_MASK == MODE_REGULAR { Ok(entry) } else { Err(LookupError::NotAFile) };
        }
    }
    Err(LookupError::NotFound)
}
