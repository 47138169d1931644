//! Host tests of `CpuSet`, `AtomicCpuSet` and the Linux text forms.

use super::*;

#[test]
fn insert_remove_contains_and_iterate() {
    let mut set = CpuSet::empty();
    assert!(set.is_empty());
    assert!(set.insert(3));
    assert!(!set.insert(3));
    assert!(set.insert(64));
    assert!(set.insert(254));
    assert!(!set.insert(CPU_SET_CAPACITY), "past the capacity is ignored");
    assert_eq!(set.iter().collect::<alloc::vec::Vec<_>>(), [3, 64, 254]);
    assert_eq!(set.len(), 3);
    assert_eq!(set.first(), Some(3));
    assert!(set.contains(64) && !set.contains(65) && !set.contains(100_000));
    assert!(set.remove(64) && !set.remove(64));
    assert_eq!(set.len(), 2);
}

#[test]
fn intersections() {
    let odd: CpuSet = (0..10).filter(|cpu| cpu % 2 == 1).collect();
    let low = CpuSet::first_n(4);
    assert_eq!(odd.intersection(&low), [1, 3].into_iter().collect());
    assert!(odd.intersects(&low));
    assert!(!odd.intersects(&CpuSet::single(2)));
    assert_eq!(CpuSet::full().intersection(&low), low);
}

#[test]
fn linux_mask_bytes_round_trip() {
    // cpu_set_t byte 0 = CPUs 0-7, byte 8 = CPUs 64-71.
    let mut bytes = [0u8; 128];
    bytes[0] = 0b1010;
    bytes[8] = 1;
    bytes[127] = 0x80; // CPU 1023: past the capacity, ignored
    let set = CpuSet::from_mask_bytes(&bytes);
    assert_eq!(set.iter().collect::<alloc::vec::Vec<_>>(), [1, 3, 64]);
    assert_eq!(set.to_mask_bytes(9), [0b1010, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(set.to_mask_bytes(40)[32..], [0; 8], "zeros past the capacity");
    assert_eq!(CpuSet::from_mask_bytes(&[0b100]), CpuSet::single(2), "short masks read as zero-filled");
}

#[test]
fn hex_mask_as_linux_prints_it() {
    assert_eq!(CpuSet::first_n(4).to_hex_mask(4), "f");
    assert_eq!([0, 2, 3].into_iter().collect::<CpuSet>().to_hex_mask(4), "d");
    assert_eq!(CpuSet::single(1).to_hex_mask(16), "0002");
    assert_eq!(CpuSet::first_n(40).to_hex_mask(40), "ff,ffffffff");
    assert_eq!(CpuSet::single(0).to_hex_mask(64), "00000000,00000001");
    assert_eq!(CpuSet::single(64).to_hex_mask(65), "1,00000000,00000000");
    assert_eq!(CpuSet::full().to_hex_mask(2), "3", "CPUs past nr_cpu_ids are not shown");
    assert_eq!(CpuSet::first_n(255).to_hex_mask(255).len(), 8 * 8 + 7);
}

#[test]
fn list_as_linux_prints_it() {
    assert_eq!([0, 2, 3].into_iter().collect::<CpuSet>().to_list(), "0,2-3");
    assert_eq!([1, 3].into_iter().collect::<CpuSet>().to_list(), "1,3");
    assert_eq!(CpuSet::first_n(64).to_list(), "0-63");
    assert_eq!([5, 63, 64, 65, 200].into_iter().collect::<CpuSet>().to_list(), "5,63-65,200");
    assert_eq!(CpuSet::empty().to_list(), "");
}

#[test]
fn atomic_set_matches_the_value_set() {
    let atomic = AtomicCpuSet::default();
    assert!(atomic.insert(70));
    assert!(!atomic.insert(70));
    assert!(atomic.contains(70) && !atomic.contains(71));
    atomic.store(CpuSet::first_n(3));
    assert_eq!(atomic.load(), CpuSet::first_n(3));
    assert!(atomic.remove(1) && !atomic.remove(1));
    assert_eq!(atomic.load().to_list(), "0,2");
    assert_eq!(AtomicCpuSet::new(CpuSet::single(9)).load(), CpuSet::single(9));
}
