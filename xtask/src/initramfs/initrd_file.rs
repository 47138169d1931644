//! `--initrd FILE`: a user's own archive, checked before QEMU starts: it
//! must exist and be a newc cpio archive (the kernel reads only newc).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cpio_newc::NEWC_MAGIC;

/// Checks that `path` is a readable file starting with the newc magic
/// "070701"; the error names what it is instead when that is recognisable.
pub fn check_initrd_file(path: &Path) -> Result<PathBuf, String> {
    let shown = path.display();
    let mut start = Vec::with_capacity(NEWC_MAGIC.len());
    std::fs::File::open(path)
        .and_then(|file| {
            if file.metadata()?.is_dir() {
                return Err(std::io::Error::other("it is a directory"));
            }
            file.take(NEWC_MAGIC.len() as u64).read_to_end(&mut start)
        })
        .map_err(|error| format!("--initrd {shown}: cannot read it: {error}"))?;
    if start == NEWC_MAGIC {
        return Ok(path.to_path_buf());
    }
    let what = match start.as_slice() {
        [0x1f, 0x8b, ..] => "it is gzip-compressed (decompress it: the kernel reads plain newc)".to_string(),
        b"070707" => "it is an old-format (odc) cpio archive; write newc: cpio -o -H newc".to_string(),
        b"070702" => "it is a newc-with-CRC cpio archive (070702); write plain newc: cpio -o -H newc".to_string(),
        [] => "it is empty".to_string(),
        other => format!("it starts with {:?}, not the newc magic \"070701\"", String::from_utf8_lossy(other)),
    };
    Err(format!("--initrd {shown}: not a newc cpio archive: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(name: &str, bytes: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!("xtask-initrd-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_newc_archive_is_accepted() {
        let path = file_with("good", b"070701000000");
        assert_eq!(check_initrd_file(&path), Ok(path.clone()));
    }

    #[test]
    fn other_files_are_refused_saying_what_they_are() {
        let refused = |name: &str, bytes: &[u8]| check_initrd_file(&file_with(name, bytes)).unwrap_err();
        assert!(refused("gz", b"\x1f\x8b\x08\x00").contains("gzip-compressed"));
        assert!(refused("odc", b"070707...").contains("old-format (odc)"));
        assert!(refused("crc", b"070702...").contains("newc-with-CRC"));
        assert!(refused("empty", b"").contains("it is empty"));
        assert!(refused("elf", b"\x7fELF\x02\x01").contains("not the newc magic"));
        assert!(refused("short", b"0707").contains("not the newc magic"));
        let missing = check_initrd_file(Path::new("/no/such.cpio")).unwrap_err();
        assert!(missing.starts_with("--initrd /no/such.cpio: cannot read it: No such file"), "{missing}");
        let directory = check_initrd_file(&std::env::temp_dir()).unwrap_err();
        assert!(directory.contains("it is a directory"), "{directory}");
    }
}
