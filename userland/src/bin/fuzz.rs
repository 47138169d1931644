//! `fuzz [PROCESSES] [CALLS]`: the system-call fuzzer. Many processes at
//! once call every implemented system call with edge-case numbers and
//! every class of bad pointer (null, unmapped, read-only, kernel,
//! non-canonical, wrapping, straddling into an unmapped page). Two warm-up
//! rounds, then three measured rounds: after each, with the processes
//! reaped, free memory and kernel heap (`/proc/meminfo`) must be back to
//! (or better than) the values after the warm-up. Prints `FUZZ PASS ...`
//! or `FUZZ FAIL ...`. Calls that would end, replace or stall the fuzzer
//! itself (exit, execve, reboot, kill, fork, blocking waits) are left out
//! or made non-blocking. Meant for the guest only: it creates, renames and
//! unlinks at random paths (random bytes make absolute paths too) and
//! cleans up `/` and `/tmp` after each round.

use std::ptr;

/// xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

const PAGE: u64 = 4096;
/// Pages of the scratch area the fuzzer lets calls write and unmap (page
/// 0 holds a zero timespec and stays mapped).
const SCRATCH_PAGES: u64 = 64;

/// Addresses of every kind the calls get.
struct Pointers {
    unmapped: u64,
    read_only: u64,
    straddle: u64,
    scratch: u64,
}

fn map(pages: u64) -> u64 {
    // SAFETY: a fresh anonymous mapping; nothing aliases it.
    unsafe {
        libc::mmap(
            ptr::null_mut(),
            (pages * PAGE) as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        ) as u64
    }
}

fn setup() -> Pointers {
    let region = map(4);
    // SAFETY: pages of our own fresh mapping: a hole at page 1, page 2 read-only.
    unsafe {
        libc::munmap((region + PAGE) as *mut _, PAGE as usize);
        libc::mprotect(
            (region + 2 * PAGE) as *mut _,
            PAGE as usize,
            libc::PROT_READ,
        );
    }
    Pointers {
        unmapped: region + PAGE,
        read_only: region + 2 * PAGE,
        straddle: region + PAGE - 8,
        scratch: map(SCRATCH_PAGES),
    }
}

fn pointer(rng: &mut Rng, pointers: &Pointers) -> u64 {
    match rng.below(9) {
        0 => 0,
        1 => pointers.unmapped,
        2 => pointers.read_only,
        3 => 0xffff_ffff_8000_0000,
        4 => 0x0000_8000_0000_0000,
        5 => pointers.straddle,
        6 => u64::MAX - 7,
        _ => pointers.scratch + PAGE + rng.below((SCRATCH_PAGES - 2) * PAGE),
    }
}

fn number(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => u64::MAX,
        2 => 1,
        3 => rng.below(64),
        4 => 0x7fff_ffff,
        5 => PAGE,
        6 => 1 << 40,
        _ => rng.next(),
    }
}

/// Implemented calls that cannot end, replace or stall the fuzzer.
const CALLS: &[i64] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_open,
    libc::SYS_close,
    libc::SYS_stat,
    libc::SYS_fstat,
    libc::SYS_lstat,
    libc::SYS_poll,
    libc::SYS_lseek,
    libc::SYS_mmap,
    libc::SYS_mprotect,
    libc::SYS_munmap,
    libc::SYS_brk,
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_ioctl,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_access,
    libc::SYS_pipe,
    libc::SYS_sched_yield,
    libc::SYS_madvise,
    libc::SYS_dup,
    libc::SYS_dup2,
    libc::SYS_nanosleep,
    libc::SYS_getpid,
    libc::SYS_uname,
    libc::SYS_fcntl,
    libc::SYS_getcwd,
    libc::SYS_chdir,
    libc::SYS_fchdir,
    libc::SYS_rename,
    libc::SYS_mkdir,
    libc::SYS_rmdir,
    libc::SYS_creat,
    libc::SYS_unlink,
    libc::SYS_symlink,
    libc::SYS_readlink,
    libc::SYS_chmod,
    libc::SYS_fchmod,
    libc::SYS_chown,
    libc::SYS_umask,
    libc::SYS_gettimeofday,
    libc::SYS_getrlimit,
    libc::SYS_sysinfo,
    libc::SYS_getuid,
    libc::SYS_getppid,
    libc::SYS_getpgrp,
    libc::SYS_setsid,
    libc::SYS_setpgid,
    libc::SYS_getpgid,
    libc::SYS_getsid,
    libc::SYS_sigaltstack,
    libc::SYS_gettid,
    libc::SYS_futex,
    libc::SYS_sched_getaffinity,
    libc::SYS_clock_gettime,
    libc::SYS_clock_getres,
    libc::SYS_clock_nanosleep,
    libc::SYS_openat,
    libc::SYS_mkdirat,
    libc::SYS_newfstatat,
    libc::SYS_unlinkat,
    libc::SYS_renameat,
    libc::SYS_renameat2,
    libc::SYS_readlinkat,
    libc::SYS_faccessat,
    libc::SYS_faccessat2,
    libc::SYS_ppoll,
    libc::SYS_pselect6,
    libc::SYS_dup3,
    libc::SYS_pipe2,
    libc::SYS_prlimit64,
    libc::SYS_getcpu,
    libc::SYS_getrandom,
    libc::SYS_statx,
    libc::SYS_getdents64,
    libc::SYS_wait4,
    libc::SYS_waitid,
    libc::SYS_truncate,
    libc::SYS_ftruncate,
    libc::SYS_utimensat,
    libc::SYS_arch_prctl,
    libc::SYS_fchmodat,
    libc::SYS_fchownat,
    libc::SYS_set_robust_list,
    libc::SYS_getdents64,
];

