// Checks a program's expectations (packetdrill-style assertions on steps) against one
// backend's observations. Each failure says what was expected and what happened.

import { errnoByName, errnoName } from "../abi/errno.ts";
import type { JsonValue } from "../wire/json.ts";
import type { Finding } from "./findings.ts";
import { fieldEquals, fieldKind, sameAddressText } from "./frame-fields.ts";
import { formatSysctlValue, SYSCTL_TYPES, sysctlNumber } from "./sysctl-types.ts";
import type { ArpObs, FrameObs, Observations, OpObs, RtMsgObs, StateObs } from "./observation.ts";
import type {
  AddrExpect,
  ArpExpect,
  DataExpect,
  Expect,
  FrameExpect,
  GroupExpect,
  Program,
  RouteExpect,
  RtsockExpect,
  SysctlExpect,
} from "./program.ts";

type ExpectFinding = Extract<Finding, { kind: "expect" }>;
type Check = ExpectFinding["check"];

/** The op a step lowered to, the state right after it (its checkpoint, or itself), and the
 * sysctls read back after it. */
function stepOps(obs: Observations, step: number): { main?: OpObs; state?: StateObs; reads: OpObs[] } {
  const main = obs.ops.find((o) => o.origin.role === "step" && o.origin.step === step);
  const after = obs.ops.filter((o) => o.origin.role === "checkpoint" && o.origin.step === step);
  const cp = after.find((o) => o.op.op === "checkpoint");
  return { main, state: cp?.state ?? main?.state, reads: after.filter((o) => o.op.op === "sysctl") };
}

export function checkExpectations(program: Program, obs: Observations): Finding[] {
  const out: Finding[] = [];
  program.steps.forEach((step, i) => {
    if (step.expect === undefined) return;
    const { main, state, reads } = stepOps(obs, i);
    if (main === undefined) return;
    const fail = (check: Check, what: string, expected: string, actual: string): void => {
      out.push({
        kind: "expect",
        check,
        step: i,
        opIndex: main.index,
        path: `step ${i} ${check} ${what}`.trimEnd(),
        message: `${check}${what ? ` ${what}` : ""}: expected ${expected}, got ${actual}`,
        expected,
        actual,
      });
    };
    checkStep(step.expect, main, state, fail);
    for (const [j, e] of (step.expect.sysctls ?? []).entries()) checkSysctl(e, reads[j], fail);
  });
  return out;
}

type Fail = (check: Check, what: string, expected: string, actual: string) => void;

function checkStep(e: Expect, main: OpObs, state: StateObs | undefined, fail: Fail): void {
  if (e.errno !== undefined) {
    const want = typeof e.errno === "number" ? e.errno : errnoByName(e.errno);
    if (want === undefined) fail("errno", "", `a known errno name (got "${e.errno}")`, errnoName(main.errno));
    else if (want !== main.errno) fail("errno", "", errnoName(want), errnoName(main.errno));
  }
  if (state !== undefined) {
    for (const r of e.routes ?? []) checkRoute(r, state, fail);
    for (const a of e.arp ?? []) checkArp(a, state, fail);
    for (const a of e.addrs ?? []) checkAddr(a, state, fail);
    for (const g of e.groups ?? []) checkGroup(g, state, fail);
  }
  if (e.frames?.length === 0) checkNoFrames(main.frames, fail);
  for (const f of e.frames ?? []) checkFrames(f, main.frames, fail);
  if (Array.isArray(e.rtsock)) checkRtsock(e.rtsock, main.rtsock, fail);
  else if (e.rtsock !== undefined) checkRtsockExactly(e.rtsock.exactly, main.rtsock, fail);
  if (e.data !== undefined) checkData(e.data, main, fail);
  // The step's op completed (a panicking op has no result, so no `main`): no panic happened.
  if (e.panic === true) fail("panic", "", "a kernel panic", errnoName(main.errno));
}

