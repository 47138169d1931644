//! `affinitycheck`'s checks of `sched_setaffinity` / `sched_getaffinity`
//! with Linux's semantics; each passes on Linux too (the host test runs
//! them there). Raw system calls, so that libc's wrappers neither hide the
//! returned length nor check arguments first.
//!
//! - `length-rules`: get returns the bytes copied (a multiple of 8, at most
//!   the length given); lengths below 8 or not a multiple of 8: `EINVAL`.
//! - `errors`: unknown pid `ESRCH` (get and set), bad pointer `EFAULT`,
//!   empty mask and zero length `EINVAL`.
//! - `move-self`: after setting a one-CPU set the caller already runs
//!   there when the call returns, for every allowed CPU.
//! - `move-other-thread`: a spinning thread moved by its tid runs only on
//!   its new CPU from just after the call on (samples it takes after the
//!   call returned), and get by tid reports the set.
//! - `inherit`: a fork child and a new thread start with the caller's set.
//! - `competing-setters`: two threads keep moving one spinning thread, each
//!   to its own CPU, and every call returns.

use crate::child_process::fork_and_wait;
use crate::wait_status::ChildEnd;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One check: a name and what it found.
pub type Check = fn() -> Result<String, String>;

/// Every check, in order.
pub const CHECKS: [(&str, Check); 6] = [
    ("length-rules", length_rules),
    ("errors", errors),
    ("move-self", move_self),
    ("move-other-thread", move_other_thread),
    ("inherit", inherit),
    ("competing-setters", competing_setters),
];

/// Bytes of the mask buffers (glibc's `cpu_set_t`: 1024 CPUs).
const MASK_BYTES: usize = 128;
/// A pid no process has (above the default `pid_max` of Linux too).
const NO_SUCH_PID: i64 = 4_000_000;
/// An address no program maps.
const BAD_ADDRESS: usize = 8;

/// `sched_getaffinity(pid, len, buffer)`: the bytes copied, or the errno.
fn get_raw(pid: i64, len: usize, buffer: *mut u8) -> Result<usize, i32> {
    // SAFETY: the kernel writes at most `len` bytes at `buffer`; callers
    // pass a buffer at least that long, or an address meant to fault
    // (the kernel reports EFAULT, it does not write there).
    let result = unsafe { libc::syscall(libc::SYS_sched_getaffinity, pid, len, buffer) };
    if result < 0 {
        Err(errno())
    } else {
        Ok(result as usize)
    }
}

