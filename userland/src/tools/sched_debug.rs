//! `/proc/sched_debug` parsed: for each `cpu#N` section, the run-queue
//! length (`.nr_running`), context switches (`.nr_switches`), the running
//! thread (`.curr->pid`, 0 = idle) and two fields of ours, its command
//! (`.curr->comm`) and `.apic_id`. A section ends at
//! the next line that is not indented (Linux follows each CPU with
//! `cfs_rq[N]` sections whose fields share names). Unknown fields are
//! skipped, so Linux's own file parses too.

/// One CPU's section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuSchedInfo {
    pub cpu: usize,
    pub running: u64,
    pub switches: u64,
    pub current_pid: u32,
    pub current_command: Option<String>,
    pub apic_id: Option<u32>,
}

/// Parses the file; a field of a `cpu#N` section that should be a number
/// and is not is an error.
pub fn parse(text: &str) -> Result<Vec<CpuSchedInfo>, String> {
    let mut cpus: Vec<CpuSchedInfo> = Vec::new();
    let mut in_cpu_section = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("cpu#") {
            let index = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|digits| digits.parse().ok());
            let cpu = index.ok_or_else(|| format!("sched_debug: bad section {line:?}"))?;
            cpus.push(CpuSchedInfo {
                cpu,
                ..CpuSchedInfo::default()
            });
            in_cpu_section = true;
            continue;
        }
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_cpu_section = false;
        }
        let (Some(info), true) = (cpus.last_mut(), in_cpu_section) else {
            continue;
        };
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        // Linux prints some fields with a fraction (`.clock`); ours are whole.
        let number = || {
            value
                .split('.')
                .next()
                .unwrap_or("")
                .parse::<u64>()
                .map_err(|_| format!("sched_debug: bad value in {line:?}"))
        };
        match key.trim() {
            ".nr_running" => info.running = number()?,
            ".nr_switches" => info.switches = number()?,
            ".curr->pid" => info.current_pid = number()? as u32,
            ".curr->comm" => info.current_command = Some(value.to_string()),
            ".apic_id" => info.apic_id = Some(number()? as u32),
            _ => {}
        }
    }
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_and_cfs_rq_fields_are_not_mixed_in() {
        let text = "Sched Debug Version: v0.11\nktime : 1.5\n\ncpu#0, 2400.000 MHz\n  .nr_running                    : 2\n  .nr_switches                   : 345\n  .curr->pid                     : 7\n  .clock                         : 123.456\n\ncfs_rq[0]:/\n  .nr_running                    : 99\n\ncpu#1\n  .nr_running                    : 0\n  .nr_switches                   : 12\n  .curr->pid                     : 0\n  .curr->comm                    : swapper/1\n  .apic_id                       : 1\n";
        let cpus = parse(text).unwrap();
        assert_eq!(
            cpus,
            [
                CpuSchedInfo {
                    cpu: 0,
                    running: 2,
                    switches: 345,
                    current_pid: 7,
                    current_command: None,
                    apic_id: None
                },
                CpuSchedInfo {
                    cpu: 1,
                    running: 0,
                    switches: 12,
                    current_pid: 0,
                    current_command: Some("swapper/1".into()),
                    apic_id: Some(1)
                }
            ]
        );
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse("cpu#x\n").is_err());
        assert!(parse("cpu#0\n  .nr_running : many\n").is_err());
        assert_eq!(parse("nothing here\n"), Ok(vec![]));
    }
}
