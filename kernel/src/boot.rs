//! The boot sequence of the bootstrap processor.
//!
//! `arch::boot` enters long mode and calls the binary's `kernel_bsp_entry`
//! on a small early stack, which calls `bsp_entry` here; that installs the
//! BSP's PCR and IDT, sets up memory and moves to a guarded boot stack, where
//! `kmain` runs the rest of the boot, one step a line.
use crate::{apic_events, console, cpu, exceptions, flight_recorder, ipi, kernel_tests, memory, panic, pvh, sched, smp, syscall, timer, vectors, watchdog};
use crate::trace::filter::{ALL_CLASSES, ALL_CPUS};
use percpu::{ist, ProcessorControlRegion};

/// Early IST stacks of the BSP, used only until its per-CPU block is
/// loaded (the block has guarded ones).
#[repr(C, align(16))]
struct EarlyInterruptStacks([[u8; EARLY_IST_STACK_BYTES]; ist::COUNT]);
const EARLY_IST_STACK_BYTES: usize = 16 * 1024;
static mut BSP_EARLY_IST_STACKS: EarlyInterruptStacks =
    EarlyInterruptStacks([[0; EARLY_IST_STACK_BYTES]; ist::COUNT]);
/// The BSP's bare PCR until memory is up and its per-CPU block exists: it
/// makes `gs:` work for exception reports and the panic path that early.
static mut BSP_EARLY_PCR: ProcessorControlRegion = ProcessorControlRegion::new(0, 0, [0; ist::COUNT], false);

/// The BSP's first Rust code (called by the binary's entry point on the
/// early stack, in long mode), with the physical address of `hvm_start_info`.
pub fn bsp_entry(start_info_phys: u64) -> ! {
    console::init();
    load_early_bsp_pcr();
    arch::idt::load();
    exceptions::install();
    arch::idt::register_handler(vectors::NMI, panic::on_nmi);
    let boot_info = pvh::read(start_info_phys);
    // No heap yet: the one module (the initramfs) as a slice of an Option.
    let initramfs_range = boot_info
        .initramfs
        .map(|module| (module.physical_address, module.physical_address + module.size_bytes));
    let memory = memory::init(boot_info.memory_map, initramfs_range.as_slice());
    kprintln!(
        "memory: {} MiB usable, highest address {:#x}, {} of {} frames free",
        memory.usable_bytes >> 20,
        memory.highest_address,
        memory.free_frames,
        memory::frames::total_count()
    );
    let stack = smp::allocate_boot_stack(0);
    // SAFETY: the stack is mapped, 16-aligned and ours; nothing on the early
    // stack is used after the switch (boot info lives in statics).
    unsafe { arch::stack_switch::switch_to(stack.top(), kmain, stack.top()) }
}

/// Points GS at the BSP's early PCR (with early IST stacks) and loads its
/// GDT/TSS.
fn load_early_bsp_pcr() {
    // SAFETY: runs once, on the BSP, with interrupts off, before anything
    // else uses BSP_EARLY_PCR or the early IST stacks; the static never moves.
    unsafe {
        let stacks = &raw mut BSP_EARLY_IST_STACKS;
        let mut tops = [0u64; ist::COUNT];
        for (index, top) in tops.iter_mut().enumerate() {
            *top = (&raw mut (*stacks).0[index]) as u64 + EARLY_IST_STACK_BYTES as u64;
        }
        let pcr = &raw mut BSP_EARLY_PCR;
        pcr.write(ProcessorControlRegion::new(0, arch::lapic::apic_id_from_cpuid(), tops, false));
        let (early_stack_top, _) = arch::boot::early_stack();
        (*pcr).finish_at_final_address(early_stack_top);
        (&*pcr).load_on_this_cpu();
    }
}

