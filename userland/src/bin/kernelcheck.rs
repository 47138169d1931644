//! `kernelcheck [NAME...]`: checks of kernel mechanisms that `usertest`
//! does not cover, one verdict line each (`KCHECK PASS|FAIL NAME: ...`);
//! exit status 0 when all pass. Each passes on Linux as well.
//!
//! - `signal-handler`: a handler runs on `kill`, and the interrupted
//!   code's floating-point registers come back intact.
//! - `segv-handler`: a SIGSEGV handler runs for a write to an unmapped
//!   page, with that address in `si_addr`.
//! - `eintr`: a pipe read interrupted by a signal gives EINTR without
//!   SA_RESTART and completes with it.
//! - `kill-sleeper`: SIGTERM ends a child sleeping 100 s at once.
//! - `exit-group`: exit with threads blocked and spinning ends them all.
//! - `shared-mmap`: MAP_SHARED memory is shared with a fork child,
//!   MAP_PRIVATE is not.
//! - `tlb-shootdown`: after `munmap` on one CPU, a thread reading the page
//!   on another CPU faults (no stale translation survives).
//! - `proc`: /proc/self/status, /proc/self/maps and /proc/meminfo read.
//! - `stop-continue`: SIGSTOP stops a child (it makes no progress, and
//!   `waitpid(WUNTRACED)` says so), SIGCONT resumes it (`WCONTINUED`),
//!   SIGKILL ends it.
//! - `socketpair`, `command-exec-failure`: see `userland::socket_checks`.
//! - `controlling-terminal`: see `userland::terminal_checks`.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Check = fn() -> Result<String, String>;

const CHECKS: [(&str, Check); 12] = [
    ("signal-handler", signal_handler),
    ("segv-handler", segv_handler),
    ("eintr", eintr),
    ("kill-sleeper", kill_sleeper),
    ("exit-group", exit_group),
    ("shared-mmap", shared_mmap),
    ("tlb-shootdown", tlb_shootdown),
    ("proc", proc_files),
    ("stop-continue", stop_continue),
    ("socketpair", userland::socket_checks::socket_pair),
    ("command-exec-failure", userland::socket_checks::command_exec_failure),
    ("controlling-terminal", userland::terminal_checks::controlling_terminal),
];

static HANDLER_RUNS: AtomicU64 = AtomicU64::new(0);
static FAULT_ADDRESS: AtomicU64 = AtomicU64::new(0);
static READER_TID: AtomicI32 = AtomicI32::new(0);

fn install(signal: i32, handler: usize, flags: i32) {
    // SAFETY: a zeroed sigaction with a handler and flags; the handlers
    // here only touch atomics or call _exit.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        action.sa_flags = flags;
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

extern "C" fn count_signal(_signal: i32) {
    HANDLER_RUNS.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn record_fault(_signal: i32, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as u64;
    FAULT_ADDRESS.store(address, Ordering::SeqCst);
    // SAFETY: leaves the child at once (the fault would recur on return);
    // 42 says si_addr named the page written.
    unsafe { libc::_exit(if address == SEGV_ADDRESS { 42 } else { 43 }) };
}

/// Forks; the child runs `child` and exits with its result; the parent
/// returns the child's raw wait status.
fn in_child(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `child` and leaves with _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = child();
        // SAFETY: ends the child.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child into a live local.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

fn signal_handler() -> Result<String, String> {
    install(libc::SIGUSR1, count_signal as *const () as usize, 0);
    let before = std::hint::black_box(1.25f64) * 7.0;
    // SAFETY: a signal to ourselves.
    unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
    let after = std::hint::black_box(1.25f64) * 7.0;
    let runs = HANDLER_RUNS.load(Ordering::SeqCst);
    if runs == 1 && before == after && after == 8.75 {
        Ok("the handler ran once and the float computation around it is intact".into())
    } else {
        Err(format!(
            "handler ran {runs} times; float {before} then {after}"
        ))
    }
}

/// The unmapped page `segv-handler` writes to.
const SEGV_ADDRESS: u64 = 0x1000;

fn segv_handler() -> Result<String, String> {
    const ADDRESS: u64 = SEGV_ADDRESS;
    let status = in_child(|| {
        install(
            libc::SIGSEGV,
            record_fault as *const () as usize,
            libc::SA_SIGINFO,
        );
        // SAFETY: deliberately writes to an unmapped address; the handler exits.
        unsafe { std::ptr::write_volatile(ADDRESS as *mut u64, 1) };
        1
    });
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 42 {
        Ok(format!(
            "the handler ran for a write to {ADDRESS:#x} and si_addr named it"
        ))
    } else {
        Err(format!("child wait status {status:#x}"))
    }
}

fn pipe() -> [i32; 2] {
    let mut fds = [0i32; 2];
    // SAFETY: pipe writes two descriptors into the array.
    unsafe { libc::pipe(fds.as_mut_ptr()) };
    fds
}

/// A read that a signal interrupts while it waits: its result and errno.
fn interrupted_read(restart: bool) -> (isize, i32) {
    install(
        libc::SIGUSR2,
        count_signal as *const () as usize,
        if restart { libc::SA_RESTART } else { 0 },
    );
    let [read_end, write_end] = pipe();
    let reader = std::thread::spawn(move || {
        // SAFETY: gettid takes no arguments.
        READER_TID.store(unsafe { libc::gettid() }, Ordering::SeqCst);
        let mut buffer = [0u8; 4];
        // SAFETY: reads into a live local buffer.
        let count = unsafe { libc::read(read_end, buffer.as_mut_ptr().cast(), 4) };
        (
            count,
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        )
    });
    while READER_TID.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(50));
    // SAFETY: a signal to a thread of our own process.
    unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            libc::getpid(),
            READER_TID.load(Ordering::SeqCst),
            libc::SIGUSR2,
        )
    };
    std::thread::sleep(Duration::from_millis(50));
    // SAFETY: writes four bytes from a literal.
    unsafe { libc::write(write_end, b"data".as_ptr().cast(), 4) };
    READER_TID.store(0, Ordering::SeqCst);
    reader.join().expect("the reader")
}

