// The twin backend: runs ops on a fresh in-process Kernel (one VNET) per program, on its
// virtual clock. It performs each op the way the guest agent does on FreeBSD (ifflags as
// SIOCGIFFLAGS + SIOCSIFFLAGS, interface indices through SIOCGIFINDEX), so traces line up.

import { encodeIfreq, decodeIfreq, ifreqEmpty, ifreqWithFlags, ifrFlagsAll, ifrIndex } from "../abi/if.ts";
import { isDecodeError } from "../abi/decode.ts";
import { SIOCGIFFLAGS, SIOCGIFINDEX, SIOCSIFFLAGS } from "../abi/sockio.ts";
import { routeDumpMib } from "../abi/sysctl.ts";
import { AF_INET } from "../abi/socket.ts";
import { RTF_LLINFO } from "../abi/route.ts";
import { ENXIO } from "../abi/errno.ts";
import {
  fromHex,
  ROOT,
  toHex,
  TRACE_FORMAT,
  type Cred,
  type Op,
  type OpResult,
  type RawTrace,
} from "../harness/ops.ts";
import { KernelPanicTraceError, PartialTraceError, type Backend, type ProgramRef } from "./backend.ts";
import { createKernel, KernelPanic, type TwinKernel } from "./twin-kernel.ts";

/** The dump mibs a checkpoint reads, for IPv4 (as netstat -rn, arp -an, ifconfig, ifmcstat). */
export const CHECKPOINT_MIBS = {
  routes: routeDumpMib({ op: "dump", af: AF_INET, arg: 0 }),
  arp: routeDumpMib({ op: "flags", af: AF_INET, arg: RTF_LLINFO }),
  iflist: routeDumpMib({ op: "iflist", af: AF_INET, arg: 0 }),
  ifmalist: routeDumpMib({ op: "ifmalist", af: AF_INET, arg: 0 }),
} as const;

export interface TwinOptions {
  /** Recorded in provenance: which model produced the trace (e.g. a git commit). */
  revision?: string;
  /** Makes the Kernel; tests pass a fake. */
  makeKernel?: typeof createKernel;
}

export function createTwinBackend(opts: TwinOptions = {}): Backend {
  const makeKernel = opts.makeKernel ?? createKernel;
  return {
    name: "twin",
    async run(ops: readonly Op[], program: ProgramRef): Promise<RawTrace> {
      const kernel = await makeKernel({ carp: ops.some((o) => o.op === "module" && o.name === "carp") });
      const step = kernelStepper(kernel);
      const results: OpResult[] = [];
      const trace = (): RawTrace => ({
        format: TRACE_FORMAT,
        program: program.id,
        backend: "twin",
        provenance: {
          release: "twin",
          uname: `inconf twin (src/kernel, models the 2014 head in.c)${opts.revision ? ` at ${opts.revision}` : ""}`,
          date: new Date().toISOString(),
        },
        ops: ops.slice(0, results.length),
        results,
      });
      try {
        for (const op of ops) results.push(step(op));
      } catch (e) {
        // Keep what ran, so `inconf show` can display the lead-up to a twin bug or a panic.
        if (e instanceof KernelPanic) {
          const panic = { op: ops[results.length], message: e.message };
          throw new KernelPanicTraceError(e.message, { ...trace(), panic });
        }
        throw new PartialTraceError((e as Error).message, trace());
      }
      return trace();
    },
    async close(): Promise<void> {},
  };
}

/** One op at a time on one Kernel and one monitoring socket: the twin backend, and callers that
 * get ops as they come (the stand-in agent, src/vm/standin-agent.ts). A failed twin invariant
 * throws (a twin bug, never the scenario's), and so does a KernelPanic (where FreeBSD panics). */
