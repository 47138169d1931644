//! `bench`: user-space figures of the kernel, as a plain static Linux
//! program (so the same binary runs under Linux for comparison, see
//! `cargo xtask bench --against-linux`). Prints one line per figure,
//! `BENCH-USER NAME median_ns=N`, then `BENCH-USER done cpus=N`; as PID 1
//! it powers the machine off afterwards.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// Runs `f(iterations)` once to warm up, then `rounds` times: the median
/// time per iteration in nanoseconds.
fn measure(rounds: usize, iterations: u64, mut f: impl FnMut(u64)) -> f64 {
    f(iterations / 10 + 1);
    let samples = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f(iterations);
            start.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    median(samples)
}

fn pin(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET and
    // sched_setaffinity only read and write it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn futex(word: &AtomicU32, operation: i32, value: u32) {
    // SAFETY: `word` is a live, aligned u32; no timeout, no second word.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            operation | libc::FUTEX_PRIVATE_FLAG,
            value,
            0usize,
        )
    };
}

fn getpid_raw() {
    // SAFETY: getpid takes no arguments.
    unsafe { libc::syscall(libc::SYS_getpid) };
}

fn sched_yield() {
    // SAFETY: sched_yield takes no arguments.
    unsafe { libc::sched_yield() };
}

fn read_byte(fd: i32) -> u8 {
    let mut byte = 0u8;
    // SAFETY: one byte into a live local.
    let count = unsafe { libc::read(fd, (&mut byte as *mut u8).cast(), 1) };
    if count == 1 {
        byte
    } else {
        0
    }
}

fn write_byte(fd: i32, byte: u8) {
    // SAFETY: one byte from a live local.
    unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
}

fn pipe() -> [i32; 2] {
    let mut fds = [0i32; 2];
    // SAFETY: pipe writes two descriptors into the array.
    unsafe { libc::pipe(fds.as_mut_ptr()) };
    fds
}

fn fork_exit_wait() {
    // SAFETY: the child only calls _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(0) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a live local.
    unsafe { libc::waitpid(pid, &mut status, 0) };
}

fn report(name: &str, nanoseconds: f64) {
    println!("BENCH-USER {name} median_ns={nanoseconds:.0}");
}

fn main() {
    let cpus = std::thread::available_parallelism()
        .map(|count| count.get())
        .unwrap_or(1);
    report(
        "getpid",
        measure(9, 20_000, |n| (0..n).for_each(|_| getpid_raw())),
    );

    // sched_yield round trip: two threads on CPU 0 take turns.
    pin(0);
    let stop = Arc::new(AtomicU32::new(0));
    let other = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            pin(0);
            while stop.load(Ordering::Relaxed) == 0 {
                sched_yield();
            }
        })
    };
    report(
        "sched_yield_round_trip",
        2.0 * measure(9, 2_000, |n| (0..n).for_each(|_| sched_yield())),
    );
    stop.store(1, Ordering::Relaxed);
    other.join().expect("the yielding thread");

    if cpus > 1 {
        // Futex wake across CPUs: a ping-pong through two words.
        let words = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
        let partner = {
            let words = words.clone();
            std::thread::spawn(move || {
                pin(1);
                let mut seen = 0;
                loop {
                    while words[0].load(Ordering::Acquire) == seen {
                        futex(&words[0], libc::FUTEX_WAIT, seen);
                    }
                    seen = words[0].load(Ordering::Acquire);
                    if seen == u32::MAX {
                        return;
                    }
                    words[1].store(seen, Ordering::Release);
                    futex(&words[1], libc::FUTEX_WAKE, 1);
                }
            })
        };
        pin(0);
        let mut counter = 0u32;
        let nanoseconds = measure(7, 500, |n| {
            for _ in 0..n {
                counter += 1;
                words[0].store(counter, Ordering::Release);
                futex(&words[0], libc::FUTEX_WAKE, 1);
                while words[1].load(Ordering::Acquire) != counter {
                    futex(&words[1], libc::FUTEX_WAIT, counter - 1);
                }
            }
        });
        words[0].store(u32::MAX, Ordering::Release);
        futex(&words[0], libc::FUTEX_WAKE, 1);
        partner.join().expect("the futex partner");
        report("futex_wake_round_trip_across_cpus", nanoseconds);

        // Pipe ping-pong across CPUs.
        let (to_echo, from_echo) = (pipe(), pipe());
        let echo = std::thread::spawn(move || {
            pin(1);
            loop {
                let byte = read_byte(to_echo[0]);
                if byte == 0 {
                    return;
                }
                write_byte(from_echo[1], byte);
            }
        });
        pin(0);
        let nanoseconds = measure(7, 500, |n| {
            for _ in 0..n {
                write_byte(to_echo[1], 1);
                read_byte(from_echo[0]);
            }
        });
        write_byte(to_echo[1], 0);
        echo.join().expect("the echo thread");
        report("pipe_round_trip_across_cpus", nanoseconds);
    }
    report(
        "fork_exit_wait",
        measure(5, 50, |n| (0..n).for_each(|_| fork_exit_wait())),
    );
    report(
        "thread_create_join",
        measure(5, 100, |n| {
            (0..n).for_each(|_| std::thread::spawn(|| {}).join().expect("an empty thread"))
        }),
    );
    println!("BENCH-USER done cpus={cpus}");
    if std::process::id() == 1 {
        // SAFETY: PID 1 ends the machine; nothing is left to run.
        unsafe { libc::reboot(libc::RB_POWER_OFF) };
    }
}
