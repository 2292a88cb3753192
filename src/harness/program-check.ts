// Checks a Program beyond its shape: every name it uses must mean something, so no expectation
// passes because it looks for a thing that cannot exist (a misspelt field path with count 0, a
// route key with host bits set, an unknown message type with absent). Each problem names its
// field, and a near miss gets a "did you mean".

import { errnoByName, errnoName } from "../abi/errno.ts";
import { formatIfFlags } from "../abi/if.ts";
import { ipv4ToString, parseIpv4, prefixToMask } from "../abi/in.ts";
import { formatRtFlags, RTAX_NAMES, rtmTypeName } from "../abi/route_defs.ts";
import { IOCTLS } from "../abi/sockio.ts";
import { FRAME_FIELD_PATHS, FRAME_FIELDS, fieldKind, wantProblem } from "./frame-fields.ts";
import type { Expect, IfnameSpec, Program, RtsockExpect } from "./program.ts";
import { SYSCTL_TYPES, type SysctlType } from "./sysctl-types.ts";

const NUMERIC: readonly SysctlType[] = ["int", "uint", "long", "ulong"];

export interface CheckIssue {
  path: (string | number)[];
  message: string;
}

/** Edit distance, for suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** "; did you mean X?" for the closest candidate (case ignored), else "". Without `always`, only
 * a near miss (a few edits) is suggested. */
export function didYouMean(word: string, candidates: Iterable<string>, always = false): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  const near = always || bestD <= Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && near ? `; did you mean ${best}?` : "";
}

/** Why a `where` path names no decoded field: within a known layer, its closest field and the
 * layer's fields; else the closest path and the layers. */
function unknownFieldMessage(path: string): string {
  const [layer, ...rest] = path.split(".");
  const fields = Object.hasOwn(FRAME_FIELDS, layer) ? Object.keys(FRAME_FIELDS[layer]) : undefined;
  if (fields === undefined)
    return `no decoded frame has "${path}"${didYouMean(path, FRAME_FIELD_PATHS)}; paths are layer.field, layers: ${Object.keys(FRAME_FIELDS).join(", ")}`;
  const hint = didYouMean(rest.join("."), fields, true).replace("mean ", `mean ${layer}.`);
  return `no decoded frame has "${path}"${hint}; ${layer} fields: ${fields.join(", ")}`;
}

/** Every name a bit-naming formatter knows: the set bits of all ones, minus the hex rest. */
const namesOf = (format: (bits: number) => string): string[] =>
  format(0xffffffff)
    .split(",")
    .filter((n) => !n.startsWith("0x"));

const RTF_NAMES = namesOf(formatRtFlags);
const IFF_NAMES = namesOf(formatIfFlags);
const RTM_TYPES = Array.from({ length: 32 }, (_, i) => rtmTypeName(i)).filter((n) => !n.startsWith("RTM_0x"));
// errno.h numbers run to ELAST (97 in 10.4); negative ones are the kernel's internal codes.
const ERRNO_NAMES = [
  "OK",
  ...Array.from({ length: 140 }, (_, i) => errnoName(i - 10)).filter((n) => /^E[A-Z0-9]+$/.test(n)),
];
/** The flag names a message type's decoded flags can hold (src/harness/decode.ts rtMsgObs):
 * interface flags for address and interface messages, none for group messages, route flags
 * for the rest. */
function flagTable(type: string): { names: readonly string[]; prefix: string } {
  if (["RTM_NEWADDR", "RTM_DELADDR", "RTM_IFINFO"].includes(type))
    return { names: IFF_NAMES, prefix: "IFF_" };
  if (type === "RTM_IFANNOUNCE") return { names: ["ARRIVAL", "DEPARTURE"], prefix: "" };
  if (type === "RTM_NEWMADDR" || type === "RTM_DELMADDR") return { names: [], prefix: "" };
  return { names: RTF_NAMES, prefix: "RTF_" };
}

/** The interfaces a program touches: its NICs and the ones it clones, with both halves of an epair. */
export function programInterfaces(p: Pick<Program, "nics" | "steps">): Set<string> {
  const names = new Set(p.nics.map((n) => n.name));
  for (const s of p.steps) if (s.op === "ifcreate") names.add(s.ifname);
  for (const n of [...names]) {
    // if_epair.c: cloning epairN makes epairNa and epairNb.
    const m = /^(epair\d+)[ab]?$/.exec(n);
    if (m !== null) for (const half of ["a", "b"]) names.add(`${m[1]}${half}`);
  }
  return names;
}

