//! The system-wide files of `/proc`, in Linux's formats.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

/// Clock ticks per second in `/proc/stat` (USER_HZ).
const USER_HZ: u64 = crate::exec::load::USER_HZ;
/// Kernel timer ticks per USER_HZ tick.
const TICKS_PER_USER_TICK: u64 = crate::timer::TICK_HZ as u64 / USER_HZ;

fn uptime_hundredths() -> u64 {
    crate::clock::monotonic_nanos() / 10_000_000
}

/// Busy time of one CPU, in USER_HZ ticks (sampled by the timer tick).
fn busy_user_ticks(cpu: &crate::cpu::PerCpu) -> u64 {
    cpu.run_queue.busy_ticks.load(Ordering::Relaxed) / TICKS_PER_USER_TICK.max(1)
}

pub fn cpuinfo() -> Vec<u8> {
    let cpuid = raw_cpuid::CpuId::new();
    let vendor = cpuid.get_vendor_info().map(|vendor| String::from(vendor.as_str())).unwrap_or_default();
    let brand = cpuid.get_processor_brand_string().map(|brand| String::from(brand.as_str().trim())).unwrap_or_default();
    let features = cpuid.get_feature_info();
    let (family, model, stepping) = features.as_ref().map_or((0, 0, 0), |f| (f.family_id(), f.model_id(), f.stepping_id()));
    let mhz = crate::timer::tsc_hz() / 1_000_000;
    let cpus = crate::cpu::online_count();
    let mut text = String::new();
    for cpu in crate::cpu::online() {
        let _ = write!(
            text,
            "processor\t: {}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: {brand}\nstepping\t: {stepping}\ncpu MHz\t\t: {mhz}.000\nphysical id\t: 0\nsiblings\t: {cpus}\ncore id\t\t: {}\ncpu cores\t: {cpus}\napicid\t\t: {}\nfpu\t\t: yes\nflags\t\t: fpu tsc msr apic sse sse2{}{}\n\n",
            cpu.id().index(),
            cpu.id().index(),
            cpu.apic_id(),
            if arch::protection::available().smep { " smep" } else { "" },
            if arch::protection::available().smap { " smap" } else { "" },
        );
    }
    text.into_bytes()
}

/// `/proc/meminfo`. Stacks of exited threads go back to the allocator in
/// batches; the batch is returned first, so MemFree counts them. The
/// kernel heap's use (`KernelHeap`) and the memory it has mapped
/// (`KernelHeapMapped`, frames it keeps once grown) are reported too (not
/// Linux fields), so that leak checks can tell heap growth from a leak.
pub fn meminfo() -> Vec<u8> {
    crate::memory::kernel_stacks::reclaim_released();
    let total = crate::memory::frames::total_count() as u64 * 4;
    let free = crate::memory::frames::free_count() as u64 * 4;
    let heap = crate::memory::heap::used_bytes() as u64;
    let heap_mapped = crate::memory::heap::mapped_bytes() as u64 / 1024;
    format!(
        "MemTotal:       {total:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\nBuffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\nKernelHeap:     {heap:8} B\nKernelHeapMapped: {heap_mapped:6} kB\n"
    )
    .into_bytes()
}

pub fn uptime() -> Vec<u8> {
    let up = uptime_hundredths();
    let cpus = crate::cpu::online_count() as u64;
    let busy: u64 = crate::cpu::online().map(busy_user_ticks).sum();
    let idle = (up * cpus).saturating_sub(busy);
    format!("{}.{:02} {}.{:02}\n", up / 100, up % 100, idle / 100, idle % 100).into_bytes()
}

pub fn stat() -> Vec<u8> {
    let up = uptime_hundredths();
    let mut text = String::new();
    let mut lines = String::new();
    let (mut busy_all, mut idle_all) = (0, 0);
    for cpu in crate::cpu::online() {
        let busy = busy_user_ticks(cpu);
        let idle = up.saturating_sub(busy);
        busy_all += busy;
        idle_all += idle;
        let _ = writeln!(lines, "cpu{} {busy} 0 0 {idle} 0 0 0 0 0 0", cpu.id().index());
    }
    let _ = writeln!(text, "cpu  {busy_all} 0 0 {idle_all} 0 0 0 0 0 0");
    text.push_str(&lines);
    let boot_seconds = crate::clock::realtime_nanos().saturating_sub(crate::clock::monotonic_nanos()) / 1_000_000_000;
    let processes = crate::process::all();
    let running: u64 = crate::cpu::online().map(|cpu| u64::from(!cpu.run_queue.is_idle())).sum();
    let switches: u64 = crate::cpu::online().map(|cpu| cpu.run_queue.switches.load(Ordering::Relaxed) as u64).sum();
    let _ = write!(text, "ctxt {switches}\nbtime {boot_seconds}\nprocesses {}\nprocs_running {running}\nprocs_blocked 0\n", processes.len());
    text.into_bytes()
}

pub fn loadavg() -> Vec<u8> {
    let [one, five, fifteen] = crate::sched::load_average::hundredths();
    let running: u64 = crate::cpu::online().map(|cpu| u64::from(!cpu.run_queue.is_idle())).sum();
    let threads: u32 = crate::process::all().iter().map(|process| crate::process::thread_count(process)).sum();
    let last = crate::process::all().iter().map(|process| process.pid()).max().unwrap_or(0);
    format!(
        "{}.{:02} {}.{:02} {}.{:02} {running}/{threads} {last}\n",
        one / 100,
        one % 100,
        five / 100,
        five % 100,
        fifteen / 100,
        fifteen % 100
    )
    .into_bytes()
}

pub fn mounts() -> Vec<u8> {
    b"rootfs / rootfs rw 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n".to_vec()
}

pub fn syscalls() -> Vec<u8> {
    format!("calls {}\nunimplemented {}\n", crate::syscall::calls(), crate::syscall::unimplemented_calls()).into_bytes()
}