fn eintr() -> Result<String, String> {
    let without = interrupted_read(false);
    let with = interrupted_read(true);
    if without == (-1, libc::EINTR) && with.0 == 4 {
        Ok("EINTR without SA_RESTART, the read completes with it".into())
    } else {
        Err(format!("without SA_RESTART {without:?}, with {with:?}"))
    }
}

fn kill_sleeper() -> Result<String, String> {
    // SAFETY: the child only sleeps.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        std::thread::sleep(Duration::from_secs(100));
        // SAFETY: ends the child (never reached when the signal works).
        unsafe { libc::_exit(0) };
    }
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    let mut status = 0;
    // SAFETY: a signal to our own child, then wait for it.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
        libc::waitpid(pid, &mut status, 0);
    }
    let took = start.elapsed();
    if libc::WIFSIGNALED(status)
        && libc::WTERMSIG(status) == libc::SIGTERM
        && took < Duration::from_secs(5)
    {
        Ok(format!("killed by SIGTERM after {} ms", took.as_millis()))
    } else {
        Err(format!(
            "wait status {status:#x} after {} ms",
            took.as_millis()
        ))
    }
}

fn exit_group() -> Result<String, String> {
    let status = in_child(|| {
        let [read_end, _write_end] = pipe();
        for _ in 0..3 {
            std::thread::spawn(move || {
                let mut byte = 0u8;
                // SAFETY: blocks reading one byte into a live local.
                unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
            });
        }
        std::thread::spawn(|| loop {
            std::hint::spin_loop();
        });
        std::thread::sleep(Duration::from_millis(100));
        std::process::exit(9)
    });
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 9 {
        Ok("the process ended with its three blocked and one spinning thread".into())
    } else {
        Err(format!("wait status {status:#x}"))
    }
}

fn map(flags: i32) -> *mut u64 {
    // SAFETY: a fresh anonymous mapping of two pages.
    unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            8192,
            libc::PROT_READ | libc::PROT_WRITE,
            flags | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
        .cast()
    }
}

fn shared_mmap() -> Result<String, String> {
    let (shared, private) = (map(libc::MAP_SHARED), map(libc::MAP_PRIVATE));
    let status = in_child(|| {
        // SAFETY: both mappings are ours (inherited), 8 KiB each.
        unsafe {
            *shared = 42;
            *shared.add(600) = 43;
            *private = 7;
        }
        0
    });
    // SAFETY: as above, in the parent.
    let seen = unsafe { (*shared, *shared.add(600), *private) };
    if status == 0 && seen == (42, 43, 0) {
        Ok("the child's writes show in MAP_SHARED memory, not in MAP_PRIVATE".into())
    } else {
        Err(format!(
            "saw {seen:?} (expected (42, 43, 0)), child status {status:#x}"
        ))
    }
}