export function checkProgram(p: Program): CheckIssue[] {
  const issues: CheckIssue[] = [];
  // lo0 is always there (if_loop.c attaches it at boot).
  const known = new Set(["lo0", ...programInterfaces(p)]);
  const list = [...known].join(", ");
  const ifname = (path: (string | number)[], spec: IfnameSpec | undefined): void => {
    if (spec === undefined) return;
    if (typeof spec === "string") {
      if (!known.has(spec))
        issues.push({
          path,
          message: `"${spec}" is not an interface of this program (${list})${didYouMean(spec, known)}; declare it in nics, or write { "missing": "${spec}" } to probe a missing interface`,
        });
    } else if (known.has(spec.missing)) {
      issues.push({
        path: [...path, "missing"],
        message: `"${spec.missing}" is this program's, so it is not missing`,
      });
    }
  };
  p.steps.forEach((step, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ["steps", i, ...rest];
    switch (step.op) {
      case "ioctl":
        if (typeof step.cmd === "string" && !Object.hasOwn(IOCTLS, step.cmd))
          issues.push({
            path: at("cmd"),
            message: `unknown ioctl "${step.cmd}"${didYouMean(step.cmd, Object.keys(IOCTLS))} (a sys/sockio.h name, or the command number)`,
          });
        ifname(at("ifname"), step.ifname);
        break;
      case "ifflags":
      case "ifdestroy":
      case "route":
      case "inject":
        ifname(at("ifname"), step.ifname);
        break;
      default:
        break;
    }
    if (step.expect !== undefined) checkExpect(step.expect, at("expect"), known, issues);
  });
  return issues;
}

function flagNames(
  names: readonly string[] | undefined,
  path: (string | number)[],
  table: readonly string[],
  prefix: string,
  issues: CheckIssue[],
): void {
  (names ?? []).forEach((n, j) => {
    const bare = n.startsWith(prefix) ? n.slice(prefix.length) : n;
    if (!table.includes(bare))
      issues.push({
        path: [...path, j],
        message:
          table.length === 0
            ? `"${n}": these messages carry no flags`
            : `unknown flag "${n}"${didYouMean(bare, table)} (known: ${table.join(", ")})`,
      });
  });
}

/** With absent, an entry is only its key: any other field would read as a condition on the
 * missing row ("no route via X") that is never checked. */
function absentExtras(
  entry: { absent?: boolean } & Record<string, unknown>,
  keys: readonly string[],
  path: (string | number)[],
  issues: CheckIssue[],
): void {
  if (entry.absent !== true) return;
  for (const k of Object.keys(entry))
    if (k !== "absent" && !keys.includes(k) && entry[k] !== undefined)
      issues.push({
        path: [...path, k],
        message: `with absent, only ${keys.join(" and ")} say which entry must not exist; ${k} would not be checked`,
      });
}