/// `sched_setaffinity(pid, len, mask)`: the errno on failure.
fn set_raw(pid: i64, len: usize, mask: *const u8) -> Result<(), i32> {
    // SAFETY: the kernel reads at most `len` bytes at `mask` (or faults
    // cleanly on a bad address, which it reports as EFAULT).
    let result = unsafe { libc::syscall(libc::SYS_sched_setaffinity, pid, len, mask) };
    if result < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn mask_of(cpus: &BTreeSet<usize>) -> [u8; MASK_BYTES] {
    let mut mask = [0u8; MASK_BYTES];
    for &cpu in cpus.iter().filter(|&&cpu| cpu < MASK_BYTES * 8) {
        mask[cpu / 8] |= 1 << (cpu % 8);
    }
    mask
}

fn cpus_of(mask: &[u8]) -> BTreeSet<usize> {
    (0..mask.len() * 8)
        .filter(|cpu| mask[cpu / 8] & (1 << (cpu % 8)) != 0)
        .collect()
}

/// The CPUs thread `pid` may use (0: the caller).
pub fn get(pid: i64) -> Result<BTreeSet<usize>, String> {
    let mut mask = [0u8; MASK_BYTES];
    let copied = get_raw(pid, MASK_BYTES, mask.as_mut_ptr())
        .map_err(|errno| format!("get({pid}): errno {errno}"))?;
    Ok(cpus_of(&mask[..copied]))
}

/// Sets the CPUs thread `pid` may use (0: the caller).
pub fn set(pid: i64, cpus: &BTreeSet<usize>) -> Result<(), String> {
    set_raw(pid, MASK_BYTES, mask_of(cpus).as_ptr())
        .map_err(|errno| format!("set({pid}, {cpus:?}): errno {errno}"))
}

fn current_cpu() -> usize {
    // SAFETY: no arguments.
    usize::try_from(unsafe { libc::sched_getcpu() }).unwrap_or(usize::MAX)
}

fn gettid() -> i64 {
    // SAFETY: no arguments.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

/// Runs `body` with the caller's set restored afterwards.
fn keeping_affinity(
    body: impl FnOnce(&BTreeSet<usize>) -> Result<String, String>,
) -> Result<String, String> {
    let original = get(0)?;
    let result = body(&original);
    set(0, &original)?;
    result
}

fn expect_errno(
    what: &str,
    result: Result<impl std::fmt::Debug, i32>,
    wanted: i32,
) -> Result<(), String> {
    match result {
        Err(errno) if errno == wanted => Ok(()),
        other => Err(format!("{what}: {other:?}, expected errno {wanted}")),
    }
}

fn length_rules() -> Result<String, String> {
    let mut buffer = [0u8; MASK_BYTES];
    let copied = get_raw(0, MASK_BYTES, buffer.as_mut_ptr())
        .map_err(|errno| format!("get with 128 bytes: errno {errno}"))?;
    if copied == 0 || copied % 8 != 0 || copied > MASK_BYTES {
        return Err(format!("get with 128 bytes returned {copied}"));
    }
    let again = get_raw(0, copied, buffer.as_mut_ptr())
        .map_err(|errno| format!("get with {copied} bytes: errno {errno}"))?;
    if again != copied {
        return Err(format!("get with {copied} bytes returned {again}"));
    }
    for bad in [0, 4, 7, 12] {
        expect_errno(
            &format!("get with {bad} bytes"),
            get_raw(0, bad, buffer.as_mut_ptr()),
            libc::EINVAL,
        )?;
    }
    let cpus = cpus_of(&buffer[..copied]);
    if cpus.is_empty() {
        return Err("get reported no CPU".into());
    }
    Ok(format!(
        "{copied} bytes copied, CPUs {cpus:?}; 0, 4, 7, 12 bytes: EINVAL"
    ))
}

fn errors() -> Result<String, String> {
    let mut buffer = [0u8; MASK_BYTES];
    let any = mask_of(&get(0)?);
    expect_errno(
        "get of no pid",
        get_raw(NO_SUCH_PID, MASK_BYTES, buffer.as_mut_ptr()),
        libc::ESRCH,
    )?;
    expect_errno(
        "get of pid -1",
        get_raw(-1, MASK_BYTES, buffer.as_mut_ptr()),
        libc::ESRCH,
    )?;
    expect_errno(
        "set of no pid",
        set_raw(NO_SUCH_PID, MASK_BYTES, any.as_ptr()),
        libc::ESRCH,
    )?;
    expect_errno(
        "get into a bad pointer",
        get_raw(0, MASK_BYTES, BAD_ADDRESS as *mut u8),
        libc::EFAULT,
    )?;
    expect_errno(
        "set from a bad pointer",
        set_raw(0, MASK_BYTES, BAD_ADDRESS as *const u8),
        libc::EFAULT,
    )?;
    expect_errno(
        "set of the empty mask",
        set_raw(0, MASK_BYTES, [0u8; MASK_BYTES].as_ptr()),
        libc::EINVAL,
    )?;
    expect_errno(
        "set with length 0",
        set_raw(0, 0, any.as_ptr()),
        libc::EINVAL,
    )?;
    Ok("ESRCH, EFAULT and EINVAL where Linux gives them".into())
}

fn move_self() -> Result<String, String> {
    keeping_affinity(|original| {
        for &cpu in original {
            set(0, &BTreeSet::from([cpu]))?;
            let now = current_cpu();
            if now != cpu {
                return Err(format!("set to CPU {cpu}, returned on CPU {now}"));
            }
            if get(0)? != BTreeSet::from([cpu]) {
                return Err(format!("get after set to CPU {cpu}: {:?}", get(0)?));
            }
        }
        Ok(format!("on each of {original:?} when the call returned"))
    })
}

/// What the spinning thread of `move_other_thread` shares.
struct Spinner {
    tid: AtomicI64,
    /// Samples taken so far.
    samples: AtomicU64,
    /// The CPU of the last sample.
    cpu: AtomicU64,
    /// Samples numbered from here on must be on `expected`.
    checked_from: AtomicU64,
    expected: AtomicU64,
    /// Checked samples that were elsewhere.
    wrong: AtomicU64,
    stop: AtomicBool,
}

/// Samples the spinner must take after the move.
const SAMPLES_AFTER_MOVE: u64 = 2000;
/// How long the spinner may take for them (TCG on a loaded host).
const SPIN_TIMEOUT: Duration = Duration::from_secs(20);

/// A thread running [`spin`] (nothing checked until `checked_from` is set).
fn start_spinner() -> (Arc<Spinner>, std::thread::JoinHandle<()>) {
    let shared = Arc::new(Spinner {
        tid: AtomicI64::new(0),
        samples: AtomicU64::new(0),
        cpu: AtomicU64::new(0),
        checked_from: AtomicU64::new(u64::MAX),
        expected: AtomicU64::new(u64::MAX),
        wrong: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let spinner = {
        let shared = shared.clone();
        std::thread::spawn(move || spin(&shared))
    };
    (shared, spinner)
}

fn spin(shared: &Spinner) {
    shared.tid.store(gettid(), Ordering::SeqCst);
    while !shared.stop.load(Ordering::SeqCst) {
        let cpu = current_cpu() as u64;
        let number = shared.samples.load(Ordering::SeqCst);
        if number >= shared.checked_from.load(Ordering::SeqCst)
            && cpu != shared.expected.load(Ordering::SeqCst)
        {
            shared.wrong.fetch_add(1, Ordering::SeqCst);
        }
        shared.cpu.store(cpu, Ordering::SeqCst);
        shared.samples.fetch_add(1, Ordering::SeqCst);
    }
}

fn move_other_thread() -> Result<String, String> {
    let allowed = get(0)?;
    if allowed.len() < 2 {
        return Ok("one CPU: nowhere to move to".into());
    }
    let (shared, spinner) = start_spinner();
    let result = (|| {
        let deadline = Instant::now() + SPIN_TIMEOUT;
        while shared.samples.load(Ordering::SeqCst) < 100 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        let tid = shared.tid.load(Ordering::SeqCst);
        let from = shared.cpu.load(Ordering::SeqCst) as usize;
        let target = *allowed
            .iter()
            .find(|&&cpu| cpu != from)
            .ok_or("no other CPU")?;
        shared.expected.store(target as u64, Ordering::SeqCst);
        set(tid, &BTreeSet::from([target]))?;
        // A sample taken before the move may still be counted after the
        // call returns: check from the second one after it.
        let first_checked = shared.samples.load(Ordering::SeqCst) + 2;
        shared.checked_from.store(first_checked, Ordering::SeqCst);
        while shared.samples.load(Ordering::SeqCst) < first_checked + SAMPLES_AFTER_MOVE {
            if Instant::now() > deadline {
                return Err(format!(
                    "the spinner took only {} samples",
                    shared.samples.load(Ordering::SeqCst)
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let reported = get(tid)?;
        let wrong = shared.wrong.load(Ordering::SeqCst);
        if wrong != 0 || reported != BTreeSet::from([target]) {
            return Err(format!("moved {tid} from CPU {from} to {target}: {wrong} samples elsewhere, get says {reported:?}"));
        }
        Ok(format!(
            "thread moved from CPU {from} to {target} by the time the call returned"
        ))
    })();
    shared.stop.store(true, Ordering::SeqCst);
    spinner.join().map_err(|_| "the spinner panicked")?;
    result
}

fn inherit() -> Result<String, String> {
    keeping_affinity(|original| {
        let chosen = BTreeSet::from([*original.iter().next_back().ok_or("no CPU")?]);
        set(0, &chosen)?;
        let child_chosen = chosen.clone();
        let child = fork_and_wait(move || i32::from(get(0).ok() != Some(child_chosen)))
            .map_err(|error| format!("fork: {error}"))?;
        if child != ChildEnd::Exited(0) {
            return Err(format!("the fork child did not see {chosen:?}: {child:?}"));
        }
        let in_thread = std::thread::spawn(|| get(0))
            .join()
            .map_err(|_| "the thread panicked")??;
        if in_thread != chosen {
            return Err(format!("a new thread has {in_thread:?}, not {chosen:?}"));
        }
        Ok(format!("fork child and thread start with {chosen:?}"))
    })
}

/// Calls each setter of `competing-setters` makes.
const COMPETING_CALLS: u64 = 200;

/// Two threads keep moving one spinning thread, each to its own CPU:
/// every call must return. A setter waits until the thread left a CPU its
/// set forbids; it must judge by the thread's set as it is now, since the
/// other setter may have moved the thread on (to a CPU the first one's
/// set did not have) in the meantime.
fn competing_setters() -> Result<String, String> {
    let cpus: Vec<usize> = get(0)?.into_iter().take(2).collect();
    let [first, second] = cpus[..] else {
        return Ok("one CPU: nothing to compete for".into());
    };
    let (shared, spinner) = start_spinner();
    let deadline = Instant::now() + SPIN_TIMEOUT;
    while shared.samples.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    let tid = shared.tid.load(Ordering::SeqCst);
    let finished = Arc::new(AtomicU64::new(0));
    let setters: Vec<_> = [first, second]
        .into_iter()
        .map(|cpu| {
            let finished = finished.clone();
            std::thread::spawn(move || -> Result<(), String> {
                for _ in 0..COMPETING_CALLS {
                    set(tid, &BTreeSet::from([cpu]))?;
                }
                finished.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        })
        .collect();
    while finished.load(Ordering::SeqCst) < 2 {
        if Instant::now() > deadline {
            return Err(format!(
                "{} of 2 setters made their {COMPETING_CALLS} calls within {} s: a sched_setaffinity call did not return",
                finished.load(Ordering::SeqCst),
                SPIN_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for setter in setters {
        setter.join().map_err(|_| "a setter panicked")??;
    }
    shared.stop.store(true, Ordering::SeqCst);
    spinner.join().map_err(|_| "the spinner panicked")?;
    Ok(format!(
        "two setters moved thread {tid} to CPU {first} and to CPU {second}, {COMPETING_CALLS} times each; every call returned"
    ))
}
