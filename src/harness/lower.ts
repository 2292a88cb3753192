// Lowering: Program → Op[]. Every typed step becomes the exact bytes FreeBSD's tools would pass
// (ifconfig's in_aliasreq, arp -s's routing message...), made by the src/abi encoders, so all
// backends execute the same bytes. Problems are ProgramErrors located as file:step:field.

import * as IF from "../abi/if.ts";
import {
  encodeInAliasreq,
  encodeOInAliasreq,
  inAliasreq,
  IN_ALIASREQ_SIZE,
  OIN_ALIASREQ_SIZE,
  parseIpv4,
  prefixToMask,
} from "../abi/in.ts";
import { AF_INET, SOCKADDR_IN_SIZE, type SockaddrIn } from "../abi/socket.ts";
import { ioctlArgSize, ioctlByName, SIOCIFCREATE2, SIOCIFDESTROY } from "../abi/sockio.ts";
import { encodeSysctlInt } from "../abi/sysctl.ts";
import { lowerFrame } from "./lower-frame.ts";
import { lowerRoute } from "./lower-route.ts";
import { ROOT, toHex, type Cred, type Op } from "./ops.ts";
import { StepFieldError } from "./step-error.ts";
import { ifnameOf, ProgramError, type IoctlArgs, type Program, type SinSpec, type Step } from "./program.ts";

/** Why an op exists: set-up before the steps, a step's own op, or a checkpoint for its expect. */
export type OpOrigin =
  | { role: "setup" }
  | { role: "step"; step: number }
  | { role: "checkpoint"; step: number }
  | { role: "final" };

export interface LoweredProgram {
  ops: Op[];
  /** origins[i] says where ops[i] came from. */
  origins: OpOrigin[];
}

export function lower(program: Program, source?: string): Op[] {
  return lowerProgram(program, source).ops;
}

export function lowerProgram(program: Program, source = program.id): LoweredProgram {
  const ops: Op[] = [];
  const origins: OpOrigin[] = [];
  const push = (op: Op, origin: OpOrigin): void => {
    ops.push(op);
    origins.push(origin);
  };
  for (const name of program.modules ?? []) push({ op: "module", name }, { role: "setup" });
  for (const nic of program.nics) push({ op: "nic", ...nic }, { role: "setup" });
  for (const [name, value] of Object.entries(program.sysctls ?? {})) {
    push({ op: "sysctl", cred: ROOT, name, value: toHex(encodeSysctlInt(value)) }, { role: "setup" });
  }
  const problems: string[] = [];
  program.steps.forEach((step, i) => {
    let op: Op;
    try {
      op = lowerStep(step);
    } catch (e) {
      if (!(e instanceof StepFieldError)) throw e;
      problems.push(`step ${i} (${step.op})${e.field ? `: ${e.field}` : ""}: ${e.message}`);
      return;
    }
    push(op, { role: "step", step: i });
    if (op.op !== "checkpoint" && needsCheckpoint(step)) {
      push({ op: "checkpoint", label: `after step ${i}` }, { role: "checkpoint", step: i });
    }
    // Sysctl expectations read their values back, as root, after the step's state is dumped.
    for (const { name } of step.expect?.sysctls ?? [])
      push({ op: "sysctl", cred: ROOT, name }, { role: "checkpoint", step: i });
  });
  if (problems.length > 0) throw new ProgramError(source, problems);
  push({ op: "checkpoint", label: "end" }, { role: "final" });
  return { ops, origins };
}

/** State expectations are read from a checkpoint taken right after the step. */
function needsCheckpoint(step: Step): boolean {
  const e = step.expect;
  return e !== undefined && [e.routes, e.arp, e.addrs, e.groups].some((x) => x !== undefined);
}

function lowerStep(step: Step): Op {
  const cred: Cred = step.as ?? ROOT;
  switch (step.op) {
    case "ioctl":
      return { op: "ioctl", cred, cmd: ioctlCmd(step.cmd), data: ioctlData(step) };
    case "ifflags":
      return {
        op: "ifflags",
        cred,
        ifname: ifnameOf(step.ifname),
        set: flagBits(step.set, "set"),
        clear: flagBits(step.clear, "clear"),
      };
    case "ifcreate":
      return {
        op: "ioctl",
        cred,
        cmd: SIOCIFCREATE2,
        data: toHex(IF.encodeIfreq(IF.ifreqEmpty(step.ifname))),
      };
    case "ifdestroy":
      return {
        op: "ioctl",
        cred,
        cmd: SIOCIFDESTROY,
        data: toHex(IF.encodeIfreq(IF.ifreqEmpty(ifnameOf(step.ifname)))),
      };
    case "sysctl": {
      const v = step.value;
      const value = v === undefined ? undefined : typeof v === "number" ? toHex(encodeSysctlInt(v)) : v.hex;
      return value === undefined
        ? { op: "sysctl", cred, name: step.name }
        : { op: "sysctl", cred, name: step.name, value };
    }
    case "route":
      return { op: "rtsock_write", cred, ...lowerRoute(step) };
    case "inject":
      return { op: "inject", ifname: step.ifname, frame: toHex(lowerFrame(step.frame)) };
    case "sleep":
      return { op: "sleep", seconds: step.seconds };
    case "observe":
      return { op: "checkpoint", label: step.label ?? "observe" };
    default: {
      const never: never = step;
      throw new Error(`unhandled step ${JSON.stringify(never)}`);
    }
  }
}

