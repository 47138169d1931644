//! `dmesg`: the kernel log, read through `syslog(2)` (`klogctl`) as
//! util-linux does: `SYSLOG_ACTION_SIZE_BUFFER` for the ring's size, then
//! `SYSLOG_ACTION_READ_ALL`. `-c` reads and clears, `-C` only clears.

const READ_ALL: libc::c_int = 3;
const READ_CLEAR: libc::c_int = 4;
const CLEAR: libc::c_int = 5;
const SIZE_BUFFER: libc::c_int = 10;

fn klogctl(action: libc::c_int, buffer: &mut [u8]) -> Result<usize, String> {
    let length = libc::c_int::try_from(buffer.len()).map_err(|_| "buffer too large".to_string())?;
    // SAFETY: `buffer` is valid for `length` bytes.
    let result = unsafe { libc::klogctl(action, buffer.as_mut_ptr().cast(), length) };
    usize::try_from(result).map_err(|_| format!("klogctl: {}", std::io::Error::last_os_error()))
}

fn run(args: &[String]) -> Result<(), String> {
    let action = match args {
        [] => READ_ALL,
        [flag] if flag == "-c" => READ_CLEAR,
        [flag] if flag == "-C" => {
            return klogctl(CLEAR, &mut []).map(|_| ());
        }
        _ => return Err("usage: dmesg [-c | -C]".into()),
    };
    let size = klogctl(SIZE_BUFFER, &mut [])?;
    let mut buffer = vec![0u8; size.max(1)];
    let count = klogctl(action, &mut buffer)?;
    use std::io::Write;
    std::io::stdout()
        .write_all(&buffer[..count])
        .map_err(|error| error.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(error) = run(&args) {
        eprintln!("dmesg: {error}");
        std::process::exit(1);
    }
}
