#!/usr/bin/env python3
"""Writes the golden console logs the trace-export tests read: intact.log (a
two-CPU @@TRACE2 dump among other console lines) and damaged.log (the same
dump with a changed digit, a cut line, a cut record glued before a whole one,
and console output glued after a checksum). Checksums are zlib's CRC-32, as
in TEAM_NOTES/flight-recorder-format.md. Run from this directory."""
import zlib

def signed(body):
    return f"{body} sum={zlib.crc32(body.encode()) & 0xffffffff:08x}"

def event(cpu, seq, micros, kind, small, narrow, wide=0):
    # tsc_hz is 1 GHz, so the TSC counts nanoseconds.
    return signed(f"@@TRACE2 cpu={cpu} seq={seq} tsc={micros * 1000:x} kind={kind} "
                  f"small={small} narrow={narrow} wide={wide:x}")

preamble = ["xtask: accel=tcg machine=pc",
            "trace_workload: 2 threads on 2 cpus done; dumping the trace",
            signed("@@TRACE2-BEGIN cpus=2 tsc_hz=1000000000")]
preamble += [signed(f"@@TRACE2-THREAD tid={tid} name={name}")
             for tid, name in [(1, "idle/0"), (2, "idle/1"), (3, "worker-a"), (4, "worker\\x20b")]]
cpu0 = [event(0, 1, 1000, "irq_entry", 253, 0), event(0, 2, 1500, "irq_exit", 253, 0),
        event(0, 3, 2000, "wakeup", 0, 3), event(0, 4, 2500, "switch", 0, 1, 3),
        event(0, 5, 3000, "wakeup", 1, 4), event(0, 6, 3100, "ipi_send", 240, 1),
        event(0, 7, 4000, "exception", 3, 0, 0xffffffff80104a2e), event(0, 8, 5000, "switch", 1, 3, 1)]
cpu1 = [event(1, 1, 3150, "irq_entry", 240, 0), event(1, 2, 3200, "ipi_recv", 240, 0),
        event(1, 3, 3250, "irq_exit", 240, 0), event(1, 4, 3400, "switch", 0, 2, 4),
        event(1, 5, 6000, "switch", 3, 4, 2)]
header0 = signed("@@TRACE2-CPU cpu=0 idle=1 recorded=8 lost=0 torn=0")
header1 = signed("@@TRACE2-CPU cpu=1 idle=2 recorded=5 lost=0 torn=0")
end = [signed("@@TRACE2-END cpus=2"), "TEST PASS trace_workload"]

intact = preamble + [header0] + cpu0 + [header1] + cpu1 + end
damaged = preamble + [header0] + cpu0[:3] + [
    cpu0[3].replace("kind=switch small=0", "kind=switch small=1"),  # checksum mismatch
] + cpu0[4:6] + [
    cpu0[6][:40],                                                  # cut short
    "hello from cpu 1 " + cpu1[0][:30] + cpu0[6],                   # interleaved: whole one wins
    cpu0[7] + " and more console output",                          # output glued after sum
    header1,
] + cpu1 + end

for name, lines in [("intact.log", intact), ("damaged.log", damaged)]:
    with open(name, "w") as out:
        out.write("\n".join(lines) + "\n")