fn set_nonblocking(fd: u64) {
    // SAFETY: F_SETFL on a descriptor number; a closed one gives EBADF.
    unsafe { libc::fcntl(fd as i32, libc::F_SETFL, libc::O_NONBLOCK) };
}

fn one_call(rng: &mut Rng, pointers: &Pointers) {
    let call = CALLS[rng.below(CALLS.len() as u64) as usize];
    let mut args = [0u64; 6];
    for arg in args.iter_mut() {
        *arg = if rng.below(2) == 0 {
            pointer(rng, pointers)
        } else {
            number(rng)
        };
    }
    let zero_timespec = pointers.scratch;
    match call {
        // Memory edits stay inside the scratch area (not its first page).
        libc::SYS_munmap | libc::SYS_mprotect | libc::SYS_madvise => {
            args[0] = pointers.scratch + (1 + rng.below(SCRATCH_PAGES - 1)) * PAGE;
            args[1] = rng.below(8) * PAGE;
        }
        libc::SYS_mmap => {
            args[3] &= 0xffff_ffff & !(libc::MAP_FIXED as u64 | libc::MAP_FIXED_NOREPLACE as u64);
            args[1] %= 1 << 24;
        }
        libc::SYS_brk => args[0] = 0,
        libc::SYS_close | libc::SYS_dup2 | libc::SYS_dup3 => {
            args[0] = 3 + rng.below(20);
            args[1] = 3 + rng.below(20);
        }
        libc::SYS_arch_prctl => args[0] = 0x1003 + rng.below(2), // only the GET codes
        libc::SYS_rt_sigaction => args[0] = libc::SIGUSR2 as u64, // a signal nobody sends
        libc::SYS_nanosleep | libc::SYS_clock_nanosleep => {
            args[0] = zero_timespec;
            args[2] = zero_timespec;
        }
        libc::SYS_poll => args[2] = 0,
        libc::SYS_ppoll => args[2] = zero_timespec,
        libc::SYS_pselect6 => args[4] = zero_timespec,
        libc::SYS_read
        | libc::SYS_readv
        | libc::SYS_pread64
        | libc::SYS_write
        | libc::SYS_writev
        | libc::SYS_pwrite64 => {
            args[0] = 3 + rng.below(20);
            set_nonblocking(args[0]);
        }
        libc::SYS_wait4 => args[2] |= libc::WNOHANG as u64,
        libc::SYS_waitid => args[3] |= libc::WNOHANG as u64,
        libc::SYS_futex => {
            args[1] = libc::FUTEX_WAKE as u64 | (args[1] & libc::FUTEX_PRIVATE_FLAG as u64)
        }
        libc::SYS_sigaltstack => args[0] = 0,
        _ => {}
    }
    // SAFETY: the arguments are hostile on purpose, but every call that
    // could write to our memory may only reach the scratch area or fail;
    // the ones that could end or stall this process were left out above.
    unsafe { libc::syscall(call, args[0], args[1], args[2], args[3], args[4], args[5]) };
}

