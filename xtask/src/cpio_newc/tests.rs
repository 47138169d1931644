//! Tests of the newc writer: exact bytes of a small archive, the padding
//! rules, the trailer, and a round trip through an independent reader
//! (the `cpio_reader` crate, a dev-dependency only).

use super::*;

fn archive(build: impl FnOnce(&mut NewcWriter<Vec<u8>>) -> io::Result<()>) -> Vec<u8> {
    let mut writer = NewcWriter::new(Vec::new());
    build(&mut writer).expect("entries are valid");
    writer.finish().expect("writing to a Vec cannot fail")
}

/// The header fields of the entry at `offset`, parsed by hand: (fields, name, data start).
fn header_at(bytes: &[u8], offset: usize) -> ([u32; 13], String, usize) {
    assert_eq!(&bytes[offset..offset + 6], NEWC_MAGIC, "magic at {offset}");
    let mut fields = [0u32; 13];
    for (index, field) in fields.iter_mut().enumerate() {
        let start = offset + 6 + index * 8;
        let text = std::str::from_utf8(&bytes[start..start + 8]).unwrap();
        *field = u32::from_str_radix(text, 16).unwrap();
    }
    let name_bytes = fields[11] as usize;
    let name_start = offset + HEADER_BYTES;
    assert_eq!(bytes[name_start + name_bytes - 1], 0, "name ends with NUL");
    let name = String::from_utf8(bytes[name_start..name_start + name_bytes - 1].to_vec()).unwrap();
    let data_start = name_start + name_bytes;
    (fields, name, data_start + padding_to_4(data_start as u64))
}

#[test]
fn one_file_archive_has_the_exact_newc_bytes() {
    let bytes = archive(|writer| writer.file("init", 0o755, b"hello"));
    // Fields: ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check.
    let file_header = ["00000001", "000081ed", "00000000", "00000000", "00000001", "00000000", "00000005", "00000000",
        "00000000", "00000000", "00000000", "00000005", "00000000"];
    let trailer_header = ["00000000", "00000000", "00000000", "00000000", "00000001", "00000000", "00000000",
        "00000000", "00000000", "00000000", "00000000", "0000000b", "00000000"];
    let mut expected = Vec::new();
    expected.extend_from_slice(b"070701");
    expected.extend_from_slice(file_header.concat().as_bytes());
    expected.extend_from_slice(b"init\0\0"); // 110 + 5 name bytes = 115, pad to 116
    expected.extend_from_slice(b"hello\0\0\0"); // 5 data bytes, pad to 124
    expected.extend_from_slice(b"070701");
    expected.extend_from_slice(trailer_header.concat().as_bytes());
    expected.extend_from_slice(b"TRAILER!!!\0\0\0\0"); // 124 + 110 + 11 = 245, pad to 248
    assert_eq!(String::from_utf8_lossy(&bytes), String::from_utf8_lossy(&expected));
    assert_eq!(bytes.len(), 248);
}

#[test]
fn every_header_and_every_data_start_on_a_4_byte_boundary() {
    // Name lengths 1..=8 and data lengths 0..=7 cover every padding amount.
    let bytes = archive(|writer| {
        for length in 1..=8usize {
            writer.file(&"n".repeat(length), 0o644, &vec![b'x'; length - 1])?;
        }
        Ok(())
    });
    let mut offset = 0;
    for length in 1..=8usize {
        assert_eq!(offset % 4, 0, "header of entry {length}");
        let (fields, name, data_start) = header_at(&bytes, offset);
        assert_eq!(name, "n".repeat(length));
        assert_eq!(data_start % 4, 0);
        assert!(bytes[data_start - padding_to_4((offset + HEADER_BYTES + length + 1) as u64)..data_start].iter().all(|b| *b == 0));
        let data_end = data_start + fields[6] as usize;
        assert_eq!(&bytes[data_start..data_end], vec![b'x'; length - 1].as_slice());
        offset = data_end + padding_to_4(data_end as u64);
    }
    let (_, trailer, end) = header_at(&bytes, offset);
    assert_eq!(trailer, TRAILER_NAME);
    assert_eq!(end, bytes.len(), "nothing after the trailer but padding");
    assert_eq!(bytes.len() % 4, 0);
}

#[test]
fn trailer_ends_every_archive_even_an_empty_one() {
    let bytes = archive(|_| Ok(()));
    let (fields, name, end) = header_at(&bytes, 0);
    assert_eq!(name, TRAILER_NAME);
    assert_eq!(fields[4], 1, "trailer nlink");
    assert_eq!(fields.iter().enumerate().filter(|(index, _)| ![4, 11].contains(index)).map(|(_, field)| *field).sum::<u32>(), 0);
    assert_eq!(end, bytes.len());
}

#[test]
fn round_trip_through_an_independent_reader() {
    let big: Vec<u8> = (0..70_000u32).map(|index| (index % 251) as u8).collect();
    let bytes = archive(|writer| {
        writer.directory("bin", 0o755)?;
        writer.file("bin/hello", 0o755, b"\x7fELF...")?;
        writer.file("etc/empty", 0o644, b"")?;
        writer.file("big", 0o600, &big)?;
        writer.char_device("dev/console", 0o600, 5, 1)?;
        writer.symlink("sbin", "bin")
    });
    let entries: Vec<_> = cpio_reader::iter_files(&bytes).collect();
    let names: Vec<&str> = entries.iter().map(|entry| entry.name()).collect();
    assert_eq!(names, ["bin", "bin/hello", "etc/empty", "big", "dev/console", "sbin"]);
    let mode = |index: usize| entries[index].mode().bits();
    assert_eq!(mode(0), S_IFDIR | 0o755);
    assert_eq!(mode(1), S_IFREG | 0o755);
    assert_eq!(entries[1].file(), b"\x7fELF...");
    assert_eq!(entries[2].file(), b"");
    assert_eq!(entries[3].file(), big.as_slice());
    assert_eq!(mode(4), S_IFCHR | 0o600);
    assert_eq!((entries[4].rdevmajor(), entries[4].rdevminor()), (Some(5), Some(1)));
    assert_eq!(mode(5), S_IFLNK | 0o777);
    assert_eq!(entries[5].file(), b"bin");
    let inodes: std::collections::HashSet<u32> = entries.iter().map(|entry| entry.ino()).collect();
    assert_eq!(inodes.len(), entries.len(), "every entry has its own inode");
    assert!(entries.iter().all(|entry| entry.nlink() == if entry.name() == "bin" { 2 } else { 1 }));
}

#[test]
fn bad_names_are_refused() {
    for name in ["", "/init", "bin/", "a//b", "./init", "bin/../init", "a\0b", TRAILER_NAME] {
        let mut writer = NewcWriter::new(Vec::new());
        let error = writer.file(name, 0o644, b"").expect_err(name);
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name:?}");
    }
}

#[test]
fn padding_rule() {
    assert_eq!([0, 1, 2, 3, 4, 5].map(padding_to_4), [0, 3, 2, 1, 0, 3]);
}
