// The guest agent's wire format (vm/agent/inconf-agent.c is the other side). Every line either
// way is a frame, "#<len>:<crc32>:<payload>\n" (see "Framing" below); a request payload is one
// request, space-separated tokens, bytes in lowercase hex, "-" for "none". Both directions are
// encoded and decoded here so the stand-in agent (a twin behind SSH) and the client share one
// codec with the C agent.
//
//   request:  <id> version | nic <name> <driver> <mac12> | module <name>
//           | ioctl <cred> <cmd> <hex|-> | ifflags <cred> <ifname> <set> <clear>
//           | sysctl <cred> <name> <-|=hex> | rtsock <cred> <hex> <-|at:ifname,...>
//           | sleep <seconds> | inject <ifname> <hex> | dump | drain | reset | quit
//           | echo <hex|-> | stats | settle <settle_ms> <quiet_ms|->
//   (reset: a fresh Kernel, stand-in only; the FreeBSD backend resets by restoring a snapshot)
//   (inject: agents that own their frames, like the twin stand-in, take it for every NIC; the
//   C agent for tun NICs (a write to the /dev/tunN it holds open since their nic op) and epair
//   NICs (a bpf write on the peer half), and refuses it for others: the FreeBSD backend injects
//   into those host side through the NIC's netdev)
//   (echo, stats: the line's own checks, nothing runs; settle: how the agent waits for
//   trailing routing messages after an op, "-" for the fixed settle period only)
//   cred:     <uid> | <uid>@<jail>:<ip4>,<ip4>...
//   response: <id> ok key=value... | <id> error <text> | <id> ack | - nak | - ready ...
//   keys: errno, data, rt (messages, comma-separated), routes/arp/iflist/ifmalist/uptime (dump),
//   version, frames (ifname/seconds/hex, comma-separated; the stand-in always, the C agent
//   while it holds a tun device open or captures an epair), frames/naks/repeats/ops (stats)

import { crc32 } from "node:zlib";
import type { Cred } from "../harness/ops.ts";

export type AgentRequest =
  | { kind: "version" }
  | { kind: "nic"; name: string; driver: string; mac?: string /* 12 hex digits; none for tun */ }
  | { kind: "module"; name: string }
  | { kind: "ioctl"; cred: Cred; cmd: number; data: string }
  | { kind: "ifflags"; cred: Cred; ifname: string; set: number; clear: number }
  | { kind: "sysctl"; cred: Cred; name: string; value?: string }
  | { kind: "rtsock"; cred: Cred; msg: string; ifindex?: { at: number; ifname: string }[] }
  | { kind: "sleep"; seconds: number }
  | { kind: "inject"; ifname: string; frame: string }
  | { kind: "dump" }
  | { kind: "drain" }
  | { kind: "reset" }
  | { kind: "quit" }
  | { kind: "echo"; data: string }
  | { kind: "stats" }
  | { kind: "settle"; settleMs: number; quietMs?: number /* none: no sentinel */ };

export interface AgentOk {
  ok: true;
  errno: number;
  data?: string;
  /** Messages drained from the monitoring routing socket after the op. */
  rt: string[];
  dumps?: { routes: string; arp: string; iflist: string; ifmalist: string; uptime?: number };
  version?: string;
  frames?: { ifname: string; time: number; frame: string }[];
  /** The agent's line counters (stats): good request frames, NAKs sent, repeats answered from
   * the cache, requests run. */
  stats?: LineStats;
}
export interface LineStats {
  frames: number;
  naks: number;
  repeats: number;
  ops: number;
}
export interface AgentErr {
  ok: false;
  message: string;
}
export type AgentResponse = AgentOk | AgentErr;

export class AgentProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentProtocolError";
  }
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const HEX = /^(?:[0-9a-f]{2})*$/;
const IP4 = /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function name(what: string, s: string, max: number): string {
  if (!NAME.test(s) || s.length >= max) throw new AgentProtocolError(`bad ${what} "${s}"`);
  return s;
}

