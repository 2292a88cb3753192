// Executes lowered ops through an agent (the C agent in a FreeBSD guest, or the twin stand-in
// behind SSH) and builds one OpResult per op, the way the twin backend does: the same op →
// request mapping for every agent, routing messages drained after each op, frames either
// captured host side (FreeBSD: the test NICs' netdevs) or reported by the agent (stand-in). tun
// and epair NICs have no netdev: the C agent holds /dev/tunN open and captures both halves of
// an epair with bpf, so injects on those go to the agent and the frames it reports are added to
// the host-side ones.

import type { AgentClient } from "../../vm/agent-client.ts";
import type { AgentOk, AgentRequest } from "../../vm/agent-protocol.ts";
import type { NetdevPort } from "../../vm/netdev.ts";
import { toHex, type FrameRecord, type Op, type OpResult } from "../../harness/ops.ts";

/** Where frames come from and go to. */
export interface FrameIo {
  /** Writes a frame into `ifname` from the wire; false when that NIC has no host-side netdev. */
  inject(ifname: string, frame: Uint8Array): Promise<boolean>;
  /** Waits for the NICs to go quiet, then returns the frames seen since the last call. */
  collect(): Promise<FrameRecord[]>;
}

export class UnsupportedOpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedOpError";
  }
}

/** Host-side frames: test NIC i is guest interface `names[i]`. */
export class NetdevFrames implements FrameIo {
  private readonly t0 = performance.now();
  constructor(
    private readonly ports: ReadonlyMap<string, NetdevPort>,
    private readonly quietMs = 30,
    private readonly maxSettleMs = 500,
  ) {
    for (const p of ports.values()) p.take(); // anything before the program is not its output
  }

  async inject(ifname: string, frame: Uint8Array): Promise<boolean> {
    const p = this.ports.get(ifname);
    if (!p) return false;
    await p.send(frame);
    return true;
  }

  async collect(): Promise<FrameRecord[]> {
    await Promise.all([...this.ports.values()].map((p) => p.settle(this.quietMs, this.maxSettleMs)));
    const out: (FrameRecord & { at: number })[] = [];
    for (const [ifname, p] of this.ports) {
      for (const f of p.take()) {
        out.push({ ifname, time: Math.round(f.atMs - this.t0) / 1000, frame: toHex(f.frame), at: f.atMs });
      }
    }
    return out.sort((a, b) => a.at - b.at).map(({ ifname, time, frame }) => ({ ifname, time, frame }));
  }
}

/** The agent request for an op; inject is handled by the caller. */
export function opRequest(op: Exclude<Op, { op: "inject" }>): AgentRequest {
  switch (op.op) {
    case "nic":
      return {
        kind: "nic",
        name: op.name,
        driver: op.driver,
        ...(op.mac === undefined ? {} : { mac: op.mac.replace(/[:-]/g, "").toLowerCase() }),
      };
    case "module":
      return { kind: "module", name: op.name };
    case "ioctl":
      return { kind: "ioctl", cred: op.cred, cmd: op.cmd >>> 0, data: op.data };
    case "ifflags":
      return { kind: "ifflags", cred: op.cred, ifname: op.ifname, set: op.set >>> 0, clear: op.clear >>> 0 };
    case "sysctl":
      return op.value === undefined
        ? { kind: "sysctl", cred: op.cred, name: op.name }
        : { kind: "sysctl", cred: op.cred, name: op.name, value: op.value };
    case "rtsock_write":
      return op.ifindex && op.ifindex.length > 0
        ? { kind: "rtsock", cred: op.cred, msg: op.msg, ifindex: op.ifindex }
        : { kind: "rtsock", cred: op.cred, msg: op.msg };
    case "sleep":
      return { kind: "sleep", seconds: op.seconds };
    case "checkpoint":
      return { kind: "dump" };
    default: {
      const never: never = op;
      throw new UnsupportedOpError(`unknown op ${JSON.stringify(never)}`);
    }
  }
}

export interface ExecuteOptions {
  /** "agent": the agent injects and reports frames itself (stand-in); else host-side I/O. */
  frames: FrameIo | "agent";
  /** Longest sleep op accepted (the VM sleeps for real). */
  maxSleepSeconds?: number;
  /** How long an op may take before the guest counts as hung (sleep ops get their length on
   * top). Default 60 s. */
  opTimeoutMs?: number;
  /** Called before each op (progress, logs). */
  onOp?: (index: number, op: Op) => void;
}

function resultOf(r: AgentOk): Omit<OpResult, "frames"> {
  const out: Omit<OpResult, "frames"> = { errno: r.errno, rtsock: r.rt };
  if (r.data !== undefined) out.data = r.data;
  if (r.dumps !== undefined) out.dumps = r.dumps;
  return out;
}

/** The NICs whose frames the C agent handles after a nic op: a tun, or both halves of an epair. */
function agentFramed(op: Extract<Op, { op: "nic" }>): string[] {
  if (op.driver === "tun") return [op.name];
  const m = /^(epair\d+)[ab]$/.exec(op.name);
  return op.driver === "epair" && m ? [`${m[1]}a`, `${m[1]}b`] : [];
}

/** Runs the ops in order; an agent or transport failure rejects (results so far are lost to
 * the caller only if it does not catch: `partial` receives each result as it is made). */
export async function executeOps(
  agent: Pick<AgentClient, "request">,
  ops: readonly Op[],
  opts: ExecuteOptions,
  partial: OpResult[] = [],
): Promise<OpResult[]> {
  const maxSleep = opts.maxSleepSeconds ?? 600;
  /** NICs whose frames go through the agent: tun NICs it opened and both halves of epairs it
   * captures (nic ops that succeeded). */
  const viaAgent = new Set<string>();
  for (const [i, op] of ops.entries()) {
    opts.onOp?.(i, op);
    let r: AgentOk;
    if (op.op === "sleep" && op.seconds > maxSleep) {
      throw new UnsupportedOpError(
        `op ${i}: sleep ${op.seconds} s is longer than the limit of ${maxSleep} s`,
      );
    }
    const timeoutMs = (opts.opTimeoutMs ?? 60_000) + (op.op === "sleep" ? op.seconds * 1000 : 0);
    if (op.op === "inject") {
      if (opts.frames === "agent" || viaAgent.has(op.ifname)) {
        r = await agent.request({ kind: "inject", ifname: op.ifname, frame: op.frame }, timeoutMs);
      } else {
        const ok = await opts.frames.inject(op.ifname, Buffer.from(op.frame, "hex"));
        if (!ok) {
          throw new UnsupportedOpError(
            `op ${i}: inject on ${op.ifname}: only the test NICs (with a host-side netdev) and tun and epair NICs take injected frames`,
          );
        }
        await new Promise((res) => setTimeout(res, 5)); // let the frame cross QEMU before draining
        r = await agent.request({ kind: "drain" }, timeoutMs);
      }
    } else {
      r = await agent.request(opRequest(op), timeoutMs);
      if (op.op === "nic" && r.errno === 0) for (const n of agentFramed(op)) viaAgent.add(n);
    }
    // Host-side and agent frames are stamped on different clocks (host vs guest), so they are
    // not interleaved: the netdevs' frames come first, then the agent's, each in its own order.
    const frames =
      opts.frames === "agent" ? (r.frames ?? []) : [...(await opts.frames.collect()), ...(r.frames ?? [])];
    partial.push({ ...resultOf(r), frames });
  }
  return partial;
}
