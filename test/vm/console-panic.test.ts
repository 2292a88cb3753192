// Reading a FreeBSD kernel panic off the serial console (src/vm/console.ts kernelPanic). The
// sample is the console of a real 10.4-seedin guest panicking in garp_rexmit (recorded in
// reference/10.4-seedin/arp/garp-retransmit.trace.json), trimmed to the lines that matter.

import { describe, expect, it } from "vitest";
import { kernelPanic } from "../../src/vm/console.ts";

const SAMPLE = [
  "inconf-init: agent pid 15 on /dev/ttyV0.1 (start 1, settle 50 ms)",
  "kernel trap 12 with interrupts disabled",
  "",
  "Fatal trap 12: page fault while in kernel mode",
  "cpuid = 0; apic id = 00",
  "fault virtual address\t= 0x20",
  "current process\t\t= 12 (swi4: clock)",
  "trap number\t\t= 12",
  "panic: page fault",
  "cpuid = 0",
  "KDB: stack backtrace:",
  "#0 0xffffffff8045e305 at kdb_backtrace+0x65",
  "#1 0xffffffff80423584 at vpanic+0x104",
  "#2 0xffffffff80423473 at panic+0x43",
  "#3 0xffffffff8068dfb6 at trap_fatal+0x366",
  "#4 0xffffffff8068e018 at trap_pfault+0x48",
  "#5 0xffffffff80672f21 at calltrap+0x8",
  "#6 0xffffffff80407e91 at __mtx_unlock_sleep+0x61",
  "#7 0xffffffff80508a2e at garp_rexmit+0xae",
  "#8 0xffffffff8043a3ad at softclock_call_cc+0x16d",
  "#9 0xffffffff8043a829 at softclock+0xc9",
  "#10 0xffffffff803eda59 at intr_event_execute_handlers+0xc9",
  "#11 0xffffffff803edcf7 at ithread_loop+0xa7",
  "#12 0xffffffff803eb2b2 at fork_exit+0x92",
  "#13 0xffffffff8067344e at fork_trampoline+0xe",
].join("\r\n");

describe("kernelPanic", () => {
  it("names the panic, the fatal trap and the functions on the stack", () => {
    expect(kernelPanic(SAMPLE)).toEqual({
      message:
        "panic: page fault (fatal trap: page fault while in kernel mode); backtrace: __mtx_unlock_sleep < garp_rexmit < softclock_call_cc < softclock < intr_event_execute_handlers < ithread_loop < fork_exit < fork_trampoline",
      complete: true,
    });
  });

  it("says when the backtrace is still being printed", () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf("#8 "));
    expect(kernelPanic(cut)).toMatchObject({ complete: false });
    expect(kernelPanic(cut)?.message).toMatch(/backtrace: __mtx_unlock_sleep < garp_rexmit$/);
  });

  it("finds nothing in a console without a panic", () => {
    expect(kernelPanic("inconf-init: lo0 up\r\nvtnet0: link state changed to UP\r\n")).toBeNull();
  });
});
