//! `trace-export --from LOG --out DIR`: what `cargo xtask trace` runs after
//! capturing a dump (or on a saved log). Prints bad lines, warnings, the
//! files written and the summary. Exit status: 0 when a dump was found, 1
//! when the log held no trace line, 2 on a usage or I/O error.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut from = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => from = args.next().map(PathBuf::from),
            "--out" => out = args.next().map(PathBuf::from),
            _ => {
                eprintln!("usage: trace-export --from LOG --out DIR (unknown argument '{arg}')");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(from), Some(out)) = (from, out) else {
        eprintln!("usage: trace-export --from LOG --out DIR");
        return ExitCode::from(2);
    };
    let log = match std::fs::read(&from) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            eprintln!("trace: cannot read {}: {error}", from.display());
            return ExitCode::from(2);
        }
    };
    let exported = match trace_export::write::export(&log, &out) {
        Ok(exported) => exported,
        Err(error) => {
            eprintln!("trace: cannot write into {}: {error}", out.display());
            return ExitCode::from(2);
        }
    };
    for bad in &exported.dump.bad_lines {
        println!("trace: skipped {bad}");
    }
    for warning in exported.dump.warnings() {
        println!("trace: warning: {warning}");
    }
    if exported.trace.entries == 0 && exported.dump.per_cpu.is_empty() {
        println!("trace: no trace lines in {}", from.display());
        return ExitCode::from(1);
    }
    println!(
        "trace: {} events on {} CPUs, {} threads, {} bad lines skipped",
        exported.trace.entries,
        exported.trace.cpus.len(),
        exported.trace.threads.len(),
        exported.dump.bad_lines.len()
    );
    print!("{}", exported.summary);
    for file in &exported.files {
        println!("trace: wrote {}", file.display());
    }
    println!("trace: open {} in https://ui.perfetto.dev, or timeline.svg in a browser", exported.files[0].display());
    ExitCode::SUCCESS
}