/** ifr_addr sits after the 16-byte ifr_name: sin_len, sin_family, sin_port (2), sin_addr (4). */
function checkData(e: DataExpect, main: OpObs, fail: Fail): void {
  const got = main.data ?? "";
  // A sysctl's bytes read as its value ("1 (int, hex 01000000)"), where its type is known.
  const show = (hex: string): string =>
    main.op.op === "sysctl" ? formatSysctlValue(main.op.name, hex) : hex;
  if (e.hex !== undefined && got !== e.hex) fail("data", "hex", show(e.hex), got ? show(got) : "no data");
  const a = e.ifr_addr;
  if (a === undefined) return;
  if (got.length < 32 * 2) {
    fail("data", "ifr_addr", "an ifreq (32 bytes)", `${got.length / 2} bytes`);
    return;
  }
  const b = Buffer.from(got.slice(32, 64), "hex");
  const addr = `${b[4]}.${b[5]}.${b[6]}.${b[7]}`;
  const problems = mismatches([
    ["sin_len", a.len?.toString(), String(b[0])],
    ["sin_family", a.family?.toString(), String(b[1])],
    ["sin_addr", a.addr, addr],
  ]);
  if (problems.length > 0)
    fail("data", "ifr_addr", problems.join(", "), `sin_len ${b[0]} sin_family ${b[1]} sin_addr ${addr}`);
}

const stripPrefix = (s: string, p: string): string => (s.startsWith(p) ? s.slice(p.length) : s);
const flagSet = (s: string): Set<string> => new Set(s.split(",").filter((x) => x !== ""));
const hostForm = (dst: string): string => (dst.endsWith("/32") ? dst.slice(0, -3) : dst);

/** The expected fields that differ, as "field: want ≠ got" parts. */
function mismatches(pairs: [string, string | undefined, string | undefined][]): string[] {
  return pairs
    .filter(([, want, got]) => want !== undefined && want !== got)
    .map(([f, want, got]) => `${f} ${want} (got ${got ?? "none"})`);
}

/** A sysctl read back after the step: the read succeeded and the value is the one expected. */
function checkSysctl(e: SysctlExpect, read: OpObs | undefined, fail: Fail): void {
  if (read === undefined) {
    fail("sysctls", e.name, "the value read back", "no read in the trace");
    return;
  }
  const got = read.data ?? "";
  const want = typeof e.value === "number" ? e.value : e.value.hex;
  const shown = typeof e.value === "number" ? String(e.value) : formatSysctlValue(e.name, e.value.hex);
  if (read.errno !== 0) {
    fail("sysctls", e.name, shown, `the read failed with ${errnoName(read.errno)}`);
    return;
  }
  const info = Object.hasOwn(SYSCTL_TYPES, e.name) ? SYSCTL_TYPES[e.name] : undefined;
  const value =
    typeof want === "string" ? got : info !== undefined ? sysctlNumber(info.type, got) : undefined;
  // A long's bigint equals its number when it fits; the schema's ints always do.
  if (value === undefined || (typeof want === "string" ? value !== want : BigInt(value) !== BigInt(want)))
    fail("sysctls", e.name, shown, formatSysctlValue(e.name, got));
}

function checkRoute(r: RouteExpect, s: StateObs, fail: Fail): void {
  const dst = hostForm(r.dst);
  const found = s.routes.filter((x) => x.dst === dst && (r.ifname === undefined || x.ifname === r.ifname));
  const what = `${dst}${r.ifname ? ` on ${r.ifname}` : ""}`;
  if (r.absent === true) {
    if (found.length > 0)
      fail("routes", what, "no such route", `${found[0].dst} via ${found[0].gateway} <${found[0].flags}>`);
    return;
  }
  if (found.length === 0) {
    fail("routes", what, "a route", `none (routes: ${s.routes.map((x) => x.dst).join(", ") || "empty"})`);
    return;
  }
  const x = found[0];
  const flags = flagSet(x.flags);
  // "link#" is any interface gateway; an address or MAC compares canonically.
  const gatewayOk =
    r.gateway === undefined ||
    (r.gateway === "link#" ? x.gateway.startsWith("link#") : sameAddressText(x.gateway, r.gateway));
  const problems = gatewayOk ? [] : [`gateway ${r.gateway} (got ${x.gateway || "none"})`];
  for (const f of r.flags ?? []) if (!flags.has(stripPrefix(f, "RTF_"))) problems.push(`flag ${f} set`);
  for (const f of r.noflags ?? []) if (flags.has(stripPrefix(f, "RTF_"))) problems.push(`flag ${f} clear`);
  if (r.ifa !== undefined && x.ifa !== r.ifa) problems.push(`ifa ${r.ifa}`);
  if (problems.length > 0)
    fail(
      "routes",
      what,
      problems.join(", "),
      `${x.dst} via ${x.gateway} on ${x.ifname} <${x.flags}>${x.ifa ? ` ifa ${x.ifa}` : ""}`,
    );
}