/// The rest of the boot, on the BSP's guarded stack (whose top is the
/// argument), one step a line.
extern "C" fn kmain(boot_stack_top: u64) -> ! {
    let boot_info = pvh::boot_info();
    let args = crate::kernel_args::parse(boot_info.command_line);
    for problem in args.problems() {
        kwarn!("{}", problem);
    }
    flight_recorder::configure(args.trace.unwrap_or(ALL_CLASSES), args.trace_cpus.unwrap_or(ALL_CPUS));
    let (tsc_hz, tsc_source) = timer::init_tsc();
    kprintln!("tsc: {} MHz ({})", tsc_hz / 1_000_000, tsc_source.describe());
    let topology = crate::madt::acpi_tables::read_topology(boot_info.rsdp_phys)
        .unwrap_or_else(|error| panic!("cannot start: {error}"));
    warn_about_topology(&topology);
    arch::legacy_pic::mask_all();
    arch::lapic::select_mode(memory::map_mmio(topology.local_apic_phys_addr, 4096));
    register_interrupt_handlers();
    watchdog::init(args.watchdog_thresh.unwrap_or(crate::kernel_args::WATCHDOG_DEFAULT_SECONDS));
    if let Some(cpu) = args.stall_ap {
        smp::inject_stall(cpu);
    }
    if args.nosmap {
        arch::protection::refuse_smap();
    }
    if args.noxsave {
        arch::fpu::refuse_xsave();
    }
    let (bsp, ap_table) = smp::allocate_blocks(&topology, boot_stack_top);
    let ticks_per_ms = smp::init_this_cpu(bsp);
    kprintln!("apic: {} mode, BSP APIC id {}", if arch::lapic::is_x2apic() { "x2APIC" } else { "xAPIC" }, bsp.apic_id());
    kprintln!("timer: LAPIC {} ticks/ms, {} Hz tick", ticks_per_ms, timer::TICK_HZ);
    let protections = arch::protection::available();
    kprintln!(
        "protection: SMEP {}, SMAP {}, UMIP {}",
        on_off(protections.smep),
        if args.nosmap { "off (nosmap)" } else { on_off(protections.smap) },
        on_off(protections.umip)
    );
    kprintln!(
        "fpu: user state saved with {} ({} bytes per thread)",
        if arch::fpu::uses_xsave() { "XSAVE" } else { "FXSAVE" },
        arch::fpu::image_bytes()
    );
    init_io_apics(&topology);
    arch::cpu::enable_interrupts();
    smp::start_application_processors(ap_table);
    memory::paging::remove_identity_map();
    let boot_micros = timer::record_boot_to_online();
    kprintln!(
        "{}",
        protocol::SmpOnline {
            online: cpu::online_count(),
            found: topology.enabled_cpus().count() as u32,
            took_ms: boot_micros / 1000
        }
    );
    match crate::clock::init() {
        Some(seconds) => kprintln!("clock: wall time {seconds} s since 1970 (CMOS RTC)"),
        None => kprintln!("clock: no CMOS RTC on this machine; the wall clock starts at 1970"),
    }
    let entropy = if crate::entropy::is_hardware_backed() { "RDRAND" } else { "a TSC-seeded generator (not cryptographic)" };
    kprintln!("random: bytes for user space from {entropy}");
    if let Some(name) = args.test {
        let name = alloc::string::String::from(name);
        sched::spawn("kernel-test", move || kernel_tests::run(&name)).expect("cannot start the test thread");
    } else {
        match u8::try_from(bsp.apic_id()) {
            Ok(destination) => {
                crate::sysrq::start();
                crate::tty::start(&topology, destination, crate::sysrq::on_key);
            }
            Err(_) => kwarn!("tty: the BSP's APIC id does not fit an I/O APIC destination; the console takes no input"),
        }
        start_init(&args, boot_info.initramfs);
    }
    sched::run_idle_loop()
}

/// The environment PID 1 gets (what Linux gives init).
const INIT_ENVIRONMENT: [&[u8]; 2] = [b"HOME=/", b"TERM=linux"];

