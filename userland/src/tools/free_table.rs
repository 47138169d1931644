//! `free`'s table from `/proc/meminfo`, laid out like procps: `Mem:` and
//! `Swap:` rows under `total used free shared buff/cache available`, in
//! KiB, or with `-h` in powers of 1024 with a unit (`B`, `Ki`, `Mi`, `Gi`,
//! `Ti`). `used` is total - free - buff/cache, as procps 3.3 computes it;
//! buff/cache is Buffers + Cached + SReclaimable.

use super::meminfo::MemInfo;

/// How numbers are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// KiB, as plain numbers (procps's default).
    Kibibytes,
    /// Scaled to fit, with a unit (`-h`).
    Human,
}

/// Parses `free`'s arguments: none, `-k` or `-h` (`--human`).
pub fn parse_args(args: &[String]) -> Result<Units, String> {
    let mut units = Units::Kibibytes;
    for arg in args {
        units = match arg.as_str() {
            "-h" | "--human" => Units::Human,
            "-k" | "--kibi" => Units::Kibibytes,
            other => {
                return Err(format!(
                    "free: unknown option {other:?} (usage: free [-h|-k])"
                ));
            }
        };
    }
    Ok(units)
}

/// A KiB amount as `free -h` shows it: three significant digits at most,
/// a decimal only below 10; nothing is `0B`.
pub fn human(kibibytes: u64) -> String {
    if kibibytes == 0 {
        return "0B".into();
    }
    const UNITS: [&str; 4] = ["Ki", "Mi", "Gi", "Ti"];
    let mut value = kibibytes as f64;
    for (index, unit) in UNITS.iter().enumerate() {
        if value < 1024.0 || index == UNITS.len() - 1 {
            return if value < 10.0 && index > 0 {
                format!("{value:.1}{unit}")
            } else {
                format!("{}{unit}", value.round() as u64)
            };
        }
        value /= 1024.0;
    }
    unreachable!("the loop returns at the last unit")
}

/// The table (header, `Mem:`, `Swap:`), each line ending in `\n`.
pub fn table(info: &MemInfo, units: Units) -> Result<String, String> {
    let total = info.require("MemTotal")?;
    let free = info.require("MemFree")?;
    let available = info.get("MemAvailable").unwrap_or(free);
    let shared = info.get("Shmem").unwrap_or(0);
    let cache = info.get("Buffers").unwrap_or(0)
        + info.get("Cached").unwrap_or(0)
        + info.get("SReclaimable").unwrap_or(0);
    let used = total.saturating_sub(free).saturating_sub(cache);
    let swap_total = info.get("SwapTotal").unwrap_or(0);
    let swap_free = info.get("SwapFree").unwrap_or(0);
    let show = |kibibytes: u64| match units {
        Units::Kibibytes => kibibytes.to_string(),
        Units::Human => human(kibibytes),
    };
    let mut text = format!(
        "{:>7}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}\n",
        "", "total", "used", "free", "shared", "buff/cache", "available"
    );
    text += &format!(
        "{:<7}{:>12}{:>12}{:>12}{:>12}{:>12}{:>12}\n",
        "Mem:",
        show(total),
        show(used),
        show(free),
        show(shared),
        show(cache),
        show(available)
    );
    text += &format!(
        "{:<7}{:>12}{:>12}{:>12}\n",
        "Swap:",
        show(swap_total),
        show(swap_total.saturating_sub(swap_free)),
        show(swap_free)
    );
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::meminfo::parse;

    const SAMPLE: &str = "MemTotal:       2000000 kB\nMemFree:         500000 kB\nMemAvailable:   1500000 kB\nBuffers:          10000 kB\nCached:          400000 kB\nSReclaimable:     90000 kB\nShmem:             1234 kB\nSwapTotal:            0 kB\nSwapFree:             0 kB\n";

    #[test]
    fn the_table_has_procps_columns_and_arithmetic() {
        let text = table(&parse(SAMPLE).unwrap(), Units::Kibibytes).unwrap();
        let lines: Vec<Vec<&str>> = text
            .lines()
            .map(|line| line.split_whitespace().collect())
            .collect();
        assert_eq!(
            lines[0],
            ["total", "used", "free", "shared", "buff/cache", "available"]
        );
        assert_eq!(
            lines[1],
            ["Mem:", "2000000", "1000000", "500000", "1234", "500000", "1500000"]
        );
        assert_eq!(lines[2], ["Swap:", "0", "0", "0"]);
        // Columns end where their header ends.
        let header_end = text.lines().next().unwrap().find("total").unwrap() + "total".len();
        assert_eq!(
            text.lines().nth(1).unwrap().find("2000000").unwrap() + 7,
            header_end
        );
    }

    #[test]
    fn human_units_scale_by_1024() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(1), "1Ki");
        assert_eq!(human(1023), "1023Ki");
        assert_eq!(human(1536), "1.5Mi");
        assert_eq!(human(2_000_000), "1.9Gi");
        assert_eq!(human(512 * 1024), "512Mi");
        let text = table(&parse(SAMPLE).unwrap(), Units::Human).unwrap();
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .split_whitespace()
                .eq(["Mem:", "1.9Gi", "977Mi", "488Mi", "1.2Mi", "488Mi", "1.4Gi"]),
            "{text}"
        );
    }

    #[test]
    fn arguments_and_missing_fields_give_errors() {
        assert_eq!(parse_args(&["-h".into()]), Ok(Units::Human));
        assert_eq!(parse_args(&[]), Ok(Units::Kibibytes));
        assert!(parse_args(&["-x".into()]).is_err());
        assert!(table(&parse("MemFree: 1 kB\n").unwrap(), Units::Kibibytes).is_err());
    }
}
