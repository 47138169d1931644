//! Extended attributes: `getxattr`, `listxattr`, `setxattr`,
//! `removexattr` and their `l` (no final symlink) and `f` (descriptor)
//! forms. The in-memory filesystem keeps none, like Linux's ramfs: a list
//! is empty, and reading, setting or removing one is `EOPNOTSUPP`. The
//! file is still looked up, so a missing path is `ENOENT` and a bad
//! descriptor `EBADF`, as on Linux (`ls -l` asks every file for its list).

use super::{current_user, SyscallResult};
use crate::uaccess::read_c_string;
use crate::vfs;
use protocol::linux_abi::Errno;

/// Longest attribute name Linux takes (`XATTR_NAME_MAX`).
const MAX_NAME_BYTES: usize = 255;

/// Which file a call names.
#[derive(Clone, Copy)]
pub enum Target {
    /// A path; `follow` says whether a final symlink is followed.
    Path { address: u64, follow: bool },
    /// An open descriptor.
    Descriptor(u64),
}

/// Looks the file up (the errors a real lookup gives).
fn check_target(target: Target) -> Result<(), Errno> {
    let user = current_user()?;
    match target {
        Target::Path { address, follow } => {
            let path = read_c_string(address, vfs::MAX_PATH_BYTES)?;
            if path.is_empty() {
                return Err(Errno::ENOENT);
            }
            vfs::resolve(&user.process.absolute_path(&path), follow).map(|_| ())
        }
        Target::Descriptor(fd) => user.process.files.lock().get(fd).map(|_| ()),
    }
}

/// Checks an attribute name: 1 to [`MAX_NAME_BYTES`] bytes, else `ERANGE`.
fn check_name(address: u64) -> Result<(), Errno> {
    match read_c_string(address, MAX_NAME_BYTES) {
        Ok(name) if name.is_empty() => Err(Errno::ERANGE),
        Ok(_) => Ok(()),
        Err(Errno::ENAMETOOLONG) => Err(Errno::ERANGE),
        Err(error) => Err(error),
    }
}

/// `listxattr` and its forms: no attributes, so 0 bytes of names.
pub fn list(target: Target) -> SyscallResult {
    check_target(target)?;
    Ok(0)
}

/// `getxattr`, `setxattr`, `removexattr` and their forms: not supported
/// by this filesystem.
pub fn unsupported(target: Target, name_address: u64) -> SyscallResult {
    check_target(target)?;
    check_name(name_address)?;
    Err(Errno::EOPNOTSUPP)
}