export function kernelStepper(kernel: TwinKernel): (op: Op) => OpResult {
  const monitor = kernel.routeSocketOpen();
  kernel.transmitted.splice(0); // sent before the first op: no op's frames
  let index = 0;
  return (op: Op): OpResult => {
    const r = perform(kernel, op);
    const problems = kernel.checkInvariants();
    if (problems.length > 0) {
      throw new Error(
        `twin invariant failed after op ${index} (${op.op}): ${problems.join("; ")} — a twin bug`,
      );
    }
    index++;
    // Taken from the log, which so never holds more than one op's frames.
    const frames = kernel.transmitted
      .splice(0)
      .map((f) => ({ ifname: f.ifname, time: f.time, frame: toHex(f.frame) }));
    return { ...r, rtsock: monitor.read().map(toHex), frames };
  };
}

type Partial = Pick<OpResult, "errno" | "data" | "dumps">;

function perform(k: TwinKernel, op: Op): Partial {
  switch (op.op) {
    case "nic":
      return { errno: k.attachNic(op.driver, op.name, op.mac) };
    case "module":
      return { errno: 0 }; // applied when the Kernel was made
    case "ioctl": {
      const r = k.ioctl(op.cred, op.cmd, fromHex(op.data));
      return r.data === undefined ? { errno: r.errno } : { errno: r.errno, data: toHex(r.data) };
    }
    case "ifflags":
      return ifflags(k, op.cred, op.ifname, op.set, op.clear);
    case "sysctl": {
      const r = k.sysctl(op.cred, op.name, op.value === undefined ? undefined : fromHex(op.value));
      return r.out === undefined ? { errno: r.errno } : { errno: r.errno, data: toHex(r.out) };
    }
    case "rtsock_write": {
      const msg = fromHex(op.msg);
      for (const p of op.ifindex ?? []) {
        const index = ifindex(k, p.ifname);
        if (index === null) return { errno: ENXIO };
        new DataView(msg.buffer, msg.byteOffset).setUint16(p.at, index, true);
      }
      const so = k.routeSocketOpen();
      const errno = so.write(op.cred, msg);
      so.close();
      return { errno };
    }
    case "inject":
      return { errno: k.inject(op.ifname, fromHex(op.frame)) };
    case "sleep":
      k.advance(op.seconds);
      return { errno: 0 };
    case "checkpoint": {
      const dump = (mib: readonly number[]): string => {
        const r = k.sysctl(ROOT, [...mib]);
        if (r.errno !== 0 || r.out === undefined)
          throw new Error(`twin: checkpoint sysctl ${mib.join(".")} failed with errno ${r.errno}`);
        return toHex(r.out);
      };
      return {
        errno: 0,
        dumps: {
          routes: dump(CHECKPOINT_MIBS.routes),
          arp: dump(CHECKPOINT_MIBS.arp),
          iflist: dump(CHECKPOINT_MIBS.iflist),
          ifmalist: dump(CHECKPOINT_MIBS.ifmalist),
          uptime: k.uptime(),
        },
      };
    }
    default: {
      const never: never = op;
      throw new Error(`twin: unhandled op ${JSON.stringify(never)}`);
    }
  }
}

/** The ifflags op as the agent does it: get, OR in `set`, clear `clear`, set. */
function ifflags(k: TwinKernel, cred: Cred, ifname: string, set: number, clear: number): Partial {
  const got = k.ioctl(cred, SIOCGIFFLAGS, encodeIfreq(ifreqEmpty(ifname)));
  // No data also when the credential's jail could not be set up: the op never ran.
  if (got.errno !== 0 || got.data === undefined) return { errno: got.errno };
  const ifr = decodeIfreq(got.data);
  if (isDecodeError(ifr)) throw new Error(`twin: SIOCGIFFLAGS returned a short ifreq (${ifr.message})`);
  const req = encodeIfreq(ifreqWithFlags(ifname, ((ifrFlagsAll(ifr) | set) & ~clear) >>> 0));
  const r = k.ioctl(cred, SIOCSIFFLAGS, req);
  return { errno: r.errno, data: toHex(req) };
}

function ifindex(k: TwinKernel, ifname: string): number | null {
  const r = k.ioctl(ROOT, SIOCGIFINDEX, encodeIfreq(ifreqEmpty(ifname)));
  if (r.errno !== 0 || r.data === undefined) return null;
  const ifr = decodeIfreq(r.data);
  return isDecodeError(ifr) ? null : ifrIndex(ifr);
}