function ioctlCmd(cmd: string | number): number {
  if (typeof cmd === "number") return cmd >>> 0;
  const n = ioctlByName(cmd);
  if (n === undefined) {
    throw new StepFieldError(
      "cmd",
      `unknown ioctl "${cmd}"; use a sys/sockio.h name such as SIOCAIFADDR or a number`,
    );
  }
  return n;
}

type IoctlStep = Extract<Step, { op: "ioctl" }>;

function ioctlData(step: IoctlStep): string {
  if (step.hex !== undefined) {
    if (step.ifname !== undefined || step.args !== undefined) {
      throw new StepFieldError("hex", "hex is the whole argument struct; drop ifname and args");
    }
    return step.hex;
  }
  if (step.ifname === undefined)
    throw new StepFieldError("ifname", "required unless hex gives the whole struct");
  const cmd = ioctlCmd(step.cmd);
  const args = step.args ?? {};
  const size = ioctlArgSize(cmd);
  const ifname = ifnameOf(step.ifname);
  switch (size) {
    case IN_ALIASREQ_SIZE:
      return toHex(encodeInAliasreq(aliasreq(ifname, args)));
    case OIN_ALIASREQ_SIZE:
      return toHex(encodeOInAliasreq(aliasreq(ifname, args)));
    case IF.IFREQ_SIZE:
      return toHex(IF.encodeIfreq(ifreq(ifname, args)));
    default:
      throw new StepFieldError(
        "cmd",
        `typed args cover in_aliasreq and ifreq; this ioctl takes ${size} bytes: give hex`,
      );
  }
}

const ZERO_SIN: SockaddrIn = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };

/** A sockaddr_in from a spec; "a.b.c.d/len" yields the address (its mask is prefixMask). */
function sin(spec: SinSpec | undefined, field: string): SockaddrIn {
  if (spec === undefined) return ZERO_SIN;
  if (typeof spec === "string") {
    const addr = parseIpv4(spec.split("/")[0]);
    if (addr === null) throw new StepFieldError(field, `bad address "${spec}"`);
    return { sin_len: SOCKADDR_IN_SIZE, sin_family: AF_INET, sin_port: 0, sin_addr: addr };
  }
  return {
    sin_len: spec.len ?? SOCKADDR_IN_SIZE,
    sin_family: spec.family ?? AF_INET,
    sin_port: spec.port ?? 0,
    sin_addr: parseIpv4(spec.addr ?? "0.0.0.0") ?? 0,
  };
}

/** The mask implied by "a.b.c.d/len", or undefined. */
function prefixMask(spec: SinSpec | undefined): SockaddrIn | undefined {
  if (typeof spec !== "string" || !spec.includes("/")) return undefined;
  const len = Number(spec.split("/")[1]);
  return { sin_len: SOCKADDR_IN_SIZE, sin_family: AF_INET, sin_port: 0, sin_addr: prefixToMask(len) };
}

function aliasreq(ifname: string, a: IoctlArgs): ReturnType<typeof inAliasreq> {
  if (a.flags !== undefined || a.int !== undefined) {
    throw new StepFieldError("args", "flags/int belong to ifreq ioctls, not in_aliasreq");
  }
  if (a.broadaddr !== undefined && a.dstaddr !== undefined) {
    throw new StepFieldError(
      "args.dstaddr",
      "broadaddr and dstaddr share one slot (ifra_dstaddr is ifra_broadaddr)",
    );
  }
  const mask = a.mask !== undefined ? sin(a.mask, "args.mask") : (prefixMask(a.addr) ?? ZERO_SIN);
  const brd = a.dstaddr !== undefined ? sin(a.dstaddr, "args.dstaddr") : sin(a.broadaddr, "args.broadaddr");
  return inAliasreq(ifname, sin(a.addr, "args.addr"), mask, brd, a.vhid ?? 0);
}

function ifreq(ifname: string, a: IoctlArgs): IF.Ifreq {
  const given = (["addr", "flags", "int"] as const).filter((k) => a[k] !== undefined);
  const extra = (["mask", "broadaddr", "dstaddr", "vhid"] as const).find((k) => a[k] !== undefined);
  if (extra !== undefined)
    throw new StepFieldError(`args.${extra}`, "an ifreq has one union slot: use args.addr");
  if (given.length > 1)
    throw new StepFieldError("args", `an ifreq carries one of ${given.join("/")}, not several`);
  if (a.addr !== undefined) return IF.ifreqWithAddr(ifname, sin(a.addr, "args.addr"));
  if (a.flags !== undefined) return IF.ifreqWithFlags(ifname, flagBits(a.flags, "args.flags"));
  if (a.int !== undefined) return IF.ifreqWithInt(ifname, a.int);
  return IF.ifreqEmpty(ifname);
}

/** IFF_ names ("UP" or "IFF_UP") → bits, via the constants src/abi/if.ts exports. */
function flagBits(names: readonly string[], field: string): number {
  let bits = 0;
  for (const n of names) {
    const key = n.startsWith("IFF_") ? n : `IFF_${n}`;
    const v = (IF as Record<string, unknown>)[key];
    if (typeof v !== "number")
      throw new StepFieldError(field, `unknown interface flag "${n}" (IFF_UP, IFF_NOARP, ...)`);
    bits |= v;
  }
  return bits >>> 0;
}
