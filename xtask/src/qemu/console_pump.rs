//! QEMU's output, read on a thread: echoed as it arrives (kernel
//! backtrace lines symbolised from the kernel ELF) and kept whole.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::thread::{self, JoinHandle};

/// Reads `source` to its end on a thread, copying each chunk to `sink()` as it
/// arrives when `echo` is set; the thread returns everything it read (raw).
/// With `symbols_from` (the kernel ELF), echoed `@@BT` frame lines are
/// symbolised (`kernel_symbols::BacktraceFilter`; the symbols are read at
/// the first one).
pub(super) fn pump<R, W>(mut source: R, echo: bool, sink: fn() -> W, symbols_from: Option<PathBuf>) -> JoinHandle<Vec<u8>>
where
    R: Read + Send + 'static,
    W: Write + 'static,
{
    thread::spawn(move || {
        let symbols = std::cell::OnceCell::new();
        let load = || symbols.get_or_init(|| open_symbols(symbols_from.as_deref()?)).as_ref();
        let mut filter = kernel_symbols::BacktraceFilter::new(&load);
        let mut everything = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut echoed = Vec::new();
        let write = |bytes: &[u8]| {
            // A closed stdout (e.g. `| head`) must not stop the run.
            let mut out = sink();
            let _ = out.write_all(bytes).and_then(|()| out.flush());
        };
        loop {
            match source.read(&mut chunk) {
                Ok(0) => break,
                Ok(count) => {
                    if echo {
                        filter.push(&chunk[..count], &mut echoed);
                        write(&echoed);
                        echoed.clear();
                    }
                    everything.extend_from_slice(&chunk[..count]);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        if echo {
            filter.finish(&mut echoed);
            write(&echoed);
        }
        everything
    })
}

/// The kernel's symbols for the console's backtraces; says why not once.
fn open_symbols(elf: &std::path::Path) -> Option<kernel_symbols::KernelSymbols> {
    match kernel_symbols::KernelSymbols::open(elf) {
        Ok(symbols) => Some(symbols.with_source_root(&crate::workspace::workspace_root())),
        Err(error) => {
            eprintln!("xtask: backtraces stay unsymbolised: {error}");
            None
        }
    }
}
