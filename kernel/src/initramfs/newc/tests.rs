use super::*;

/// Writes one newc entry (the reference layout, independent of the reader).
fn entry(archive: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
    let fields = [1, mode, 0, 0, 1, 0x6000_0000, data.len() as u32, 0, 0, 0, 0, name.len() as u32 + 1, 0];
    archive.extend_from_slice(b"070701");
    for value in fields {
        archive.extend_from_slice(format!("{value:08x}").as_bytes());
    }
    archive.extend_from_slice(name.as_bytes());
    archive.push(0);
    while archive.len() % 4 != 0 {
        archive.push(0);
    }
    archive.extend_from_slice(data);
    while archive.len() % 4 != 0 {
        archive.push(0);
    }
}

fn sample() -> Vec<u8> {
    let mut archive = Vec::new();
    entry(&mut archive, "bin", MODE_DIRECTORY | 0o755, b"");
    entry(&mut archive, "bin/hello", MODE_REGULAR | 0o755, b"\x7fELF and more");
    entry(&mut archive, "init", MODE_REGULAR | 0o755, b"x");
    entry(&mut archive, "TRAILER!!!", 0, b"");
    archive
}

#[test]
fn reads_every_entry_until_the_trailer() {
    let archive = sample();
    let read: Vec<Entry> = entries(&archive).map(|entry| entry.unwrap()).collect();
    assert_eq!(read.len(), 3);
    assert_eq!(read[1].name, b"bin/hello");
    assert_eq!(read[1].data, b"\x7fELF and more");
    assert_eq!(read[1].mode & MODE_TYPE_MASK, MODE_REGULAR);
    assert_eq!(read[0].mode & MODE_TYPE_MASK, MODE_DIRECTORY);
    assert_eq!(read[2].data, b"x");
    assert_eq!(read[2].mtime, 0x6000_0000);
}

/// A golden archive in the layout GNU `cpio -o -H newc` writes for one
/// file `a` holding "hi\n" (fields spelled out, not made by `entry`).
#[test]
fn a_golden_archive_reads_back() {
    let header = |fields: [&str; 13]| ["070701"].iter().chain(fields.iter()).copied().collect::<String>().into_bytes();
    let zero = "00000000";
    let golden = [
        header(["00000001", "000081a4", zero, zero, "00000001", zero, "00000003", zero, zero, zero, zero, "00000002", zero]),
        b"a\0".to_vec(),
        b"hi\n\0".to_vec(),
        header([zero, zero, zero, zero, "00000001", zero, zero, zero, zero, zero, zero, "0000000b", zero]),
        b"TRAILER!!!\0\0\0\0".to_vec(),
    ]
    .concat();
    let read: Vec<Entry> = entries(&golden).map(|entry| entry.unwrap()).collect();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].name, b"a");
    assert_eq!(read[0].data, b"hi\n");
    assert_eq!(read[0].mode, MODE_REGULAR | 0o644);
}

#[test]
fn errors_say_where() {
    let archive = sample();
    assert_eq!(entries(&archive[..100]).next(), Some(Err(NewcError::Truncated { offset: 0 })));
    assert_eq!(entries(&[b'x'; 200]).next(), Some(Err(NewcError::BadMagic { offset: 0 })));
    let without_trailer = &archive[..archive.len() - 124];
    assert_eq!(entries(without_trailer).last(), Some(Err(NewcError::NoTrailer)));
    let mut bad_field = archive.clone();
    bad_field[6 + 8 * 6] = b'z';
    assert!(matches!(entries(&bad_field).next(), Some(Err(NewcError::BadField { .. }))));
    let mut empty_name = Vec::new();
    entry(&mut empty_name, "", 0, b"");
    assert_eq!(entries(&empty_name).next(), Some(Err(NewcError::BadName { offset: 0 })));
    assert_eq!(entries(&[]).next(), Some(Err(NewcError::NoTrailer)));
}

/// Every truncation and many random corruptions end in entries or an
/// error, never a panic, and no entry's data lies outside the archive.
#[test]
fn damaged_archives_never_panic() {
    let archive = sample();
    for length in 0..archive.len() {
        for result in entries(&archive[..length]) {
            let _ = result;
        }
    }
    let mut random = crate::random::Rng::new(11);
    for _ in 0..20_000 {
        let mut damaged = archive.clone();
        for _ in 0..3 {
            let at = random.below(damaged.len() as u64) as usize;
            damaged[at] = b"0123456789abcdefF\0\xff"[random.below(19) as usize];
        }
        let range = damaged.as_ptr_range();
        for entry in entries(&damaged).flatten() {
            assert!(entry.data.is_empty() || range.contains(&entry.data.as_ptr()));
        }
    }
}
