//! The prompt: `[cpu N] /working/directory $ ` (format documented in
//! TEAM_NOTES/shell.md; QEMU tests wait for it).

/// The prompt for a shell on CPU `cpu` (None when unknown) in `directory`.
pub fn prompt_text(cpu: Option<usize>, directory: &str) -> String {
    match cpu {
        Some(cpu) => format!("[cpu {cpu}] {directory} $ "),
        None => format!("[cpu ?] {directory} $ "),
    }
}

/// The CPU this thread runs on (`sched_getcpu`).
pub fn current_cpu() -> Option<usize> {
    // SAFETY: sched_getcpu has no arguments; -1 means unknown.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// The prompt for where the shell is now.
pub fn current_prompt() -> String {
    let directory = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "?".to_string());
    prompt_text(current_cpu(), &directory)
}

/// The prompt for a continuation line (open quote, trailing `|`...).
pub const CONTINUATION_PROMPT: &str = "> ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_format() {
        assert_eq!(prompt_text(Some(3), "/tmp"), "[cpu 3] /tmp $ ");
        assert_eq!(prompt_text(None, "/"), "[cpu ?] / $ ");
        assert!(current_cpu().is_some(), "sched_getcpu works on the host");
    }
}
