//! The initramfs: the cpio newc archive QEMU's `-initrd` passes as PVH
//! module 0 (its frames are reserved at boot), unpacked into the
//! filesystem by `vfs::unpack`.

/// The newc reader (bounds-checked, host-tested).
pub mod newc;

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