fn pin(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn tlb_shootdown() -> Result<String, String> {
    if std::thread::available_parallelism().map_or(1, |count| count.get()) < 2 {
        return Ok("one CPU: nothing to shoot down".into());
    }
    static READING: AtomicBool = AtomicBool::new(false);
    let status = in_child(|| {
        let page = map(libc::MAP_PRIVATE) as usize;
        // SAFETY: our fresh page.
        unsafe { *(page as *mut u64) = 5 };
        std::thread::spawn(move || {
            pin(1);
            loop {
                // SAFETY: reads our page until it is unmapped (then the
                // process dies with SIGSEGV, which is the point).
                unsafe { std::ptr::read_volatile(page as *const u64) };
                READING.store(true, Ordering::SeqCst);
            }
        });
        pin(0);
        while !READING.load(Ordering::SeqCst) {
            std::hint::spin_loop();
        }
        // SAFETY: unmaps the page the other thread reads.
        unsafe { libc::munmap(page as *mut _, 8192) };
        std::thread::sleep(Duration::from_millis(200));
        0 // still alive: the reader kept a stale translation
    });
    if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV {
        Ok("the reader on the other CPU faulted right after the munmap".into())
    } else {
        Err(format!(
            "the reader kept reading the unmapped page (child wait status {status:#x})"
        ))
    }
}

fn proc_files() -> Result<String, String> {
    let status =
        std::fs::read_to_string("/proc/self/status").map_err(|error| format!("status: {error}"))?;
    let maps =
        std::fs::read_to_string("/proc/self/maps").map_err(|error| format!("maps: {error}"))?;
    let meminfo =
        std::fs::read_to_string("/proc/meminfo").map_err(|error| format!("meminfo: {error}"))?;
    let pid_line = format!("Pid:\t{}", std::process::id());
    if status.contains(&pid_line) && maps.contains("[stack]") && meminfo.starts_with("MemTotal:") {
        Ok(format!(
            "status names pid {}, maps has {} areas, meminfo reads",
            std::process::id(),
            maps.lines().count()
        ))
    } else {
        Err(format!(
            "unexpected contents: status {status:?}, maps {maps:?}"
        ))
    }
}

fn stop_continue() -> Result<String, String> {
    let counter = map(libc::MAP_SHARED);
    let read = || {
        // SAFETY: our shared mapping; the child only increments it.
        unsafe { std::ptr::read_volatile(counter) }
    };
    // SAFETY: the child only counts in shared memory.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        loop {
            // SAFETY: the shared mapping, inherited.
            unsafe { std::ptr::write_volatile(counter, std::ptr::read_volatile(counter) + 1) };
        }
    }
    let settle = || std::thread::sleep(Duration::from_millis(100));
    settle();
    let mut status = 0;
    // SAFETY: signals to and waits for our own child.
    let stopped = unsafe {
        libc::kill(pid, libc::SIGSTOP);
        libc::waitpid(pid, &mut status, libc::WUNTRACED)
    };
    let stop_status = status;
    let (before, after) = (read(), {
        settle();
        read()
    });
    // SAFETY: as above.
    let continued = unsafe {
        libc::kill(pid, libc::SIGCONT);
        libc::waitpid(pid, &mut status, libc::WCONTINUED)
    };
    let continue_status = status;
    settle();
    let running = read();
    // SAFETY: as above.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, &mut status, 0);
    }
    let report = format!(
        "stop: waitpid {stopped} status {stop_status:#x}; counter {before} -> {after} while stopped, {running} after SIGCONT (waitpid {continued} status {continue_status:#x}); end status {status:#x}"
    );
    let good = stopped == pid
        && libc::WIFSTOPPED(stop_status)
        && libc::WSTOPSIG(stop_status) == libc::SIGSTOP
        && before == after
        && continued == pid
        && libc::WIFCONTINUED(continue_status)
        && running > after
        && libc::WIFSIGNALED(status)
        && libc::WTERMSIG(status) == libc::SIGKILL;
    if good {
        Ok(report)
    } else {
        Err(report)
    }
}

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut all_passed = true;
    for (name, check) in CHECKS {
        if !wanted.is_empty() && !wanted.iter().any(|arg| arg == name || arg == "all") {
            continue;
        }
        match check() {
            Ok(detail) => println!("KCHECK PASS {name}: {detail}"),
            Err(reason) => {
                all_passed = false;
                println!("KCHECK FAIL {name}: {reason}");
            }
        }
    }
    std::process::exit(if all_passed { 0 } else { 1 });
}
