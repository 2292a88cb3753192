// The slice of the twin Kernel (src/kernel/kernel.ts) the twin backend drives, so the backend
// and its tests depend only on this shape; createKernel adapts the real Kernel to it.

import { Kernel, type BootDevice } from "../kernel/kernel.ts";
// What the Kernel throws where FreeBSD itself would panic; fakes throw it too.
export { KernelPanic } from "../kernel/kern/invariant.ts";
import type { Cred } from "../harness/ops.ts";

export interface TransmittedFrame {
  ifname: string;
  /** Virtual seconds since the Kernel booted. */
  time: number;
  frame: Uint8Array;
}

export interface TwinRouteSocket {
  /** Messages queued since the last read, one per element. */
  read(): Uint8Array[];
  /** write(2) of one message; returns the errno (0 on success). */
  write(cred: Cred, bytes: Uint8Array): number;
  close(): void;
}

export interface TwinKernel {
  attachNic(driver: "vtnet" | "epair" | "tun", name: string, mac?: string): number;
  /** No `data` when the op did not run: its credential's jail could not be set up. */
  ioctl(cred: Cred, cmd: number, data: Uint8Array): { errno: number; data?: Uint8Array };
  /** No `out` when the op did not run (as for ioctl). */
  sysctl(cred: Cred, name: string | number[], newValue?: Uint8Array): { errno: number; out?: Uint8Array };
  routeSocketOpen(): TwinRouteSocket;
  /** Returns an errno (ENXIO for an unknown interface). */
  inject(ifname: string, frame: Uint8Array): number;
  /** Frames sent and not yet taken, oldest first; a reader takes them with splice(0). */
  readonly transmitted: TransmittedFrame[];
  advance(seconds: number): void;
  /** time_uptime: whole seconds since boot. */
  uptime(): number;
  /** Problems the model finds in its own state; empty when consistent. */
  checkInvariants(): string[];
}

export interface KernelOptions {
  carp: boolean;
}

/**
 * The NICs the FreeBSD guests boot with (src/vm/qemu.ts, src/vm/minimal-machine.ts): the e1000
 * management NIC em0 first, then the test NICs vtnet0..vtnet2 with QEMU's MACs. They exist
 * before the agent opens its monitoring socket, so no RTM_IFANNOUNCE is seen for them, and they
 * give lo0 index 5 and the first cloned interface index 6, as on the guests.
 */
export const GUEST_DEVICES: readonly BootDevice[] = [
  { driver: "em", unit: 0, mac: "52:54:00:00:00:01" },
  { driver: "vtnet", unit: 0, mac: "52:54:00:00:01:10" },
  { driver: "vtnet", unit: 1, mac: "52:54:00:00:01:11" },
  { driver: "vtnet", unit: 2, mac: "52:54:00:00:01:12" },
];

/** Makes a fresh Kernel (one VNET, booted like the guests: GUEST_DEVICES, lo0 at 127.0.0.1). */
export async function createKernel(opts: KernelOptions): Promise<TwinKernel> {
  const k = new Kernel({ carp: opts.carp, devices: GUEST_DEVICES });
  return {
    attachNic: (driver, name, mac) => k.attachNic(driver, name, mac),
    ioctl: (cred, cmd, data) => {
      const u = Kernel.credential(cred);
      return typeof u === "number" ? { errno: u } : k.ioctl(u, cmd, data);
    },
    sysctl: (cred, name, newValue) => {
      const u = Kernel.credential(cred);
      return typeof u === "number" ? { errno: u } : k.sysctl(u, name, newValue);
    },
    routeSocketOpen: () => k.routeSocketOpen(),
    inject: (ifname, frame) => k.inject(ifname, frame),
    get transmitted() {
      return k.transmitted;
    },
    advance: (seconds) => k.advance(seconds),
    uptime: () => k.clock.time_uptime,
    checkInvariants: () => k.checkInvariants(),
  };
}
