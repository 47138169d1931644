use super::*;

const P: u64 = PAGE_BYTES;

fn anonymous(start: u64, end: u64) -> Area {
    Area { start, end, protection: Protection::READ_WRITE, kind: AreaKind::Anonymous }
}

/// A page-level model: which pages are mapped, with which protection.
fn pages(areas: &VmAreas) -> Vec<(u64, Protection)> {
    areas.iter().flat_map(|area| (area.start..area.end).step_by(P as usize).map(|page| (page, area.protection))).collect()
}

#[test]
fn insert_refuses_overlap_and_bad_ranges() {
    let mut areas = VmAreas::new();
    areas.insert(anonymous(4 * P, 8 * P)).unwrap();
    assert_eq!(areas.insert(anonymous(7 * P, 9 * P)), Err(AreaError::Overlaps));
    assert_eq!(areas.insert(anonymous(2 * P, 5 * P)), Err(AreaError::Overlaps));
    assert_eq!(areas.insert(anonymous(5 * P, 6 * P)), Err(AreaError::Overlaps));
    assert_eq!(areas.insert(anonymous(P + 1, 2 * P)), Err(AreaError::BadRange));
    assert_eq!(areas.insert(anonymous(2 * P, 2 * P)), Err(AreaError::BadRange));
    areas.insert(anonymous(8 * P, 9 * P)).unwrap();
    areas.insert(anonymous(0, 4 * P)).unwrap();
    assert_eq!(areas.total_bytes(), 9 * P);
}

#[test]
fn find_is_half_open() {
    let mut areas = VmAreas::new();
    areas.insert(anonymous(4 * P, 8 * P)).unwrap();
    assert!(areas.find(4 * P).is_some());
    assert!(areas.find(8 * P - 1).is_some());
    assert!(areas.find(8 * P).is_none());
    assert!(areas.find(4 * P - 1).is_none());
}

#[test]
fn remove_splits_and_reports_what_was_mapped() {
    let mut areas = VmAreas::new();
    areas.insert(anonymous(0, 10 * P)).unwrap();
    areas.insert(anonymous(12 * P, 14 * P)).unwrap();
    let removed = areas.remove(3 * P, 13 * P).unwrap();
    assert_eq!(removed, vec![anonymous(3 * P, 10 * P), anonymous(12 * P, 13 * P)]);
    assert_eq!(areas.iter().copied().collect::<Vec<_>>(), vec![anonymous(0, 3 * P), anonymous(13 * P, 14 * P)]);
    assert_eq!(areas.remove(20 * P, 21 * P).unwrap(), vec![]);
    assert_eq!(areas.remove(P, P + 1), Err(AreaError::BadRange));
}

#[test]
fn protect_needs_the_whole_range_mapped() {
    let mut areas = VmAreas::new();
    areas.insert(anonymous(0, 4 * P)).unwrap();
    areas.insert(anonymous(5 * P, 8 * P)).unwrap();
    assert_eq!(areas.protect(2 * P, 6 * P, Protection::NONE), Err(AreaError::NotMapped));
    assert_eq!(pages(&areas).iter().filter(|(_, protection)| *protection == Protection::NONE).count(), 0);
    let changed = areas.protect(P, 3 * P, Protection::NONE).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(areas.iter().count(), 4);
    assert_eq!(areas.find(2 * P).unwrap().protection, Protection::NONE);
    assert_eq!(areas.find(3 * P).unwrap().protection, Protection::READ_WRITE);
}

#[test]
fn find_free_top_down_takes_the_highest_gap() {
    let mut areas = VmAreas::new();
    assert_eq!(areas.find_free_top_down(2 * P, 0, 100 * P), Some(98 * P));
    areas.insert(anonymous(96 * P, 100 * P)).unwrap();
    areas.insert(anonymous(90 * P, 95 * P)).unwrap();
    assert_eq!(areas.find_free_top_down(P, 0, 100 * P), Some(95 * P));
    assert_eq!(areas.find_free_top_down(2 * P, 0, 100 * P), Some(88 * P));
    assert_eq!(areas.find_free_top_down(2 * P, 89 * P, 100 * P), None);
    assert_eq!(areas.find_free_top_down(0, 0, 100 * P), None);
    assert_eq!(areas.find_free_top_down(200 * P, 0, 100 * P), None);
}

#[test]
fn resize_end_grows_into_free_space_only() {
    let mut areas = VmAreas::new();
    areas.insert(Area { kind: AreaKind::Heap, ..anonymous(10 * P, 11 * P) }).unwrap();
    areas.insert(anonymous(20 * P, 21 * P)).unwrap();
    assert_eq!(areas.resize_end(10 * P, 15 * P).unwrap().end, 15 * P);
    assert_eq!(areas.resize_end(10 * P, 21 * P), Err(AreaError::Overlaps));
    assert_eq!(areas.resize_end(10 * P, 12 * P).unwrap().end, 12 * P);
    assert_eq!(areas.resize_end(10 * P, 10 * P), Err(AreaError::BadRange));
    assert_eq!(areas.resize_end(11 * P, 12 * P), Err(AreaError::NotMapped));
}

/// Random edits against a page model: after each, the areas cover exactly
/// the pages the model says, with the same protections, and never overlap.
#[test]
fn random_edits_match_a_page_model() {
    let mut random = crate::random::Rng::new(0x5eed);
    let mut areas = VmAreas::new();
    let mut model: std::collections::BTreeMap<u64, Protection> = Default::default();
    for _ in 0..5000 {
        let start = random.below(64) * P;
        let end = start + (1 + random.below(16)) * P;
        let protection = Protection::from_prot_bits(random.below(8));
        match random.below(3) {
            0 => {
                let free = (start..end).step_by(P as usize).all(|page| !model.contains_key(&page));
                let result = areas.insert(Area { start, end, protection, kind: AreaKind::Anonymous });
                assert_eq!(result.is_ok(), free);
                if free {
                    (start..end).step_by(P as usize).for_each(|page| {
                        model.insert(page, protection);
                    });
                }
            }
            1 => {
                let removed: u64 = areas.remove(start, end).unwrap().iter().map(|area| area.end - area.start).sum();
                let before = model.len();
                model.retain(|page, _| !(start..end).contains(page));
                assert_eq!(removed / P, (before - model.len()) as u64);
            }
            _ => {
                let mapped = (start..end).step_by(P as usize).all(|page| model.contains_key(&page));
                assert_eq!(areas.protect(start, end, protection).is_ok(), mapped);
                if mapped {
                    (start..end).step_by(P as usize).for_each(|page| {
                        model.insert(page, protection);
                    });
                }
            }
        }
        let seen: Vec<(u64, Protection)> = pages(&areas);
        let expected: Vec<(u64, Protection)> = model.iter().map(|(&page, &protection)| (page, protection)).collect();
        assert_eq!(seen, expected);
    }
}