function checkArp(a: ArpExpect, s: StateObs, fail: Fail): void {
  const x = s.arp.find((e) => e.addr === a.addr && (a.ifname === undefined || e.ifname === a.ifname));
  if (a.absent === true) {
    if (x !== undefined) fail("arp", a.addr, "no entry", `${x.lladdr} on ${x.ifname} <${x.flags}>`);
    return;
  }
  if (x === undefined) {
    fail("arp", a.addr, "an entry", `none (entries: ${s.arp.map((e) => e.addr).join(", ") || "empty"})`);
    return;
  }
  const problems = mismatches([
    ["lladdr", a.lladdr, x.lladdr],
    ["ifname", a.ifname, x.ifname],
  ]);
  if (a.static !== undefined && flagSet(x.flags).has("STATIC") !== a.static)
    problems.push(a.static ? "static" : "not static");
  for (const f of a.flags ?? [])
    if (!flagSet(x.flags).has(stripPrefix(f, "RTF_"))) problems.push(`flag ${f}`);
  if (a.expire !== undefined) {
    const problem = expireProblem(a.expire, x, s);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0)
    fail("arp", a.addr, problems.join(", "), `${x.lladdr} on ${x.ifname} <${x.flags}>`);
}

/** Why an entry's time left misses [min, max], or undefined when it is within. */
function expireProblem(want: NonNullable<ArpExpect["expire"]>, x: ArpObs, s: StateObs): string | undefined {
  const range = `expire in ${want.min ?? 0}..${want.max ?? "∞"}s`;
  const left = s.arpSecondsLeft?.[`${x.addr} ${x.ifname}`];
  if (left !== undefined)
    return left < (want.min ?? 0) || left > (want.max ?? Infinity) ? `${range} (got ${left}s)` : undefined;
  if (x.expire === "permanent") return `${range} (got a permanent entry)`;
  return `${range} (got ${x.expire}: the backend reported no uptime to count from)`;
}

function checkAddr(a: AddrExpect, s: StateObs, fail: Fail): void {
  const [addr, len] = a.addr.split("/");
  const x = s.addrs.find((e) => e.ifname === a.ifname && e.addr === addr);
  const what = `${a.addr} on ${a.ifname}`;
  if (a.absent === true) {
    if (x !== undefined) fail("addrs", what, "no such address", `${x.addr}/${x.prefixlen ?? x.mask}`);
    return;
  }
  if (x === undefined) {
    const here = s.addrs
      .filter((e) => e.ifname === a.ifname)
      .map((e) => `${e.addr}/${e.prefixlen ?? e.mask}`);
    fail("addrs", what, "the address", `none (${a.ifname} has ${here.join(", ") || "no IPv4 address"})`);
    return;
  }
  const problems = mismatches([
    ["prefixlen", len, x.prefixlen === null ? `mask ${x.mask}` : String(x.prefixlen)],
    ["broadaddr", a.broadaddr, x.broadaddr],
    ["dstaddr", a.dstaddr, x.dstaddr],
  ]);
  if (problems.length > 0) {
    const got = `${x.addr}/${x.prefixlen ?? x.mask}${x.broadaddr ? ` broadcast ${x.broadaddr}` : ""}${x.dstaddr ? ` --> ${x.dstaddr}` : ""}`;
    fail("addrs", what, problems.join(", "), got);
  }
}

function checkGroup(g: GroupExpect, s: StateObs, fail: Fail): void {
  const has = s.groups.some(
    (x) =>
      x.ifname === g.ifname &&
      (g.group === undefined || x.group === g.group) &&
      (g.lladdr === undefined || x.lladdr === g.lladdr),
  );
  const what = `${[g.group, g.lladdr].filter((x) => x !== undefined).join(" at ")} on ${g.ifname}`;
  const here = s.groups
    .filter((x) => x.ifname === g.ifname)
    .map((x) => (g.lladdr !== undefined ? `${x.group} at ${x.lladdr || "no lladdr"}` : x.group));
  if (g.absent === true && has) fail("groups", what, "not a member", "member");
  if (g.absent !== true && !has)
    fail("groups", what, "a member", `not a member (${here.join(", ") || "no groups"})`);
}

/** A decoded frame's field by "layer.field" ("arp.targetIp", "ethernet.dst"). */
function frameField(f: FrameObs, path: string): JsonValue | undefined {
  const [layer, ...rest] = path.split(".");
  const l = f.json.layers.find((x) => x.layer === layer);
  let v: JsonValue | undefined = l;
  for (const k of rest) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = v[k];
  }
  return v;
}

