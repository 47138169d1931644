//! CPU sets as `taskset` takes them: a list (`-c 0,2-3`) or a hex mask
//! (`0x5`, `5`), as a set of CPU numbers; and the list form for messages.

use std::collections::BTreeSet;

/// CPUs a mask can name (`cpu_set_t` holds 1024).
pub const MAX_CPUS: usize = 1024;

/// Parses `0,2-3,7`. Empty parts, reversed ranges and CPUs past
/// [`MAX_CPUS`] are errors.
pub fn parse_list(text: &str) -> Result<BTreeSet<usize>, String> {
    let bad = || format!("bad CPU list {text:?}");
    let mut cpus = BTreeSet::new();
    for part in text.split(',') {
        let (first, last) = match part.split_once('-') {
            Some((first, last)) => (first, last),
            None => (part, part),
        };
        let first: usize = first.trim().parse().map_err(|_| bad())?;
        let last: usize = last.trim().parse().map_err(|_| bad())?;
        if first > last || last >= MAX_CPUS {
            return Err(bad());
        }
        cpus.extend(first..=last);
    }
    Ok(cpus)
}

/// Parses a hex mask (`0x5`, `5`, `ff`): bit N is CPU N. An empty mask
/// is an error (it names no CPU).
pub fn parse_mask(text: &str) -> Result<BTreeSet<usize>, String> {
    let bad = || format!("bad CPU mask {text:?}");
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || digits.len() > MAX_CPUS / 4 {
        return Err(bad());
    }
    let mut cpus = BTreeSet::new();
    for (position, digit) in digits.chars().rev().enumerate() {
        let value = digit.to_digit(16).ok_or_else(bad)?;
        for bit in 0..4 {
            if value & (1 << bit) != 0 {
                cpus.insert(position * 4 + bit);
            }
        }
    }
    if cpus.is_empty() {
        return Err(format!("CPU mask {text:?} names no CPU"));
    }
    Ok(cpus)
}

/// The list form: `0,2-3`.
pub fn format_list(cpus: &BTreeSet<usize>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = cpus.iter().copied().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek() == Some(&(last + 1)) {
            last = iter.next().unwrap_or(last);
        }
        parts.push(if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cpus: &[usize]) -> BTreeSet<usize> {
        cpus.iter().copied().collect()
    }

    #[test]
    fn lists_and_masks_name_the_same_sets() {
        assert_eq!(parse_list("0,2-3"), Ok(set(&[0, 2, 3])));
        assert_eq!(parse_mask("0xd"), Ok(set(&[0, 2, 3])));
        assert_eq!(parse_mask("10"), Ok(set(&[4])));
        assert_eq!(parse_mask("0x100000000"), Ok(set(&[32])));
        assert_eq!(format_list(&set(&[0, 2, 3, 5])), "0,2-3,5");
    }

    #[test]
    fn bad_sets_are_errors() {
        for list in ["", "1,", "3-1", "x", "2000", "-1"] {
            assert!(parse_list(list).is_err(), "{list}");
        }
        for mask in ["", "0x", "0", "0xg"] {
            assert!(parse_mask(mask).is_err(), "{mask}");
        }
    }
}
