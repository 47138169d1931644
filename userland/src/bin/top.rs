//! `top`: every refresh, per-CPU load bars from `/proc/stat` deltas and the
//! busiest processes from `/proc/[pid]/stat` deltas (see `tools::top_frame`).
//! On a terminal it runs in raw mode (`tools::raw_terminal`) and quits on
//! `q` or Ctrl-C, restoring the terminal; `-b` prints frames in sequence.

use std::io::Write;
use std::path::Path;
use std::time::Instant;
use userland::tools::raw_terminal::{read_keys, RawTerminal};
use userland::tools::top_args::{self, TopOptions};
use userland::tools::top_frame::{self, FrameContext, Sample};
use userland::tools::{
    load_and_uptime, now_epoch_seconds, process_stat, read_proc_file, system_stat,
};

/// Process rows when the terminal does not say its size.
const DEFAULT_PROCESS_ROWS: usize = 10;
/// Ctrl-C as a byte (ISIG is off in raw mode).
const CONTROL_C: u8 = 0x03;

fn sample() -> Result<Sample, String> {
    Ok(Sample {
        stat: system_stat::parse(&read_proc_file("/proc/stat")?)?,
        processes: process_stat::all_processes(Path::new("/proc"))?,
    })
}

/// Rows of processes that fit the terminal below the summary and bars.
fn process_rows(cpus: usize) -> usize {
    // SAFETY: an all-zero winsize is valid; the ioctl fills it.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize.
    let known = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0
        && size.ws_row > 0;
    if known {
        usize::from(size.ws_row).saturating_sub(cpus + 5).max(1)
    } else {
        DEFAULT_PROCESS_ROWS
    }
}

fn frame(earlier: &Sample, later: &Sample) -> Result<String, String> {
    let context = FrameContext {
        now_epoch_seconds: now_epoch_seconds(),
        up_seconds: load_and_uptime::parse_uptime(&read_proc_file("/proc/uptime")?)? as u64,
        loads: load_and_uptime::parse_loadavg(&read_proc_file("/proc/loadavg")?)?,
        process_rows: process_rows(later.stat.cpus.len()),
    };
    Ok(top_frame::render(earlier, later, &context))
}

fn run(options: TopOptions) -> Result<(), String> {
    let terminal = if options.batch {
        None
    } else {
        Some(
            RawTerminal::enter(libc::STDIN_FILENO)
                .map_err(|error| format!("the terminal: {error} (use -b without one)"))?,
        )
    };
    let mut earlier = Sample::default();
    let mut shown = 0u64;
    let mut stdout = std::io::stdout();
    loop {
        let later = sample()?;
        let text = frame(&earlier, &later)?;
        // Home and clear, then the frame (output processing stays on in
        // raw mode, so the terminal turns each `\n` into `\r\n`).
        let text = if terminal.is_some() {
            format!("\x1b[H\x1b[2J{text}")
        } else {
            format!("{text}\n")
        };
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|error| error.to_string())?;
        earlier = later;
        shown += 1;
        if options.frames.is_some_and(|frames| shown >= frames) {
            return Ok(());
        }
        if terminal.is_none() {
            std::thread::sleep(options.delay);
            continue;
        }
        let deadline = Instant::now() + options.delay;
        while let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
        {
            let keys = read_keys(
                libc::STDIN_FILENO,
                left.as_millis().clamp(1, i32::MAX as u128) as i32,
            )
            .map_err(|error| error.to_string())?;
            if keys
                .iter()
                .any(|&key| key == b'q' || key == b'Q' || key == CONTROL_C)
            {
                return Ok(());
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = top_args::parse_args(&args).unwrap_or_else(|error| {
        eprintln!("{error}");
        std::process::exit(2);
    });
    if let Err(error) = run(options) {
        eprintln!("top: {error}");
        std::process::exit(1);
    }
}
