use super::*;

fn contents<const N: usize>(ring: &LogRing<N>) -> String {
    let mut buffer = vec![0; ring.len()];
    let count = ring.copy_newest(&mut buffer);
    String::from_utf8(buffer[..count].to_vec()).unwrap()
}

#[test]
fn lines_are_stamped_like_linux_when_their_first_byte_arrives() {
    let mut ring = LogRing::<1024>::new();
    ring.push_text(b"hello ", 123_456_789);
    ring.push_text(b"world\r\n", 999_000_000_000);
    ring.push_text(b"second\n", 12_345_678_901_234);
    assert_eq!(contents(&ring), "[    0.123456] hello world\n[12345.678901] second\n");
}

#[test]
fn a_line_not_yet_ended_is_not_kept() {
    let mut ring = LogRing::<1024>::new();
    ring.push_text(b"partial", 0);
    assert!(ring.is_empty());
}

#[test]
fn the_oldest_lines_are_dropped_and_counted() {
    // Each line is "[    0.000000] N\n": 17 bytes; room for two.
    let mut ring = LogRing::<40>::new();
    for line in [b"1\n", b"2\n", b"3\n"] {
        ring.push_text(line, 0);
    }
    assert_eq!(contents(&ring), "[    0.000000] 2\n[    0.000000] 3\n");
    assert_eq!(ring.dropped_lines(), 1);
}

#[test]
fn reading_fewer_bytes_gives_the_newest() {
    let mut ring = LogRing::<1024>::new();
    ring.push_text(b"old\nnew\n", 0);
    let mut buffer = [0; 4];
    assert_eq!(ring.copy_newest(&mut buffer), 4);
    assert_eq!(&buffer, b"new\n");
}

#[test]
fn long_lines_are_cut_and_oversized_ones_dropped() {
    let mut ring = LogRing::<2048>::new();
    ring.push_text(&[b'x'; LINE_MAX_BYTES + 100], 0);
    ring.push_text(b"\n", 0);
    assert_eq!(ring.len(), 15 + LINE_MAX_BYTES + 1);
    let mut tiny = LogRing::<8>::new();
    tiny.push_text(b"too long for the ring\n", 0);
    assert!(tiny.is_empty());
    assert_eq!(tiny.dropped_lines(), 1);
}

#[test]
fn clear_forgets_everything() {
    let mut ring = LogRing::<1024>::new();
    ring.push_text(b"a\n", 0);
    ring.clear();
    assert!(ring.is_empty());
    ring.push_text(b"b\n", 0);
    assert_eq!(contents(&ring), "[    0.000000] b\n");
}