function checkExpect(e: Expect, at: (string | number)[], known: Set<string>, issues: CheckIssue[]): void {
  const list = [...known].join(", ");
  const ifname = (path: (string | number)[], name: string | undefined): void => {
    if (name !== undefined && !known.has(name))
      issues.push({
        path,
        message: `"${name}" is not an interface of this program (${list})${didYouMean(name, known)}: nothing there could match`,
      });
  };
  if (typeof e.errno === "string" && errnoByName(e.errno) === undefined)
    issues.push({
      path: [...at, "errno"],
      message: `unknown errno "${e.errno}"${didYouMean(e.errno, ERRNO_NAMES)} ("OK", a sys/errno.h name, or a number)`,
    });
  e.routes?.forEach((r, j) => {
    const path = [...at, "routes", j];
    const [addr, len] = r.dst.split("/");
    if (len !== undefined) {
      const a = parseIpv4(addr) ?? 0;
      const net = (a & prefixToMask(Number(len))) >>> 0;
      if (net !== a)
        issues.push({
          path: [...path, "dst"],
          message: `${r.dst} has host bits set: no route has that key (the kernel masks a prefix's destination); did you mean ${ipv4ToString(net)}/${len}?`,
        });
    }
    ifname([...path, "ifname"], r.ifname);
    absentExtras(r, ["dst", "ifname"], path, issues);
    flagNames(r.flags, [...path, "flags"], RTF_NAMES, "RTF_", issues);
    flagNames(r.noflags, [...path, "noflags"], RTF_NAMES, "RTF_", issues);
  });
  e.arp?.forEach((a, j) => {
    ifname([...at, "arp", j, "ifname"], a.ifname);
    absentExtras(a, ["addr", "ifname"], [...at, "arp", j], issues);
    flagNames(a.flags, [...at, "arp", j, "flags"], RTF_NAMES, "RTF_", issues);
  });
  e.addrs?.forEach((a, j) => {
    ifname([...at, "addrs", j, "ifname"], a.ifname);
    absentExtras(a, ["ifname", "addr"], [...at, "addrs", j], issues);
  });
  e.groups?.forEach((g, j) => {
    ifname([...at, "groups", j, "ifname"], g.ifname);
    // IN_MULTICAST: 224.0.0.0/4; a link-layer group has the I/G bit of its first octet set.
    if (g.group !== undefined && (parseIpv4(g.group) ?? 0) >>> 28 !== 0xe)
      issues.push({
        path: [...at, "groups", j, "group"],
        message: `${g.group} is not a multicast address (224.0.0.0/4): no membership has it`,
      });
    if (g.lladdr !== undefined && (parseInt(g.lladdr.slice(0, 2), 16) & 1) === 0)
      issues.push({
        path: [...at, "groups", j, "lladdr"],
        message: `${g.lladdr} is not a multicast MAC (the first octet's low bit is clear): no membership has it`,
      });
  });
  e.frames?.forEach((f, j) => {
    ifname([...at, "frames", j, "ifname"], f.ifname);
    for (const [path, want] of Object.entries(f.where)) {
      const where = [...at, "frames", j, "where", path];
      const kind = fieldKind(path);
      if (kind === undefined) {
        issues.push({ path: where, message: unknownFieldMessage(path) });
        continue;
      }
      const problem = wantProblem(kind, want);
      if (problem !== undefined) issues.push({ path: where, message: problem });
    }
  });
  if (Array.isArray(e.rtsock)) checkRtsock(e.rtsock, [...at, "rtsock"], ifname, issues);
  else if (e.rtsock !== undefined) {
    const path = [...at, "rtsock", "exactly"];
    checkRtsock(e.rtsock.exactly, path, ifname, issues);
    e.rtsock.exactly.forEach((x, j) => {
      if (typeof x !== "string" && x.absent === true)
        issues.push({
          path: [...path, j, "absent"],
          message: "exactly lists the messages there are; a message that must not appear is one not listed",
        });
    });
  }
  e.sysctls?.forEach((x, j) => {
    const info = Object.hasOwn(SYSCTL_TYPES, x.name) ? SYSCTL_TYPES[x.name] : undefined;
    if (typeof x.value !== "number" || (info !== undefined && NUMERIC.includes(info.type))) return;
    issues.push({
      path: [...at, "sysctls", j, "value"],
      message:
        info === undefined
          ? `"${x.name}" has no known type to read a number from${didYouMean(x.name, Object.keys(SYSCTL_TYPES))}; give { "hex": ... } or a sysctl from src/harness/sysctl-types.ts`
          : `"${x.name}" is a ${info.type}, not a number; give { "hex": ... }`,
    });
  });
}

function checkRtsock(
  list: readonly RtsockExpect[],
  at: (string | number)[],
  ifname: (path: (string | number)[], name: string | undefined) => void,
  issues: CheckIssue[],
): void {
  list.forEach((e, j) => {
    const type = typeof e === "string" ? e : e.type;
    const path = typeof e === "string" ? [...at, j] : [...at, j, "type"];
    if (!RTM_TYPES.includes(type)) {
      issues.push({ path, message: `unknown message type "${type}"${didYouMean(type, RTM_TYPES)}` });
      return;
    }
    if (typeof e === "string") return;
    ifname([...at, j, "ifname"], e.ifname);
    for (const slot of Object.keys(e.slots ?? {}))
      if (!(RTAX_NAMES as readonly string[]).includes(slot))
        issues.push({
          path: [...at, j, "slots", slot],
          message: `unknown address slot "${slot}"${didYouMean(slot, RTAX_NAMES)} (slots: ${RTAX_NAMES.join(", ")})`,
        });
    const { names, prefix } = flagTable(type);
    flagNames(e.flags, [...at, j, "flags"], names, prefix, issues);
    flagNames(e.noflags, [...at, j, "noflags"], names, prefix, issues);
  });
}