function hexOrDash(s: string): string {
  if (s === "") return "-";
  if (!HEX.test(s)) throw new AgentProtocolError(`not lowercase hex: "${s.slice(0, 32)}"`);
  return s;
}

/** Decimal seconds without exponent notation (the C agent reads them with strtod). */
function seconds(n: number): string {
  const r = Math.round(n * 1e6) / 1e6;
  return String(r).includes("e") ? r.toFixed(6) : String(r);
}

function u32(what: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new AgentProtocolError(`bad ${what} ${n}`);
  return String(n);
}

export function encodeCred(c: Cred): string {
  const uid = u32("uid", c.uid);
  if (!c.jail) return uid;
  for (const ip of c.jail.ip4) if (!IP4.test(ip)) throw new AgentProtocolError(`bad jail address "${ip}"`);
  return `${uid}@${name("jail name", c.jail.name, 64)}:${c.jail.ip4.join(",")}`;
}

export function decodeCred(s: string): Cred {
  const m = /^(\d+)(?:@([A-Za-z0-9_.-]+):([0-9.,]*))?$/.exec(s);
  if (!m) throw new AgentProtocolError(`bad cred "${s}"`);
  const uid = Number(m[1]);
  if (uid > 0x7fffffff) throw new AgentProtocolError(`bad uid in cred "${s}"`);
  if (m[2] === undefined) return { uid };
  const ip4 = m[3] === "" ? [] : m[3].split(",");
  for (const ip of ip4) if (!IP4.test(ip)) throw new AgentProtocolError(`bad jail address "${ip}"`);
  return { uid, jail: { name: m[2], ip4 } };
}

/** The request payload (framed by the client); longer than the agent takes is an error here. */
export function encodeRequest(id: number, r: AgentRequest): string {
  const line = encodeRequestPayload(id, r);
  if (line.length > MAX_REQUEST_BYTES) {
    throw new AgentProtocolError(
      `${r.kind} request of ${line.length} bytes: the agent takes at most ${MAX_REQUEST_BYTES}`,
    );
  }
  return line;
}

