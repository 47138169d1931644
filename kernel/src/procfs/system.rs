//! The system-wide files of `/proc`, in Linux's formats.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use super::process_state::{nanos_to_user_hz, ticks_to_user_hz};

fn uptime_hundredths() -> u64 {
    crate::clock::monotonic_nanos() / 10_000_000
}

/// One CPU's time in USER_HZ ticks: (user, system, idle). User and system
/// are sampled by the timer tick; idle is the rest of the time since boot
/// (an idle CPU stops its tick, so idle time cannot be sampled).
fn cpu_times(cpu: &crate::cpu::PerCpu) -> (u64, u64, u64) {
    let user = ticks_to_user_hz(cpu.run_queue.user_ticks.load(Ordering::Relaxed));
    let system = ticks_to_user_hz(cpu.run_queue.system_ticks.load(Ordering::Relaxed));
    let up = nanos_to_user_hz(crate::clock::monotonic_nanos());
    (user, system, up.saturating_sub(user + system))
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
    let idle: u64 = crate::cpu::online().map(|cpu| cpu_times(cpu).2).sum();
    format!("{}.{:02} {}.{:02}\n", up / 100, up % 100, idle / 100, idle % 100).into_bytes()
}

/// `/proc/stat`: per-CPU times (user nice system idle iowait irq softirq
/// steal guest guest_nice; nice, iowait, irq and the rest are not
/// tracked and are 0), interrupts (total, then per vector), context
/// switches, boot time, processes made, running and blocked threads.
pub fn stat() -> Vec<u8> {
    let mut text = String::new();
    let mut lines = String::new();
    let (mut user_all, mut system_all, mut idle_all) = (0, 0, 0);
    for cpu in crate::cpu::online() {
        let (user, system, idle) = cpu_times(cpu);
        user_all += user;
        system_all += system;
        idle_all += idle;
        let _ = writeln!(lines, "cpu{} {user} 0 {system} {idle} 0 0 0 0 0 0", cpu.id().index());
    }
    let _ = writeln!(text, "cpu  {user_all} 0 {system_all} {idle_all} 0 0 0 0 0 0");
    text.push_str(&lines);
    let by_vector: Vec<u64> = (0..=u8::MAX).map(|vector| crate::cpu::online().map(|cpu| cpu.interrupts.of_vector(vector)).sum()).collect();
    let _ = write!(text, "intr {}", by_vector.iter().sum::<u64>());
    for count in &by_vector {
        let _ = write!(text, " {count}");
    }
    text.push('\n');
    let boot_seconds = crate::clock::realtime_nanos().saturating_sub(crate::clock::monotonic_nanos()) / 1_000_000_000;
    let running: usize = crate::cpu::online().map(|cpu| cpu.run_queue.load()).sum();
    let switches: u64 = crate::cpu::online().map(|cpu| cpu.run_queue.switches.load(Ordering::Relaxed) as u64).sum();
    let _ = write!(
        text,
        "ctxt {switches}\nbtime {boot_seconds}\nprocesses {}\nprocs_running {running}\nprocs_blocked 0\n",
        crate::thread::allocated_ids()
    );
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

pub fn kmsg_dropped() -> Vec<u8> {
    format!("{}\n", crate::klog::dropped_lines()).into_bytes()
}
