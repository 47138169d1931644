//! The machine-checkable lines `usertest` prints, one per check:
//!
//! ```text
//! USERTEST PASS NAME
//! USERTEST FAIL NAME: REASON
//! ```
//!
//! A check may print `usertest NAME: ...` detail lines before its verdict.

/// The marker every verdict line starts with.
pub const MARKER: &str = "USERTEST";

/// The result of one check: `Ok(detail)` or `Err(reason)`.
pub type CheckResult = Result<String, String>;

/// The verdict line for check `name`.
pub fn verdict_line(name: &str, result: &CheckResult) -> String {
    match result {
        Ok(_) => format!("{MARKER} PASS {name}"),
        Err(reason) => format!("{MARKER} FAIL {name}: {reason}"),
    }
}

/// A verdict read back from a line: `(name, passed)`.
pub fn parse_verdict(line: &str) -> Option<(&str, bool)> {
    let rest = line.trim_end().strip_prefix(MARKER)?.strip_prefix(' ')?;
    if let Some(name) = rest.strip_prefix("PASS ") {
        return (!name.is_empty() && !name.contains(' ')).then_some((name, true));
    }
    let name = rest.strip_prefix("FAIL ")?.split(": ").next()?;
    (!name.is_empty() && !name.contains(' ')).then_some((name, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let pass = verdict_line("threads", &Ok("400 turns".into()));
        assert_eq!(pass, "USERTEST PASS threads");
        assert_eq!(parse_verdict(&pass), Some(("threads", true)));
        let fail = verdict_line("fault-ud2", &Err("exited with status 0: no SIGILL".into()));
        assert_eq!(
            fail,
            "USERTEST FAIL fault-ud2: exited with status 0: no SIGILL"
        );
        assert_eq!(parse_verdict(&fail), Some(("fault-ud2", false)));
        assert_eq!(parse_verdict("usertest threads: detail"), None);
        assert_eq!(parse_verdict("USERTEST PASS "), None);
    }
}