fn fuzz_process(seed: u64, calls: u32) -> i32 {
    // SAFETY: ignoring SIGPIPE changes nothing but write's error.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let pointers = setup();
    let mut rng = Rng(seed | 1);
    let directory = format!("/tmp/fuzz{seed}");
    let _ = std::fs::create_dir_all(&directory);
    let _ = std::env::set_current_dir(&directory);
    for _ in 0..calls {
        // SAFETY: the first scratch page is ours and stays mapped.
        unsafe { ptr::write_bytes(pointers.scratch as *mut u8, 0, 16) };
        one_call(&mut rng, &pointers);
    }
    0
}

/// Kernel heap growth tolerated after the warm-up: one more node of the
/// kernel's process and thread maps (their sizes follow the live ids).
/// A leak of one object per process (hundreds of bytes, times 8 processes
/// per round) exceeds it within a round.
const HEAP_SLACK_BYTES: u64 = 1024;
/// Free memory tolerated below the warm-up value: two kernel stacks (an
/// exited thread's stack and address space can go back a moment after its
/// parent reaped it: a CPU drops them at its next switch).
const FREE_SLACK_KIB: u64 = 64;
/// How long to let CPUs settle before measuring.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

fn meminfo(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// One round: `processes` fuzzers at once; how many ended cleanly.
fn round(processes: u64, calls: u32, seed: u64) -> u64 {
    let mut children = Vec::new();
    for index in 0..processes {
        // SAFETY: the child runs the fuzzer and leaves with _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: ends the child.
            unsafe { libc::_exit(fuzz_process(seed * 1000 + index, calls)) };
        }
        children.push(pid);
    }
    let mut clean = 0;
    for pid in children {
        let mut status = 0;
        // SAFETY: waits for our own child into a live local.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        clean += u64::from(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }
    remove_new_entries("/tmp", &[]);
    clean
}

/// Removes what the fuzzers created in `directory` (absolute paths from
/// random bytes land anywhere), keeping the names in `keep`.
fn remove_new_entries(directory: &str, keep: &[String]) {
    for entry in std::fs::read_dir(directory).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if keep.contains(&name) {
            continue;
        }
        let path = entry.path();
        let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
    }
}

/// The names in `/` now (so that what the fuzzers add can be removed).
fn root_names() -> Vec<String> {
    std::fs::read_dir("/")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let processes: u64 = args.get(1).and_then(|arg| arg.parse().ok()).unwrap_or(8);
    let calls: u32 = args.get(2).and_then(|arg| arg.parse().ok()).unwrap_or(2000);
    let original_root = root_names();
    // Two warm-up rounds: the first runs of the kernel's paths take memory
    // it keeps (page tables of new kernel-stack slots, the heap's growth).
    for seed in 1..3 {
        let clean = round(processes, calls, seed);
        remove_new_entries("/", &original_root);
        println!("fuzz: warm-up round {seed}: {clean} of {processes} processes ended cleanly");
    }
    // Frames the kernel heap keeps once it has grown count as free here.
    let free_or_heap = || {
        std::thread::sleep(SETTLE);
        meminfo("MemFree:") + meminfo("KernelHeapMapped:")
    };
    let (free, heap) = (free_or_heap(), meminfo("KernelHeap:"));
    println!("fuzz: after warm-up: {free} KiB free (with the heap's mapped frames), kernel heap {heap} B");
    let mut failures = Vec::new();
    for seed in 3..6 {
        let clean = round(processes, calls, seed);
        remove_new_entries("/", &original_root);
        let (free_now, heap_now) = (free_or_heap(), meminfo("KernelHeap:"));
        println!("fuzz: round {seed}: {clean} of {processes} processes x {calls} calls ended cleanly; {free_now} KiB free, kernel heap {heap_now} B");
        // Less memory in use than after the warm-up is fine; more is a
        // leak, beyond what the kernel's tables may legitimately grow by
        // once (see the constants).
        if free_now + FREE_SLACK_KIB < free || heap_now > heap + HEAP_SLACK_BYTES {
            failures.push(format!("round {seed}: free {free_now} KiB (warm-up {free}), heap {heap_now} B (warm-up {heap})"));
        }
    }
    let syscalls = std::fs::read_to_string("/proc/syscalls")
        .unwrap_or_default()
        .replace('\n', " ");
    if failures.is_empty() {
        println!("FUZZ PASS {processes} processes x {calls} calls x 3 rounds, nothing leaked; /proc/syscalls: {syscalls}");
    } else {
        println!(
            "FUZZ FAIL memory not back to the warm-up values: {}",
            failures.join("; ")
        );
        std::process::exit(1);
    }
}
