//! Starting a program from the filesystem as PID 1 at boot: find it, load
//! it, give it the console as descriptors 0-2, and run it on a new thread.
//! Loading happens before the thread starts, so every failure is reported
//! to the caller with its reason.

use super::{command_name, Process, UserThread};
use crate::exec::load::{load, LoadError};
use crate::file::{FdTable, OpenFile};
use crate::sched::JoinHandle;
use alloc::vec::Vec;


/// Why a program did not start.
#[derive(Debug)]
pub enum StartError {
    /// Not found, or not an executable file.
    Lookup(protocol::linux_abi::Errno),
    /// The file is not a program we run, or there is no memory for it.
    Load(LoadError),
    /// No thread for it.
    Spawn(crate::sched::SpawnError),
    /// PID 1 was started already.
    InitAlreadyStarted,
}

impl core::fmt::Display for StartError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StartError::Lookup(protocol::linux_abi::Errno::ENOENT) => write!(formatter, "no such file"),
            StartError::Lookup(protocol::linux_abi::Errno::EACCES) => write!(formatter, "not an executable file"),
            StartError::Lookup(protocol::linux_abi::Errno::EISDIR) => write!(formatter, "a directory"),
            StartError::Lookup(errno) => write!(formatter, "cannot read it (errno {})", errno.0),
            StartError::Load(error) => write!(formatter, "{error}"),
            StartError::Spawn(error) => write!(formatter, "{error}"),
            StartError::InitAlreadyStarted => write!(formatter, "PID 1 is running already"),
        }
    }
}

/// Descriptors 0, 1 and 2 on the console.
fn console_descriptors() -> FdTable {
    const O_RDWR: u64 = 2;
    let mut files = FdTable::new();
    match crate::file::open_path(b"/dev/console", O_RDWR, 0, 0) {
        Ok(console) => {
            let console = OpenFile::new(console);
            for fd in 0..3 {
                files.insert_at(fd, console.clone(), false).expect("descriptors 0-2 fit");
            }
        }
        Err(error) => crate::kwarn!("init: cannot open /dev/console (errno {}); PID 1 starts without descriptors 0-2", error.0),
    }
    files
}

/// Runs the program at the absolute `path` as PID 1 with `arguments`
/// (argv, starting with its name) and `environment`.
pub fn start_program(path: &[u8], arguments: &[&[u8]], environment: &[&[u8]]) -> Result<JoinHandle, StartError> {
    let file = crate::vfs::read_program(&crate::vfs::absolute(b"/", path)).map_err(StartError::Lookup)?;
    let program = load(file.bytes(), arguments, environment, path).map_err(StartError::Load)?;
    let name = command_name(path);
    let thread_name = name.clone();
    let executable = path.to_vec();
    let arguments: Vec<Vec<u8>> = arguments.iter().map(|argument| argument.to_vec()).collect();
    let files = console_descriptors();
    crate::kprintln!("init: running {} as PID 1", core::str::from_utf8(path).unwrap_or("?"));
    let spawned = crate::sched::spawn_init(thread_name, move || {
        let pid = crate::sched::current_thread_id();
        let (entry, stack_pointer) = (program.entry, program.stack_pointer);
        let process = Process::new(pid, alloc::sync::Weak::new(), name, program.memory, files);
        super::set_program(&process, &executable, &arguments.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let space = process.memory().expect("a new process has memory");
        let user = UserThread::new(process);
        super::attach_current(user);
        match crate::thread::UserState::new_initial() {
            Some(state) => Some(crate::thread::UserStart::program(space, state, entry, stack_pointer)),
            None => {
                crate::kprintln!("process {pid}: no memory for its registers");
                super::exit_current(crate::process::EXIT_STATUS_CANNOT_RUN)
            }
        }
    });
    match spawned {
        None => Err(StartError::InitAlreadyStarted),
        Some(result) => result.map_err(StartError::Spawn),
    }
}

