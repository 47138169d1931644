//! `/proc/loadavg` and `/proc/uptime` parsed, and `uptime`'s line in
//! procps's format: ` HH:MM:SS up D days, H:MM,  0 users,  load average:
//! 0.00, 0.00, 0.00`. No one logs in here (no utmp), so users is 0, as
//! procps says on such a system. The clock is UTC (no time zones).

/// The three load averages (1, 5, 15 minutes).
pub fn parse_loadavg(text: &str) -> Result<[f64; 3], String> {
    let numbers: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .map(|word| word.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("/proc/loadavg: bad contents {text:?}"))?;
    numbers
        .try_into()
        .map_err(|_| format!("/proc/loadavg: too short {text:?}"))
}

/// Seconds since boot (the first number of `/proc/uptime`).
pub fn parse_uptime(text: &str) -> Result<f64, String> {
    text.split_whitespace()
        .next()
        .and_then(|word| word.parse().ok())
        .ok_or_else(|| format!("/proc/uptime: bad contents {text:?}"))
}

/// How long the system is up, as procps words it: `5 min`, `1:05`,
/// `2 days, 3:04`, `1 day, 12 min`.
pub fn up_for(seconds: u64) -> String {
    let days = seconds / 86_400;
    let hours = seconds % 86_400 / 3600;
    let minutes = seconds % 3600 / 60;
    let mut text = String::new();
    if days > 0 {
        text += &format!("{days} day{}, ", if days == 1 { "" } else { "s" });
    }
    if hours > 0 {
        text += &format!("{hours:2}:{minutes:02}");
    } else {
        text += &format!("{minutes} min");
    }
    text
}

/// The whole line, for a wall-clock time of `now_epoch_seconds` (UTC).
pub fn uptime_line(now_epoch_seconds: u64, up_seconds: u64, loads: [f64; 3]) -> String {
    let day_seconds = now_epoch_seconds % 86_400;
    format!(
        " {:02}:{:02}:{:02} up {},  0 users,  load average: {:.2}, {:.2}, {:.2}",
        day_seconds / 3600,
        day_seconds % 3600 / 60,
        day_seconds % 60,
        up_for(up_seconds),
        loads[0],
        loads[1],
        loads[2]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse() {
        assert_eq!(
            parse_loadavg("0.50 1.25 0.00 2/80 123\n"),
            Ok([0.5, 1.25, 0.0])
        );
        assert!(parse_loadavg("0.5 x").is_err());
        assert!(parse_loadavg("0.5").is_err());
        assert_eq!(parse_uptime("12.34 40.00\n"), Ok(12.34));
        assert!(parse_uptime("").is_err());
    }

    #[test]
    fn the_line_reads_like_procps() {
        assert_eq!(
            uptime_line(3_723, 65, [0.0, 0.5, 1.0]),
            " 01:02:03 up 1 min,  0 users,  load average: 0.00, 0.50, 1.00"
        );
        assert_eq!(up_for(3_900), " 1:05");
        assert_eq!(up_for(2 * 86_400 + 3 * 3600 + 4 * 60), "2 days,  3:04");
        assert_eq!(up_for(86_400 + 12 * 60), "1 day, 12 min");
    }
}
