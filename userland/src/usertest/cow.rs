//! `usertest cow`: after `fork`, writes by either process to 16 pages of
//! heap and to a static must not be seen by the other (copy-on-write
//! isolation in both directions). The two processes take turns through pipes.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use super::pipe::pipe;
use super::verdict::CheckResult;
use crate::child_process::{fork_running, wait_for};
use crate::wait_status::ChildEnd;

const PAGE_BYTES: usize = 4096;
const PAGES: usize = 16;
const BEFORE_FORK: u8 = 0xa5;
const CHILD_WRITES: u8 = 0x5a;
const PARENT_WRITES: u8 = 0x33;
static STATIC_WORD: AtomicU64 = AtomicU64::new(BEFORE_FORK as u64);

/// Child exit codes, one per thing it can find wrong.
const CHILD_SAW_WRONG_START: i32 = 10;
const CHILD_SAW_PARENT_WRITE: i32 = 11;
const CHILD_PIPE_FAILED: i32 = 12;

fn all(buffer: &[u8], value: u8) -> bool {
    buffer.iter().all(|byte| *byte == value)
}

fn fill(buffer: &mut [u8], value: u8) {
    // One write per page is what matters for copy-on-write; fill them all.
    buffer.iter_mut().for_each(|byte| *byte = value);
    STATIC_WORD.store(value.into(), Ordering::SeqCst);
}

/// Runs the isolation check.
pub fn check_cow() -> CheckResult {
    let mut pages = vec![BEFORE_FORK; PAGES * PAGE_BYTES];
    STATIC_WORD.store(BEFORE_FORK.into(), Ordering::SeqCst);
    let (mut child_reads, mut parent_writes) = pipe().map_err(|error| format!("pipe: {error}"))?;
    let (mut parent_reads, mut child_writes) = pipe().map_err(|error| format!("pipe: {error}"))?;
    // The child's pipe ends move into the closure, which fork_running drops
    // in the parent: a child that dies early gives the parent EOF, not a hang.
    let child_pages = &mut pages;
    let child = fork_running(move || {
        let pages = child_pages;
        if !all(pages, BEFORE_FORK) || STATIC_WORD.load(Ordering::SeqCst) != u64::from(BEFORE_FORK)
        {
            return CHILD_SAW_WRONG_START;
        }
        fill(pages, CHILD_WRITES);
        let mut token = [0u8];
        if child_writes
            .write_all(b"w")
            .and_then(|()| child_reads.read_exact(&mut token))
            .is_err()
        {
            return CHILD_PIPE_FAILED;
        }
        if !all(pages, CHILD_WRITES)
            || STATIC_WORD.load(Ordering::SeqCst) != u64::from(CHILD_WRITES)
        {
            return CHILD_SAW_PARENT_WRITE;
        }
        0
    })
    .map_err(|error| format!("fork: {error}"))?;
    let mut token = [0u8];
    parent_reads
        .read_exact(&mut token)
        .map_err(|error| format!("waiting for the child's write: {error}"))?;
    let isolated_from_child =
        all(&pages, BEFORE_FORK) && STATIC_WORD.load(Ordering::SeqCst) == u64::from(BEFORE_FORK);
    fill(&mut pages, PARENT_WRITES);
    parent_writes
        .write_all(b"p")
        .map_err(|error| format!("waking the child: {error}"))?;
    let (_, end) = wait_for(child).map_err(|error| format!("waitpid: {error}"))?;
    if !isolated_from_child {
        return Err("the parent sees the child's writes".into());
    }
    match end {
        ChildEnd::Exited(0) => Ok(format!(
            "{PAGES} heap pages and a static stayed private to each process"
        )),
        ChildEnd::Exited(code) if i32::from(code) == CHILD_SAW_WRONG_START => {
            Err("the child did not see the pre-fork values".into())
        }
        ChildEnd::Exited(code) if i32::from(code) == CHILD_SAW_PARENT_WRITE => {
            Err("the child sees the parent's writes".into())
        }
        other => Err(format!("the child {other}")),
    }
}
