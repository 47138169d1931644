//! Where the workspace is: a leaf module, so that any other (the QEMU
//! runner's backtrace symboliser, the cargo helpers) can ask without
//! importing the modules that build things.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of the xtask crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
