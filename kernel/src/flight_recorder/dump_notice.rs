//! The console's one-line notice of a live dump (`/sys/kernel/tracing/dump`,
//! SysRq `z`): `trace: dumped K events of N CPUs (L lost to overwriting, T
//! torn) to the trace port (COM2)`.

use super::DumpReport;
use core::fmt;

impl fmt::Display for DumpReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "trace: dumped {} events of {} CPUs ({} lost to overwriting, {} torn) to {}",
            self.kept,
            self.cpus,
            self.lost,
            self.torn,
            if self.to_port {
                "the trace port (COM2)"
            } else {
                "the console (no COM2)"
            }
        )
    }
}