/// Starts PID 1 from the initramfs: `init=` (or `rdinit=`) or `/init`, with
/// the words after `--` as its arguments. If it cannot start, says why and
/// powers off with a failure status rather than idling silently.
fn start_init(args: &crate::kernel_args::KernelArgs, initramfs: Option<pvh::BootModule>) {
    let path = args.init.or(args.rdinit).unwrap_or(DEFAULT_INIT_PATH);
    let Some(module) = initramfs else {
        kprintln!("init: no initramfs was passed (QEMU -initrd; `cargo xtask run` packs one), so there is no {path} to run; idling");
        return;
    };
    crate::procfs::mount();
    crate::tracefs::init();
    let unpacked = crate::vfs::unpack(module.bytes());
    kprintln!(
        "initramfs: {} KiB: {} files, {} directories, {} links unpacked at /{}{}",
        module.size_bytes / 1024,
        unpacked.files,
        unpacked.directories,
        unpacked.links,
        if unpacked.device_nodes > 0 { alloc::format!(" ({} device node{} left to the kernel's /dev)", unpacked.device_nodes, if unpacked.device_nodes == 1 { "" } else { "s" }) } else { alloc::string::String::new() },
        if unpacked.skipped > 0 { alloc::format!("; {} entries skipped", unpacked.skipped) } else { alloc::string::String::new() }
    );
    if let Some(error) = unpacked.error {
        kwarn!("initramfs: {error}; the rest of the archive was not unpacked");
    }
    let mut arguments: alloc::vec::Vec<&[u8]> = alloc::vec![path.as_bytes()];
    arguments.extend(args.init_arguments().map(str::as_bytes));
    match crate::process::start_program(path.as_bytes(), &arguments, &INIT_ENVIRONMENT) {
        Ok(_running) => {}
        Err(error) => {
            kprintln!("init: cannot run {path}: {error}; powering off");
            arch::qemu_exit::exit_qemu(protocol::GuestExit::Fail);
        }
    }
}

/// PID 1 when the command line names none (Linux's `rdinit` default).
const DEFAULT_INIT_PATH: &str = "/init";

fn on_off(enabled: bool) -> &'static str {
    if enabled {
        "on"
    } else {
        "not offered by this CPU"
    }
}

/// Handlers and hooks every CPU shares, registered once before any CPU
/// takes interrupts from the APIC.
fn register_interrupt_handlers() {
    ipi::init();
    apic_events::init();
    flight_recorder::init();
    sched::init();
    syscall::init();
}

/// Says what the MADT walker skipped, so a surprising table is visible.
fn warn_about_topology(topology: &crate::madt::CpuTopology) {
    if topology.duplicate_apic_ids > 0 {
        kwarn!("madt: {} processor entries repeat an APIC id; the first was kept", topology.duplicate_apic_ids);
    }
    if topology.unusable_cpu_entries > 0 {
        kwarn!("madt: {} processor entries are disabled or invalid", topology.unusable_cpu_entries);
    }
}

/// Masks every pin of every I/O APIC in the MADT.
fn init_io_apics(topology: &crate::madt::CpuTopology) {
    for (index, io_apic) in topology.io_apics.iter().enumerate() {
        let Ok(first_vector) = u8::try_from(u32::from(vectors::IO_APIC_FIRST) + io_apic.gsi_base) else {
            kwarn!("ioapic id {} has GSI base {}, beyond the vector space; left alone", io_apic.id, io_apic.gsi_base);
            continue;
        };
        let mmio = memory::map_mmio(io_apic.phys_addr, 4096);
        // SAFETY: the address comes from the MADT and was just mapped
        // uncached; nothing else drives this I/O APIC.
        let info = unsafe { arch::ioapic::init(index, mmio, first_vector) };
        kprintln!("ioapic: id {} at {:#x}, {} pins, GSI base {}, all masked", info.id, io_apic.phys_addr, info.pin_count, io_apic.gsi_base);
    }
}
