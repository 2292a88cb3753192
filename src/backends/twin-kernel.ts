// The slice of the twin Kernel (src/kernel/kernel.ts) the twin backend drives, and the one
// place that makes a Kernel, so the backend and tests depend only on this shape.

import type { Cred } from "../harness/ops.ts";
import { BackendUnavailableError } from "./backend.ts";

export interface TransmittedFrame {
  ifname: string;
  /** Virtual seconds since the Kernel was made. */
  time: number;
  frame: Uint8Array;
}

export interface TwinRouteSocket {
  /** Messages queued since the last read, one per element. */
  read(): Uint8Array[];
  /** write(2) of one message; returns the errno (0 on success). */
  write(cred: Cred, bytes: Uint8Array): number;
}

export interface TwinKernel {
  attachNic(driver: "vtnet" | "epair" | "tun", name: string, mac?: string): number;
  ioctl(cred: Cred, cmd: number, data: Uint8Array): { errno: number; data: Uint8Array };
  sysctl(cred: Cred, name: string | number[], newValue?: Uint8Array): { errno: number; out: Uint8Array };
  routeSocketOpen(): TwinRouteSocket;
  inject(ifname: string, frame: Uint8Array): void;
  readonly transmitted: readonly TransmittedFrame[];
  advance(seconds: number): void;
  /** Throws when the model's own invariants fail (a twin bug). */
  checkInvariants(): void;
}

export interface KernelOptions {
  carp: boolean;
}

/** Makes a fresh Kernel (one VNET). */
export async function createKernel(opts: KernelOptions): Promise<TwinKernel> {
  // A computed specifier: the kernel lands in parallel with this file.
  const where = "../kernel/kernel.ts";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(where)) as Record<string, unknown>;
  } catch (e) {
    throw new BackendUnavailableError(
      "twin",
      `the twin kernel (src/kernel/kernel.ts) cannot be loaded: ${(e as Error).message}`,
    );
  }
  const Kernel = mod.Kernel as new (o: KernelOptions) => TwinKernel;
  return new Kernel(opts);
}