function encodeRequestPayload(id: number, r: AgentRequest): string {
  const head = `${id} ${r.kind}`;
  switch (r.kind) {
    case "version":
    case "dump":
    case "drain":
    case "reset":
    case "quit":
    case "stats":
      return head;
    case "nic":
      if (r.mac !== undefined && !/^[0-9a-f]{12}$/.test(r.mac))
        throw new AgentProtocolError(`bad MAC "${r.mac}"`);
      return `${head} ${name("interface name", r.name, 16)} ${name("driver", r.driver, 16)} ${r.mac ?? "-"}`;
    case "module":
      return `${head} ${name("module", r.name, 64)}`;
    case "ioctl":
      return `${head} ${encodeCred(r.cred)} ${u32("ioctl cmd", r.cmd)} ${hexOrDash(r.data)}`;
    case "ifflags":
      return `${head} ${encodeCred(r.cred)} ${name("interface name", r.ifname, 16)} ${u32("flags", r.set)} ${u32("flags", r.clear)}`;
    case "sysctl":
      if (r.value !== undefined && !HEX.test(r.value)) throw new AgentProtocolError("sysctl value not hex");
      return `${head} ${encodeCred(r.cred)} ${name("sysctl name", r.name, 256)} ${r.value === undefined ? "-" : `=${r.value}`}`;
    case "rtsock": {
      const patches = (r.ifindex ?? []).map(
        (p) => `${u32("patch offset", p.at)}:${name("interface name", p.ifname, 16)}`,
      );
      return `${head} ${encodeCred(r.cred)} ${hexOrDash(r.msg)} ${patches.length === 0 ? "-" : patches.join(",")}`;
    }
    case "sleep":
      if (!Number.isFinite(r.seconds) || r.seconds < 0 || r.seconds > 1e7) {
        throw new AgentProtocolError(`bad sleep ${r.seconds}`);
      }
      return `${head} ${seconds(r.seconds)}`;
    case "inject":
      return `${head} ${name("interface name", r.ifname, 16)} ${hexOrDash(r.frame)}`;
    case "echo":
      return `${head} ${hexOrDash(r.data)}`;
    case "settle":
      return `${head} ${ms("settle", r.settleMs)} ${r.quietMs === undefined ? "-" : ms("quiet", r.quietMs)}`;
    default: {
      const never: never = r;
      throw new AgentProtocolError(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

function ms(what: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new AgentProtocolError(`bad ${what} ${n} ms`);
  return String(n);
}

function dashHex(s: string): string {
  if (s === "-") return "";
  if (!HEX.test(s)) throw new AgentProtocolError(`not lowercase hex: "${s.slice(0, 32)}"`);
  return s;
}

function num(s: string): number {
  if (!/^\d+$/.test(s)) throw new AgentProtocolError(`not a number: "${s}"`);
  return Number(s);
}

/** Parses a request line (the stand-in agent's side). */
export function decodeRequest(line: string): { id: number; req: AgentRequest } {
  const t = line.trim().split(/[ \t]+/);
  if (t.length < 2 || !/^\d+$/.test(t[0]))
    throw new AgentProtocolError(`bad request line "${line.slice(0, 60)}"`);
  const id = Number(t[0]);
  const want = (n: number): void => {
    if (t.length !== n)
      throw new AgentProtocolError(`${t[1]}: expected ${n - 2} argument(s), got ${t.length - 2}`);
  };
  switch (t[1]) {
    case "version":
    case "dump":
    case "drain":
    case "reset":
    case "quit":
    case "stats":
      want(2);
      return { id, req: { kind: t[1] } };
    case "echo":
      want(3);
      return { id, req: { kind: "echo", data: dashHex(t[2]) } };
    case "settle": {
      want(4);
      const settleMs = num(t[2]);
      return {
        id,
        req: t[3] === "-" ? { kind: "settle", settleMs } : { kind: "settle", settleMs, quietMs: num(t[3]) },
      };
    }
    case "nic":
      want(5);
      if (t[4] !== "-" && !/^[0-9a-f]{12}$/.test(t[4])) throw new AgentProtocolError(`bad MAC "${t[4]}"`);
      return {
        id,
        req:
          t[4] === "-"
            ? { kind: "nic", name: name("interface name", t[2], 16), driver: t[3] }
            : { kind: "nic", name: name("interface name", t[2], 16), driver: t[3], mac: t[4] },
      };
    case "module":
      want(3);
      return { id, req: { kind: "module", name: name("module", t[2], 64) } };
    case "ioctl":
      want(5);
      return { id, req: { kind: "ioctl", cred: decodeCred(t[2]), cmd: num(t[3]), data: dashHex(t[4]) } };
    case "ifflags":
      want(6);
      return {
        id,
        req: {
          kind: "ifflags",
          cred: decodeCred(t[2]),
          ifname: name("interface name", t[3], 16),
          set: num(t[4]),
          clear: num(t[5]),
        },
      };
    case "sysctl": {
      want(5);
      const v = t[4];
      if (v !== "-" && !(v.startsWith("=") && HEX.test(v.slice(1))))
        throw new AgentProtocolError("sysctl value must be - or =hex");
      const req: AgentRequest = {
        kind: "sysctl",
        cred: decodeCred(t[2]),
        name: name("sysctl name", t[3], 256),
      };
      return { id, req: v === "-" ? req : { ...req, value: v.slice(1) } };
    }
    case "rtsock": {
      want(5);
      const req: AgentRequest = { kind: "rtsock", cred: decodeCred(t[2]), msg: dashHex(t[3]) };
      if (t[4] === "-") return { id, req };
      const ifindex = t[4].split(",").map((p) => {
        const m = /^(\d+):([A-Za-z0-9_.-]+)$/.exec(p);
        if (!m) throw new AgentProtocolError(`bad ifindex patch "${p}"`);
        return { at: Number(m[1]), ifname: m[2] };
      });
      return { id, req: { ...req, ifindex } };
    }
    case "sleep": {
      want(3);
      if (!/^\d+(?:\.\d+)?$/.test(t[2])) throw new AgentProtocolError(`bad sleep "${t[2]}"`);
      return { id, req: { kind: "sleep", seconds: Number(t[2]) } };
    }
    case "inject":
      want(4);
      return { id, req: { kind: "inject", ifname: name("interface name", t[2], 16), frame: dashHex(t[3]) } };
    default:
      throw new AgentProtocolError(`unknown op "${t[1]}"`);
  }
}

/** Encodes a response line (the stand-in agent's side), in the C agent's key order. */
export function encodeResponse(id: number | "-", r: AgentResponse): string {
  // error texts travel as printable ASCII without the frame marker
  if (!r.ok)
    return `${id} error ${r.message.replace(/[\r\n]+/g, " ").replace(/[^\x20-\x22\x24-\x7e]/g, "?")}`;
  let line = `${id} ok errno=${r.errno}`;
  if (r.version !== undefined) line += ` version=${Buffer.from(r.version, "utf8").toString("hex")}`;
  if (r.dumps) {
    const d = r.dumps;
    line += ` routes=${hexOrDash(d.routes)} arp=${hexOrDash(d.arp)} iflist=${hexOrDash(d.iflist)} ifmalist=${hexOrDash(d.ifmalist)}`;
    if (d.uptime !== undefined) line += ` uptime=${d.uptime}`;
  }
  if (r.data !== undefined) line += ` data=${hexOrDash(r.data)}`;
  if (r.frames !== undefined) {
    line += ` frames=${r.frames.length === 0 ? "-" : r.frames.map((f) => `${name("interface name", f.ifname, 16)}/${f.time}/${hexOrDash(f.frame)}`).join(",")}`;
  }
  if (r.stats !== undefined) {
    const t = r.stats;
    return `${line} frames=${t.frames} naks=${t.naks} repeats=${t.repeats} ops=${t.ops}`;
  }
  if (r.version === undefined) line += ` rt=${r.rt.length === 0 ? "-" : r.rt.map(hexOrDash).join(",")}`;
  return line;
}

/** Parses a response line (the client's side). */
export function decodeResponse(line: string): { id: string; res: AgentResponse } {
  const trimmed = line.replace(/\r$/, "");
  const sp = trimmed.indexOf(" ");
  if (sp <= 0) throw new AgentProtocolError(`bad response line "${trimmed.slice(0, 80)}"`);
  const id = trimmed.slice(0, sp);
  const rest = trimmed.slice(sp + 1);
  if (rest.startsWith("error")) return { id, res: { ok: false, message: rest.slice(6) } };
  if (!rest.startsWith("ok")) throw new AgentProtocolError(`bad response line "${trimmed.slice(0, 80)}"`);
  const kv = new Map<string, string>();
  for (const tok of rest.slice(2).trim().split(/ +/)) {
    if (tok === "") continue;
    const eq = tok.indexOf("=");
    if (eq <= 0) throw new AgentProtocolError(`bad token "${tok.slice(0, 40)}" in response ${id}`);
    kv.set(tok.slice(0, eq), tok.slice(eq + 1));
  }
  const errnoText = kv.get("errno");
  if (errnoText === undefined || !/^-?\d+$/.test(errnoText))
    throw new AgentProtocolError(`response ${id} has no errno`);
  const res: AgentOk = { ok: true, errno: Number(errnoText), rt: [] };
  const data = kv.get("data");
  if (data !== undefined) res.data = dashHex(data);
  const rt = kv.get("rt");
  if (rt !== undefined && rt !== "-") res.rt = rt.split(",").map(dashHex);
  const ops = kv.get("ops");
  if (ops !== undefined) {
    const get = (k: string): number => num(kv.get(k) ?? "");
    res.stats = { frames: get("frames"), naks: get("naks"), repeats: get("repeats"), ops: num(ops) };
    return { id, res };
  }
  const frames = kv.get("frames");
  if (frames !== undefined) {
    res.frames =
      frames === "-"
        ? []
        : frames.split(",").map((f) => {
            const m = /^([A-Za-z0-9_.-]+)\/(-?[0-9.e+-]+)\/([0-9a-f]*|-)$/.exec(f);
            if (!m) throw new AgentProtocolError(`bad frame record "${f.slice(0, 40)}"`);
            return { ifname: m[1], time: Number(m[2]), frame: dashHex(m[3]) };
          });
  }
  const v = kv.get("version");
  if (v !== undefined) res.version = Buffer.from(dashHex(v), "hex").toString("utf8");
  if (kv.has("routes")) {
    const get = (k: string): string => dashHex(kv.get(k) ?? "-");
    res.dumps = { routes: get("routes"), arp: get("arp"), iflist: get("iflist"), ifmalist: get("ifmalist") };
    const up = kv.get("uptime");
    if (up !== undefined) res.dumps.uptime = num(up);
  }
  return { id, res };
}

/** The line protocol this code speaks; an agent's version names it after the slash. */
export const PROTOCOL = 2;
/** The longest request payload the agent takes: 8 KB of ioctl data in hex, with room. */
export const MAX_REQUEST_BYTES = 20480;

export interface ReadyLine {
  version: string;
  protocol: number;
  /** The agent's settle period (ms): how long it waits for routing messages by default. */
  settleMs: number;
  /** The quiet period after its sentinel (ms); none: it waits settleMs only. */
  quietMs?: number;
}

/**
 * The agent's first frame's payload (a whole framed line is accepted too, and checked):
 * "- ready inconf-agent/2 settle=50 quiet=10 max=20480". Null for anything else.
 */
export function parseReadyLine(line: string): ReadyLine | null {
  let payload = line.replace(/\r?\n$/, "");
  if (payload.startsWith(MARK)) {
    const f = new FrameReader();
    f.push(payload + "\n");
    const e = f.next();
    if (e?.kind !== "frame") return null;
    payload = e.payload;
  }
  const m = /^- ready (\S+?\/(\d+)) settle=(\d+)(?: quiet=(-?\d+))?/.exec(payload);
  if (!m) return null;
  const r: ReadyLine = { version: m[1], protocol: Number(m[2]), settleMs: Number(m[3]) };
  if (m[4] !== undefined && Number(m[4]) >= 0) r.quietMs = Number(m[4]);
  return r;
}

// ---- Framing ----
//
// "#<len>:<crc>:<payload>\n": len the payload's length in bytes (decimal), crc its CRC-32 (IEEE,
// zlib's) in 8 lowercase hex digits. Payloads are printable ASCII without '#', so a reader
// resynchronises at the next '#', and a frame is taken as soon as its len bytes are in and
// their CRC matches (a lost newline costs nothing). The agent answers a damaged request with
// "- nak", a good one with "<id> ack" at once and its answer when done, and a request repeated
// byte for byte (same id and payload) from the cache of its last answer, without running it
// again: so the client may resend whenever it is unsure, and ops still run once.

const MARK = "#";
/** Longest frame payload a reader accepts (a dump of a large routing table is some MB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

function crcHex(payload: string): string {
  return crc32(Buffer.from(payload, "latin1")).toString(16).padStart(8, "0");
}

/** One line on the wire for a payload. */
export function frame(payload: string): string {
  if (/[#\n]/.test(payload)) throw new AgentProtocolError(`frame payload holds '#' or a newline`);
  return `${MARK}${Buffer.byteLength(payload, "latin1")}:${crcHex(payload)}:${payload}\n`;
}

export type FrameEvent =
  | { kind: "frame"; payload: string }
  /** Bytes that are not a good frame (what they were, shortened: a v1 agent's plain line
   * shows up here). */
  | { kind: "damaged"; text: string };

const HEADER = /^#(\d{1,9}):([0-9a-f]{8}):/;
const HEADER_PREFIX = /^#(?:\d{1,9}(?::[0-9a-f]{0,8})?)?$/;

/** Splits a byte stream (as latin1 text) into frames and damaged stretches. */
export class FrameReader {
  private buf = "";
  private pos = 0;
  /** How far the payload of the frame at pos is known to hold no '#' or newline. */
  private clean = 0;

  constructor(private readonly maxPayload = MAX_FRAME_BYTES) {}

  push(chunk: string): void {
    this.buf = this.pos === 0 ? this.buf + chunk : this.buf.slice(this.pos) + chunk;
    this.clean = Math.max(0, this.clean - this.pos);
    this.pos = 0;
  }

  /** Bytes held for a frame not yet complete (or garbage before the next newline). */
  get pending(): number {
    return this.buf.length - this.pos;
  }

  /** Gives up on the bytes held (a frame whose rest will never come). */
  discard(): FrameEvent | null {
    const text = this.buf.slice(this.pos, this.pos + 120);
    this.buf = "";
    this.pos = 0;
    this.clean = 0;
    return text.length > 0 ? { kind: "damaged", text } : null;
  }

  /** The next event, or null until more bytes come. */
  next(): FrameEvent | null {
    for (;;) {
      const b = this.buf;
      if (this.pos >= b.length) return null;
      const hash = b.indexOf(MARK, this.pos);
      const nl = b.indexOf("\n", this.pos);
      if (nl >= 0 && (hash < 0 || nl < hash)) {
        const text = b.slice(this.pos, nl);
        this.pos = nl + 1;
        if (text.length > 0) return { kind: "damaged", text: text.slice(0, 120) };
        continue;
      }
      if (hash < 0) return null; // garbage so far, its newline not yet in
      if (hash > this.pos) {
        const text = b.slice(this.pos, hash);
        this.pos = hash;
        return { kind: "damaged", text: text.slice(0, 120) };
      }
      const head = b.slice(hash, hash + 24);
      const m = HEADER.exec(head);
      if (!m) {
        if (hash + head.length === b.length && HEADER_PREFIX.test(head)) return null;
        this.pos = hash + 1;
        return { kind: "damaged", text: head };
      }
      const len = Number(m[1]);
      const start = hash + m[0].length;
      if (len > this.maxPayload) {
        this.pos = start;
        return { kind: "damaged", text: head };
      }
      const end = Math.min(start + len, b.length);
      const cut = firstOf(b, Math.max(start, this.clean), end);
      if (cut >= 0) {
        // a newline or the next frame's mark inside: this one lost bytes
        this.pos = cut;
        return { kind: "damaged", text: b.slice(hash, Math.min(cut, hash + 120)) };
      }
      if (start + len > b.length) {
        this.clean = end;
        return null;
      }
      const payload = b.slice(start, start + len);
      this.pos = start + len;
      if (crcHex(payload) !== m[2]) return { kind: "damaged", text: b.slice(hash, hash + 120) };
      return { kind: "frame", payload };
    }
  }
}

/** The first '#' or newline in b[from, to), or -1. */
function firstOf(b: string, from: number, to: number): number {
  const h = b.indexOf(MARK, from);
  const n = b.indexOf("\n", from);
  const i = h < 0 ? n : n < 0 ? h : Math.min(h, n);
  return i >= 0 && i < to ? i : -1;
}