function frameMatches(f: FrameObs, e: FrameExpect): boolean {
  if (e.ifname !== undefined && f.ifname !== e.ifname) return false;
  if (e.hex !== undefined && f.hex !== e.hex) return false;
  // Validation made every path a known field (frame-fields.ts); its kind says how to compare.
  return Object.entries(e.where).every(([path, want]) => {
    const kind = fieldKind(path);
    return kind !== undefined && fieldEquals(kind, frameField(f, path), want);
  });
}

/** `frames: []`: the step made the NICs emit nothing. */
function checkNoFrames(frames: readonly FrameObs[], fail: Fail): void {
  if (frames.length > 0)
    fail(
      "frames",
      "none",
      "no frames",
      `${frames.length} (${frames.map((f) => `${f.ifname}: ${f.summary}`).join("; ")})`,
    );
}

function checkFrames(e: FrameExpect, frames: readonly FrameObs[], fail: Fail): void {
  const n = frames.filter((f) => frameMatches(f, e)).length;
  const what = [
    ...Object.entries(e.where).map(([k, v]) => `${k}=${v}`),
    ...(e.hex ? [`hex=${e.hex}`] : []),
  ].join(" ");
  const ok = e.count === undefined ? n > 0 : n === e.count;
  if (!ok) {
    const seen =
      frames.map((f) => `${f.ifname}: ${f.summary}${e.hex !== undefined ? ` [${f.hex}]` : ""}`).join("; ") ||
      "no frames";
    fail(
      "frames",
      what,
      e.count === undefined ? "at least one matching frame" : `${e.count} matching frame(s)`,
      `${n} (${seen})`,
    );
  }
}

function rtsockMatches(m: RtMsgObs, e: RtsockExpect): boolean {
  if (typeof e === "string") return m.type === e;
  if (m.type !== e.type) return false;
  if (e.ifname !== undefined && m.ifname !== e.ifname) return false;
  const flags = flagSet(m.flags);
  // Route messages carry RTF_ flags, address and interface messages IFF_ ones.
  const bare = (f: string): string => stripPrefix(stripPrefix(f, "RTF_"), "IFF_");
  if ((e.flags ?? []).some((f) => !flags.has(bare(f)))) return false;
  if ((e.noflags ?? []).some((f) => flags.has(bare(f)))) return false;
  if (Object.entries(e.slots ?? {}).some(([slot, text]) => !sameAddressText(m.addrs[slot], text)))
    return false;
  return e.addr === undefined || Object.values(m.addrs).includes(e.addr);
}

/** The messages a step caused, one line for failure reports. */
function seenMessages(msgs: readonly RtMsgObs[]): string {
  return (
    msgs
      .map(
        (m) =>
          `${m.type}${(m.addrs.dst ?? m.addrs.ifa) ? ` ${m.addrs.dst ?? m.addrs.ifa}` : ""}${m.addrs.gateway ? ` gw ${m.addrs.gateway}` : ""} <${m.flags}>`,
      )
      .join(", ") || "none"
  );
}

function rtsockLabel(e: RtsockExpect): string {
  return typeof e === "string"
    ? e
    : [
        e.type,
        e.addr,
        ...Object.entries(e.slots ?? {}).map(([k, v]) => `${k}=${v}`),
        e.flags ? `<${e.flags.join(",")}>` : undefined,
        e.noflags ? `<!${e.noflags.join(",!")}>` : undefined,
      ]
        .filter((x) => x !== undefined)
        .join(" ");
}

/** Exactly these messages, in this order, and no others. */
function checkRtsockExactly(list: readonly RtsockExpect[], msgs: readonly RtMsgObs[], fail: Fail): void {
  const ok = list.length === msgs.length && list.every((e, i) => rtsockMatches(msgs[i], e));
  if (!ok) {
    const want = list.map(rtsockLabel).join(", ") || "none";
    fail("rtsock", "exactly", `exactly ${want}`, seenMessages(msgs));
  }
}

/** Present expectations must appear in order (others may come between); absent ones not at all. */
function checkRtsock(list: readonly RtsockExpect[], msgs: readonly RtMsgObs[], fail: Fail): void {
  const seen = seenMessages(msgs);
  let at = 0;
  for (const e of list) {
    const label = rtsockLabel(e);
    if (typeof e !== "string" && e.absent === true) {
      if (msgs.some((m) => rtsockMatches(m, e))) fail("rtsock", label, "no such message", seen);
      continue;
    }
    const i = msgs.findIndex((m, j) => j >= at && rtsockMatches(m, e));
    if (i === -1) {
      fail("rtsock", label, `${label} (in this order)`, seen);
      return;
    }
    at = i + 1;
  }
}
