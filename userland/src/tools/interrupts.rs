//! `/proc/interrupts` parsed into interrupts taken per CPU: the header
//! names the CPU columns (`CPU0 CPU1 ...`), each row has a label, up to
//! one count per CPU (Linux's `ERR:` and `MIS:` rows have one), and a
//! description that is skipped.

/// Interrupts per CPU column, in header order: (CPU number, total).
pub fn per_cpu_totals(text: &str) -> Result<Vec<(usize, u64)>, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("/proc/interrupts: empty")?;
    let cpus: Vec<usize> = header
        .split_whitespace()
        .map(|word| {
            word.strip_prefix("CPU")
                .and_then(|number| number.parse().ok())
                .ok_or_else(|| format!("/proc/interrupts: bad header {header:?}"))
        })
        .collect::<Result<_, _>>()?;
    let mut totals = vec![0u64; cpus.len()];
    for line in lines {
        let Some((_, counts)) = line.split_once(':') else {
            continue;
        };
        for (total, count) in totals.iter_mut().zip(
            counts
                .split_whitespace()
                .map_while(|word| word.parse::<u64>().ok()),
        ) {
            *total += count;
        }
    }
    Ok(cpus.into_iter().zip(totals).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_summed_by_column() {
        let text = "           CPU0       CPU1\n  0:         44          0   IO-APIC   2-edge      timer\nLOC:       1000       2000   Local timer interrupts\nERR:          3\n";
        assert_eq!(per_cpu_totals(text), Ok(vec![(0, 1047), (1, 2000)]));
    }

    #[test]
    fn a_bad_header_is_an_error() {
        assert!(per_cpu_totals("").is_err());
        assert!(per_cpu_totals("CPU0 GPU1\n").is_err());
    }
}
