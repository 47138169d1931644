//! The text of `cargo xtask help`.

use crate::qemu::MAX_SMP;
use protocol::KERNEL_COMMAND_LINE_MAX_BYTES;

/// Usage text printed by `cargo xtask help`.
pub fn usage() -> String {
    format!(
        "\
usage: cargo xtask <command> [options]

commands:
  build [--release] [--busybox]  build the kernel ELF (x86_64-unknown-none) and the
                                 initramfs (user programs for x86_64-unknown-linux-musl,
                                 uutils coreutils); --busybox also packs
                                 initramfs-busybox.cpio with Debian's busybox
  run [options] [-- ARGS...]     build, then boot in QEMU (serial on this terminal)
      --smp N                    CPUs, 1 to {MAX_SMP} (default 1)
      --mem MIB                  guest memory in MiB (default 256)
      --accel auto|kvm|tcg       accelerator (default auto: KVM on hardware virtualization, else TCG)
      --machine pc|microvm       machine type (default: microvm on KVM, pc on TCG)
      --release                  boot the release build
      --gdb                      wait for gdb on :1234 (-s -S)
      --timeout SECS             kill QEMU after SECS seconds (exit 124)
      --add HOST[:GUEST]         add a file or directory to the initramfs (repeatable;
                                 default GUEST /NAME; GUEST ending in / puts it inside)
      --initrd FILE              boot your own newc cpio archive instead of ours
      --busybox                  add Debian's busybox-static (fetched with apt-get download
                                 into target/busybox/) as /busybox/bin with its applet
                                 links; init starts its ash unless init's program is given
      -- ARGS...                 kernel command line, e.g. -- test=boot (at most
                                 {KERNEL_COMMAND_LINE_MAX_BYTES} bytes; bytes need not be UTF-8); init=PATH,
                                 rdinit=PATH and a second -- with init's arguments
                                 are the kernel's to read
  test                           host unit tests + QEMU tests (the CI suite)
  trace [options] [--out DIR] [--from LOG] [--kernel ELF] [-- ARGS...]
                                 boot test=trace_workload (default --smp 4, --accel tcg),
                                 or read a saved console LOG; check every @@TRACE line and
                                 write trace.perfetto-trace, trace.txt, timeline.svg and a
                                 summary into DIR (default: a new target/trace/run-*);
                                 kernel backtraces (@@BT) in the log are printed and saved
                                 to DIR/backtraces.txt, symbolised with ELF (default: the
                                 build's kernel); ARGS: kernel arguments (key=value, e.g.
                                 trace=sched trace_cpus=0-1), then a command the guest's
                                 trace tool runs, e.g. -- stress 4 2 (or KERNEL_ARGS -- CMD...)
  bench [--smp N] [--accel A] [--machine M] [--mem MIB] [--timeout SECS]
        [--against-linux [--linux-kernel PATH]]
                                 release kernel in benchmark mode (default --smp 4):
                                 medians in ns and cycles, accelerator named; then
                                 the user-space figures of /bin/bench; with
                                 --against-linux also under Linux (PATH, or Debian's
                                 linux-image-amd64 fetched into target/linux-kernel/)
  help                           this text

exit codes of run: 0 PASS, 1 FAIL, 2 bad usage, 3 kernel PANIC, 4 no result
(reset/triple fault), 5 other QEMU status, 6 set-up/build error, 124 timeout"
    )
}
