// A small deterministic fake of the twin Kernel's surface (TwinKernel), for testing the agent
// path (stand-in agent behind SSH) independently of the real twin: every op kind produces
// errnos, bytes, routing messages and frames that depend on its input, so a transport that
// drops, reorders or mangles anything shows up as a difference.

import { SIOCGIFFLAGS, SIOCGIFINDEX } from "../../src/abi/sockio.ts";
import type { Cred } from "../../src/harness/ops.ts";
import type {
  KernelOptions,
  TransmittedFrame,
  TwinKernel,
  TwinRouteSocket,
} from "../../src/backends/twin-kernel.ts";

class FakeKernel implements TwinKernel {
  private nics: string[] = [];
  private sockets: Uint8Array[][] = [];
  private values = new Map<string, Uint8Array>();
  private now = 0;
  readonly transmitted: TransmittedFrame[] = [];

  constructor(private readonly opts: KernelOptions) {}

  private broadcast(msg: Uint8Array): void {
    for (const q of this.sockets) q.push(msg);
  }

  attachNic(driver: "vtnet" | "epair" | "tun", name: string, mac?: string): number {
    if (this.nics.includes(name)) return 17; // EEXIST
    this.nics.push(name);
    this.broadcast(new TextEncoder().encode(`ifannounce ${driver} ${name} ${mac}`));
    return 0;
  }

  ioctl(cred: Cred, cmd: number, data: Uint8Array): { errno: number; data: Uint8Array } {
    const name = new TextDecoder().decode(data.subarray(0, 16)).replace(/\0.*$/s, "");
    if (cmd === SIOCGIFINDEX || cmd === SIOCGIFFLAGS) {
      const i = this.nics.indexOf(name);
      if (i < 0) return { errno: 6, data };
      const out = new Uint8Array(data);
      new DataView(out.buffer).setInt16(16, cmd === SIOCGIFINDEX ? i + 1 : 0x8843, true);
      return { errno: 0, data: out };
    }
    if (cred.uid !== 0 || cred.jail) return { errno: 1, data }; // EPERM
    const out = Uint8Array.from(data).reverse();
    const errno = cmd % 3 === 0 ? 0 : 22;
    if (errno === 0) this.broadcast(Uint8Array.from([0xaa, cmd & 0xff, ...data.subarray(0, 2)]));
    return { errno, data: out };
  }

  sysctl(cred: Cred, name: string | number[], newValue?: Uint8Array): { errno: number; out: Uint8Array } {
    const key = typeof name === "string" ? name : name.join(".");
    const old =
      this.values.get(key) ?? new TextEncoder().encode(`${key}@${this.now}${this.opts.carp ? "+carp" : ""}`);
    if (newValue !== undefined) {
      if (cred.uid !== 0) return { errno: 1, out: new Uint8Array() };
      this.values.set(key, newValue);
    }
    return { errno: 0, out: old };
  }

  routeSocketOpen(): TwinRouteSocket {
    const q: Uint8Array[] = [];
    this.sockets.push(q);
    return {
      read: () => q.splice(0),
      close: () => void this.sockets.splice(this.sockets.indexOf(q), 1),
      write: (cred: Cred, bytes: Uint8Array): number => {
        if (cred.uid !== 0) return 1;
        this.broadcast(bytes);
        return bytes.length >= 4 ? 0 : 22;
      },
    };
  }

  inject(ifname: string, frame: Uint8Array): number {
    if (!this.nics.includes(ifname)) return 6; // ENXIO
    this.transmitted.push({ ifname, time: this.now, frame: Uint8Array.from(frame).reverse() });
    return 0;
  }

  advance(seconds: number): void {
    this.now += seconds;
    if (this.nics.length > 0) {
      this.transmitted.push({
        ifname: this.nics[0],
        time: this.now,
        frame: Uint8Array.from([1, 2, 3, this.now & 0xff]),
      });
    }
  }

  uptime(): number {
    return Math.floor(this.now) + 1;
  }

  checkInvariants(): string[] {
    return [];
  }
}

export async function createKernel(opts: KernelOptions): Promise<TwinKernel> {
  return new FakeKernel(opts);
}
