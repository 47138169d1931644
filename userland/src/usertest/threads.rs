//! `usertest threads`: four std threads take turns under one `Mutex`, woken
//! through one `Condvar`; the log of turns must be 0,1,2,3,0,1,... exactly.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use super::verdict::CheckResult;

/// Threads taking turns.
pub const THREAD_COUNT: usize = 4;
/// Turns each thread takes.
pub const ROUNDS_PER_THREAD: usize = 100;

struct Turns {
    next: usize,
    log: Vec<usize>,
}

/// Runs the turn-taking and checks the log.
pub fn check_threads() -> CheckResult {
    let shared = Arc::new((
        Mutex::new(Turns {
            next: 0,
            log: Vec::new(),
        }),
        Condvar::new(),
    ));
    let workers: Vec<_> = (0..THREAD_COUNT)
        .map(|me| {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("turn-taker-{me}"))
                .spawn(move || take_turns(me, &shared))
                .map_err(|error| format!("cannot spawn thread {me}: {error}"))
        })
        .collect::<Result<_, _>>()?;
    for (index, worker) in workers.into_iter().enumerate() {
        worker
            .join()
            .map_err(|_| format!("thread {index} panicked"))?;
    }
    let turns = shared.0.lock().map_err(|_| "mutex poisoned".to_string())?;
    let expected: Vec<usize> = (0..THREAD_COUNT * ROUNDS_PER_THREAD)
        .map(|turn| turn % THREAD_COUNT)
        .collect();
    if turns.log != expected {
        let first_wrong = turns
            .log
            .iter()
            .zip(&expected)
            .position(|(got, want)| got != want);
        return Err(format!(
            "turns out of order (log of {} turns, first wrong at {first_wrong:?})",
            turns.log.len()
        ));
    }
    Ok(format!(
        "{THREAD_COUNT} threads took {} turns in order",
        turns.log.len()
    ))
}

fn take_turns(me: usize, shared: &(Mutex<Turns>, Condvar)) {
    let (lock, turn_changed) = shared;
    for _ in 0..ROUNDS_PER_THREAD {
        let mut turns = turn_changed
            .wait_while(lock.lock().expect("mutex poisoned"), |turns| {
                turns.next % THREAD_COUNT != me
            })
            .expect("mutex poisoned");
        turns.log.push(me);
        turns.next += 1;
        turn_changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_take_turns_in_order() {
        assert_eq!(
            check_threads(),
            Ok("4 threads took 400 turns in order".to_string())
        );
    }
}
