//! `/proc/meminfo` parsed: `Key: value kB` lines into a lookup. Values
//! are in kB (Linux's unit, really KiB); a line without the unit (page
//! counts such as `HugePages_Total`) keeps its bare number.

use std::collections::HashMap;

/// See the module doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemInfo {
    values: HashMap<String, u64>,
}

impl MemInfo {
    /// The value of `key` (kB), if the file had it.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.values.get(key).copied()
    }

    /// The value of `key`, or an error naming it.
    pub fn require(&self, key: &str) -> Result<u64, String> {
        self.get(key)
            .ok_or_else(|| format!("/proc/meminfo: no {key}"))
    }
}

/// Parses `/proc/meminfo`; a line that is not `Key: number [unit]` is an
/// error naming it.
pub fn parse(text: &str) -> Result<MemInfo, String> {
    let mut values = HashMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let bad = || format!("/proc/meminfo: bad line {line:?}");
        let (key, rest) = line.split_once(':').ok_or_else(bad)?;
        let number = rest
            .split_whitespace()
            .next()
            .and_then(|word| word.parse().ok())
            .ok_or_else(bad)?;
        values.insert(key.trim().to_string(), number);
    }
    Ok(MemInfo { values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_key() {
        let info =
            parse("MemTotal:       16384 kB\nMemFree:         8000 kB\nHugePages_Total:       0\n")
                .unwrap();
        assert_eq!(info.get("MemTotal"), Some(16384));
        assert_eq!(info.require("MemFree"), Ok(8000));
        assert_eq!(info.get("HugePages_Total"), Some(0));
        assert!(info.require("SwapTotal").unwrap_err().contains("SwapTotal"));
    }

    #[test]
    fn a_bad_line_is_an_error() {
        assert!(parse("MemTotal 5 kB\n").is_err());
        assert!(parse("MemTotal: lots\n").is_err());
    }
}
