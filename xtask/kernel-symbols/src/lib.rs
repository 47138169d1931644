//! Turns the kernel's `@@BT` frame lines (`protocol::backtrace_line`) into
//! `function at file:line` with the kernel ELF's DWARF, through the
//! `addr2line` crate. The raw address stays in the line; the symbol is
//! appended:
//!
//! ```text
//! @@BT cpu=1 #0 pc=ffffffff80190146
//! @@BT cpu=1 #0 pc=ffffffff80190146 arch::cpu::pause at arch/src/cpu.rs:68, inlined into kernel::kernel_tests::soft_lockup::spin_with_preemption_off at kernel/src/kernel_tests/soft_lockup.rs:42
//! ```
//!
//! `console_filter` does the same to a live console stream (`cargo xtask
//! run`). TEAM_NOTES/kernel-backtraces.md.

mod console_filter;

pub use console_filter::BacktraceFilter;

use addr2line::Loader;
use protocol::backtrace_line::parse_frame;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The debug information of one kernel ELF.
pub struct KernelSymbols {
    loader: Loader,
    /// Source paths under this directory are shown relative to it.
    source_root: Option<PathBuf>,
}

impl KernelSymbols {
    /// Opens `elf` (the kernel the log came from). Errors name the file.
    pub fn open(elf: &Path) -> Result<KernelSymbols, String> {
        let loader = Loader::new(elf)
            .map_err(|error| format!("cannot read the symbols of {}: {error}", elf.display()))?;
        Ok(KernelSymbols {
            loader,
            source_root: None,
        })
    }

    /// Shows source paths under `root` (the workspace) relative to it.
    pub fn with_source_root(mut self, root: &Path) -> KernelSymbols {
        self.source_root = Some(root.to_path_buf());
        self
    }

    /// `function at file:line`, then `, inlined into function at file:line`
    /// for each function the code at `address` was inlined into (innermost
    /// first); the symbol table's name when there is no line information;
    /// `??` when nothing is known about the address.
    pub fn describe(&self, address: u64) -> String {
        let mut text = String::new();
        if let Ok(mut frames) = self.loader.find_frames(address) {
            while let Ok(Some(frame)) = frames.next() {
                if !text.is_empty() {
                    text.push_str(", inlined into ");
                }
                let function = frame
                    .function
                    .as_ref()
                    .and_then(|name| name.demangle().ok())
                    .map(|name| name.into_owned());
                text.push_str(function.as_deref().unwrap_or("??"));
                if let Some(location) = frame.location {
                    let file = location
                        .file
                        .map(|file| self.shorten(file))
                        .unwrap_or_else(|| "??".to_string());
                    let _ = write!(text, " at {file}");
                    if let Some(line) = location.line {
                        let _ = write!(text, ":{line}");
                    }
                }
            }
        }
        if text.is_empty() {
            if let Some(symbol) = self.loader.find_symbol(address) {
                text = addr2line::demangle_auto(symbol.into(), None).into_owned();
            }
        }
        if text.is_empty() {
            text.push_str("??");
        }
        text
    }

    /// `line` with its frame symbolised, when it is a `@@BT` frame line
    /// (whatever it ends with is kept after the symbol); `None` otherwise.
    pub fn symbolize_line(&self, line: &str) -> Option<String> {
        let (frame, end) = parse_frame(line)?;
        let symbol = self.describe(frame.kind.lookup_address(frame.address));
        Some(format!("{} {symbol}{}", &line[..end], &line[end..]))
    }

    /// `text` with every frame line symbolised and every other line as it was.
    pub fn symbolize_text(&self, text: &str) -> String {
        text.split_inclusive('\n')
            .map(|line| {
                self.symbolize_line(line)
                    .unwrap_or_else(|| line.to_string())
            })
            .collect()
    }

    fn shorten(&self, file: &str) -> String {
        self.source_root
            .as_deref()
            .and_then(|root| Path::new(file).strip_prefix(root).ok())
            .map_or_else(
                || file.to_string(),
                |relative| relative.display().to_string(),
            )
    }
}

#[cfg(test)]
mod tests;

/// The backtrace lines of `text` (`@@BT-BEGIN`, frames, `@@BT-END`), each
/// frame symbolised: what `cargo xtask trace --from LOG` prints.
pub fn backtraces_in(text: &str, symbols: &KernelSymbols) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            let marker = line.find(protocol::backtrace_line::FRAME_MARKER)?;
            let line = &line[marker..];
            Some(
                symbols
                    .symbolize_line(line)
                    .unwrap_or_else(|| line.to_string()),
            )
        })
        .collect()
}
