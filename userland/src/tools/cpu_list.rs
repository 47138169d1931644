//! CPU sets as util-linux's `taskset` takes and prints them
//! (`lib/cpuset.c`): a list (`-c 0,2-3`, strides `0-31:2`) or a hex mask
//! (`0x5`, `5`, `ff,ffffffff`), as a set of CPU numbers; and both forms
//! for output (the mask without leading zeros, the list with ranges).

use std::collections::BTreeSet;

/// CPUs a mask can name (`cpu_set_t` holds 1024).
pub const MAX_CPUS: usize = 1024;

/// Parses `0,2-3,7` and `first-last:stride`. Empty parts, reversed ranges,
/// a zero stride and CPUs past [`MAX_CPUS`] are errors (`None`: the
/// caller names the text, as util-linux does).
pub fn parse_list(text: &str) -> Option<BTreeSet<usize>> {
    let number = |digits: &str| -> Option<usize> {
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let mut cpus = BTreeSet::new();
    for part in text.split(',') {
        let (range, stride) = match part.split_once(':') {
            Some((range, stride)) => (range, number(stride)?),
            None => (part, 1),
        };
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(range)?, number(range)?),
        };
        if first > last || last >= MAX_CPUS || stride == 0 {
            return None;
        }
        cpus.extend((first..=last).step_by(stride));
    }
    Some(cpus)
}

/// Parses a hex mask (`0x5`, `5`, `ff,ffffffff`): bit N is CPU N; commas
/// (sysfs's 32-bit group separators) are skipped. `0` is the empty set,
/// which is not an error here (util-linux leaves that to the kernel,
/// whose `EINVAL` taskset then reports).
pub fn parse_mask(text: &str) -> Option<BTreeSet<usize>> {
    let digits: Vec<u32> = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text)
        .chars()
        .filter(|&character| character != ',')
        .map(|digit| digit.to_digit(16))
        .collect::<Option<_>>()?;
    if digits.is_empty() || digits.len() > MAX_CPUS / 4 {
        return None;
    }
    let mut cpus = BTreeSet::new();
    for (position, value) in digits.iter().rev().enumerate() {
        cpus.extend(
            (0..4)
                .filter(|bit| value & (1 << bit) != 0)
                .map(|bit| position * 4 + bit),
        );
    }
    Some(cpus)
}

/// The list form: `0,2-3` (empty for no CPU).
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

/// The mask form as util-linux's `cpumask_create` prints it: hex, no
/// `0x`, no commas, no leading zeros (`0` for no CPU).
pub fn format_mask(cpus: &BTreeSet<usize>) -> String {
    let top = cpus.iter().max().copied().unwrap_or(0);
    let mut digits = String::new();
    for nibble in (0..=top / 4).rev() {
        let value = (0..4)
            .filter(|bit| cpus.contains(&(nibble * 4 + bit)))
            .fold(0, |value, bit| value | (1 << bit));
        digits.push(char::from_digit(value, 16).unwrap_or('0'));
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cpus: &[usize]) -> BTreeSet<usize> {
        cpus.iter().copied().collect()
    }

    #[test]
    fn lists_and_masks_name_the_same_sets() {
        assert_eq!(parse_list("0,2-3"), Some(set(&[0, 2, 3])));
        assert_eq!(parse_list("1,3"), Some(set(&[1, 3])));
        assert_eq!(parse_list("0-7:2"), Some(set(&[0, 2, 4, 6])));
        assert_eq!(parse_list("1023"), Some(set(&[1023])));
        assert_eq!(parse_mask("0xd"), Some(set(&[0, 2, 3])));
        assert_eq!(parse_mask("a"), Some(set(&[1, 3])));
        assert_eq!(parse_mask("10"), Some(set(&[4])));
        assert_eq!(parse_mask("0x100000000"), Some(set(&[32])));
        assert_eq!(
            parse_mask("1,00000000"),
            Some(set(&[32])),
            "sysfs's comma groups"
        );
        assert_eq!(
            parse_mask("0"),
            Some(set(&[])),
            "the empty set is the kernel's to refuse"
        );
    }

    #[test]
    fn output_forms_match_util_linux() {
        assert_eq!(format_list(&set(&[0, 2, 3, 5])), "0,2-3,5");
        assert_eq!(format_list(&set(&[0, 1, 2, 3])), "0-3");
        assert_eq!(format_list(&set(&[])), "");
        assert_eq!(format_mask(&set(&[0, 1, 2, 3])), "f");
        assert_eq!(format_mask(&set(&[1, 3])), "a");
        assert_eq!(format_mask(&set(&[0, 2, 3])), "d");
        assert_eq!(format_mask(&set(&[4])), "10");
        assert_eq!(format_mask(&set(&[63])), "8000000000000000");
        assert_eq!(format_mask(&set(&[])), "0");
    }

    #[test]
    fn bad_sets_are_errors() {
        for list in [
            "", "1,", ",1", "3-1", "x", "1-", "-1", "2000", "0-3:0", "0-3:", "1 ", "0x1",
        ] {
            assert!(parse_list(list).is_none(), "{list:?}");
        }
        for mask in ["", "0x", "0xg", "g", "-1", "1 "] {
            assert!(parse_mask(mask).is_none(), "{mask:?}");
        }
        assert!(parse_mask(&"f".repeat(MAX_CPUS / 4 + 1)).is_none());
    }
}
