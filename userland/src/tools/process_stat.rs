//! `/proc/[pid]/stat` parsed (the fields `ps` and `top` show), and the
//! list of every process under a `/proc` directory. The command name sits
//! in parentheses and may itself hold spaces and `)`, so the fields after
//! it are found from the last `)`, as procps does.

use std::fs;
use std::path::Path;

/// The fields of one `stat` line that the tools use. Times are in clock
/// ticks (USER_HZ), `start_time` in ticks since boot, `rss` in pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStat {
    pub pid: u32,
    pub command: String,
    /// Linux's state letter: R, S, D, T, t, Z, X, I.
    pub state: char,
    pub parent: u32,
    pub group: u32,
    pub session: u32,
    pub tty: i32,
    pub user_ticks: u64,
    pub system_ticks: u64,
    pub threads: u64,
    pub start_time: u64,
    pub virtual_bytes: u64,
    pub resident_pages: u64,
    /// The CPU it last ran on.
    pub processor: u32,
}

impl ProcessStat {
    /// User plus system time, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        self.user_ticks + self.system_ticks
    }
}

/// Parses one `stat` line; an error names what was wrong.
pub fn parse(text: &str) -> Result<ProcessStat, String> {
    let bad = |what: &str| format!("stat: {what} in {:?}", text.trim_end());
    let open = text.find('(').ok_or_else(|| bad("no '('"))?;
    let close = text.rfind(')').ok_or_else(|| bad("no ')'"))?;
    if close < open {
        return Err(bad("')' before '('"));
    }
    let pid = text[..open].trim().parse().map_err(|_| bad("bad pid"))?;
    let command = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // `rest[0]` is field 3 (state); field N is `rest[N - 3]`.
    let field = |number: usize| {
        rest.get(number - 3)
            .copied()
            .ok_or_else(|| bad(&format!("no field {number}")))
    };
    let numeric = |number: usize| -> Result<u64, String> {
        field(number)?
            .parse()
            .map_err(|_| bad(&format!("bad field {number}")))
    };
    let state = field(3)?.chars().next().ok_or_else(|| bad("no state"))?;
    Ok(ProcessStat {
        pid,
        command,
        state,
        parent: numeric(4)? as u32,
        group: numeric(5)? as u32,
        session: numeric(6)? as u32,
        tty: field(7)?.parse().map_err(|_| bad("bad field 7"))?,
        user_ticks: numeric(14)?,
        system_ticks: numeric(15)?,
        threads: numeric(20)?,
        start_time: numeric(22)?,
        virtual_bytes: numeric(23)?,
        resident_pages: field(24)?
            .parse::<i64>()
            .map_err(|_| bad("bad field 24"))?
            .max(0) as u64,
        processor: numeric(39)? as u32,
    })
}

/// Every process under `proc_root` (normally `/proc`), by pid. A process
/// that ends while the list is made is left out; a `stat` that does not
/// parse is an error.
pub fn all_processes(proc_root: &Path) -> Result<Vec<ProcessStat>, String> {
    let entries =
        fs::read_dir(proc_root).map_err(|error| format!("{}: {error}", proc_root.display()))?;
    let mut processes = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(text) = fs::read_to_string(proc_root.join(pid.to_string()).join("stat")) else {
            continue;
        };
        processes.push(parse(&text)?);
    }
    processes.sort_by_key(|process| process.pid);
    Ok(processes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Linux line (52 fields) with a command holding ") (".
    const LINUX: &str = "4242 (a) (b) S 1 4242 4242 34816 4242 4194560 100 0 0 0 250 37 0 0 20 0 3 0 12345 8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    #[test]
    fn the_fields_after_the_last_parenthesis_are_read() {
        let stat = parse(LINUX).unwrap();
        assert_eq!(
            (stat.pid, stat.command.as_str(), stat.state),
            (4242, "a) (b", 'S')
        );
        assert_eq!(
            (stat.parent, stat.group, stat.session, stat.tty),
            (1, 4242, 4242, 34816)
        );
        assert_eq!(
            (stat.user_ticks, stat.system_ticks, stat.cpu_ticks()),
            (250, 37, 287)
        );
        assert_eq!(
            (
                stat.threads,
                stat.start_time,
                stat.virtual_bytes,
                stat.resident_pages
            ),
            (3, 12345, 8_192_000, 300)
        );
        assert_eq!(stat.processor, 2);
    }

    #[test]
    fn short_or_broken_lines_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("1 (init S 0").is_err());
        assert!(parse("1 (init) S 0 1 1 0").is_err());
        assert!(parse("x (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").is_err());
    }

    #[test]
    fn a_directory_of_processes_is_listed_by_pid() {
        let root = std::env::temp_dir().join(format!("process_stat_test_{}", std::process::id()));
        for (pid, line) in [
            (7, LINUX.replacen("4242", "7", 1)),
            (3, LINUX.replacen("4242", "3", 1)),
        ] {
            fs::create_dir_all(root.join(pid.to_string())).unwrap();
            fs::write(root.join(pid.to_string()).join("stat"), line).unwrap();
        }
        fs::create_dir_all(root.join("self")).unwrap();
        let pids: Vec<u32> = all_processes(&root)
            .unwrap()
            .iter()
            .map(|process| process.pid)
            .collect();
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(pids, [3, 7]);
    }
}
