// The sysctl tree (10.4 kern/kern_sysctl.c): numbered OIDs with names, int and procedure
// handlers, lookup by number or dotted name, and the write checks of sysctl_root. The tree is
// global, as in the kernel; per-VNET values live in the handlers (see net/vnet.ts VNET_DEFINE).

import { EINVAL, EISDIR, ENOENT, ENOMEM, ENOTDIR, EPERM } from "../../abi/errno.ts";
import {
  priv_check,
  prison_owns_vnet,
  PRIV_SYSCTL_WRITE,
  PRIV_SYSCTL_WRITEJAIL,
  type Thread,
} from "./cred.ts";
import { KASSERT } from "./invariant.ts";

// 10.4 sys/sys/sysctl.h: oid_kind type and flag bits.
export const CTLTYPE = 0xf;
export const CTLTYPE_NODE = 1;
export const CTLTYPE_INT = 2;
export const CTLTYPE_STRING = 3;
export const CTLTYPE_OPAQUE = 5;
export const CTLTYPE_STRUCT = CTLTYPE_OPAQUE;
export const CTLTYPE_UINT = 6;
export const CTLFLAG_RD = 0x80000000;
export const CTLFLAG_WR = 0x40000000;
export const CTLFLAG_RW = CTLFLAG_RD | CTLFLAG_WR;
export const CTLFLAG_ANYBODY = 0x10000000;
export const CTLFLAG_PRISON = 0x04000000;
export const CTLFLAG_VNET = 0x00020000;
export const OID_AUTO = -1;
/** First number OID_AUTO hands out. */
export const CTL_AUTO_START = 0x100;
/** Longest name sysctl(2) accepts. */
export const CTL_MAXNAME = 24;

/** An OID handler: `name` is what remains of the requested name below a node handler. */
export type SysctlHandler = (oidp: SysctlOid, name: readonly number[], req: SysctlReq) => number;

export interface SysctlOid {
  readonly oid_number: number;
  readonly oid_name: string;
  readonly oid_kind: number;
  readonly oid_descr: string;
  readonly oid_handler: SysctlHandler | null;
  /** Children of a CTLTYPE_NODE, ascending by number; null for leaves. */
  readonly oid_children: SysctlOid[] | null;
}

/** The empty buffer a request starts from; never written (SYSCTL_OUT grows before copying). */
const NO_BYTES = new Uint8Array(0);

/** One sysctl(2) call's buffers: what the handler writes out and the new value it may read. */
export class SysctlReq {
  readonly td: Thread;
  /** Room the caller gave for the old value; null means "as much as produced". */
  readonly oldlen: number | null;
  oldidx = 0;
  readonly newptr: Uint8Array | null;
  newidx = 0;
  /** What was copied out so far: the first #outlen bytes, in a buffer grown by doubling. */
  #out = NO_BYTES;
  #outlen = 0;

  constructor(td: Thread, newptr: Uint8Array | null, oldlen: number | null) {
    this.td = td;
    this.newptr = newptr;
    this.oldlen = oldlen;
  }

  // kern_sysctl.c: sysctl_old_user — copies what fits and reports ENOMEM for the rest.
  SYSCTL_OUT(bytes: Uint8Array): number {
    const room = this.oldlen === null ? bytes.length : Math.max(0, this.oldlen - this.oldidx);
    const n = Math.min(room, bytes.length);
    if (n > 0) {
      if (this.#outlen + n > this.#out.length) {
        const grown = new Uint8Array(Math.max(256, this.#out.length * 2, this.#outlen + n));
        grown.set(this.#out.subarray(0, this.#outlen));
        this.#out = grown;
      }
      this.#out.set(n < bytes.length ? bytes.subarray(0, n) : bytes, this.#outlen);
      this.#outlen += n;
    }
    this.oldidx += bytes.length;
    return n < bytes.length ? ENOMEM : 0;
  }

  // kern_sysctl.c: sysctl_new_user — EINVAL when fewer than `into.length` new bytes remain.
  SYSCTL_IN(into: Uint8Array): number {
    if (this.newptr === null) return 0;
    if (this.newptr.length - this.newidx < into.length) return EINVAL;
    into.set(this.newptr.subarray(this.newidx, this.newidx + into.length));
    this.newidx += into.length;
    return 0;
  }

  /** The bytes copied out so far (a copy of its own). */
  output(): Uint8Array {
    return this.#out.slice(0, this.#outlen);
  }
}

function makeNode(oid_number: number, oid_name: string, oid_kind: number, oid_descr: string): SysctlOid {
  return { oid_number, oid_name, oid_kind, oid_descr, oid_handler: null, oid_children: [] };
}

const root: SysctlOid = makeNode(0, "", CTLTYPE_NODE | CTLFLAG_RW, "root");

function childByName(parent: SysctlOid, name: string): SysctlOid | undefined {
  return parent.oid_children?.find((c) => c.oid_name === name);
}

/**
 * Nodes with fixed numbers that userland may name numerically: sysctl.h CTL_KERN/CTL_NET,
 * the net.<family> nodes numbered by their PF_ (socket.h), net.inet.<protocol> by IPPROTO_
 * (in_proto.c, igmp.c), net.link.ether by IFT_ETHER and its inet node by PF_INET (if_ether.c),
 * net.link.generic by 0 (if.c).
 */
const FIXED_NODES: Readonly<Record<string, number>> = {
  kern: 1,
  net: 4,
  "net.inet": 2,
  "net.inet.ip": 0,
  "net.inet.icmp": 1,
  "net.inet.igmp": 2,
  "net.inet.udp": 17,
  "net.inet.raw": 255,
  "net.link": 18,
  "net.link.generic": 0,
  "net.link.ether": 6,
  "net.link.ether.inet": 2,
};

/** Looks a dotted path up, creating plain nodes for missing components (fixed or OID_AUTO numbers). */
function nodeFor(path: string): SysctlOid {
  let node = root;
  if (path === "") return node;
  const parts = path.split(".");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const existing = childByName(node, part);
    const fixed = FIXED_NODES[parts.slice(0, i + 1).join(".")];
    node = existing ?? insert(node, makeNode(fixed ?? nextAuto(node), part, CTLTYPE_NODE | CTLFLAG_RW, ""));
    KASSERT(node.oid_children !== null, `sysctl ${path}: ${part} is not a node`);
  }
  return node;
}

function nextAuto(parent: SysctlOid): number {
  const numbers = (parent.oid_children ?? []).map((c) => c.oid_number);
  return Math.max(CTL_AUTO_START - 1, ...numbers) + 1;
}

function insert(parent: SysctlOid, oid: SysctlOid): SysctlOid {
  const kids = parent.oid_children;
  KASSERT(kids !== null, `sysctl: ${parent.oid_name} is not a node`);
  KASSERT(!kids.some((c) => c.oid_name === oid.oid_name), `sysctl: duplicate ${oid.oid_name}`);
  KASSERT(!kids.some((c) => c.oid_number === oid.oid_number), `sysctl: duplicate ${oid.oid_number}`);
  kids.push(oid);
  kids.sort((a, b) => a.oid_number - b.oid_number);
  return oid;
}

/**
 * kern_sysctl.c: sysctl_register_oid — adds `name` under the dotted `parent` path (missing
 * parents become nodes). Numbered nodes on the way (CTL_NET, PF_ROUTE) are made first with
 * SYSCTL_NODE so their numbers are FreeBSD's. Re-registering the same path returns the OID.
 */
export function sysctl_register_oid(
  parent: string,
  number: number,
  name: string,
  kind: number,
  handler: SysctlHandler | null,
  descr = "",
): SysctlOid {
  const p = nodeFor(parent);
  const existing = childByName(p, name);
  if (
    existing !== undefined &&
    existing.oid_handler === null &&
    handler === null &&
    existing.oid_children !== null
  )
    return existing;
  if (existing !== undefined) {
    KASSERT(existing.oid_handler === handler, `sysctl ${parent}.${name} registered twice`);
    return existing;
  }
  const oid_number = number === OID_AUTO ? nextAuto(p) : number;
  const isNode = (kind & CTLTYPE) === CTLTYPE_NODE;
  return insert(p, {
    oid_number,
    oid_name: name,
    oid_kind: kind,
    oid_descr: descr,
    oid_handler: handler,
    oid_children: isNode && handler === null ? [] : null,
  });
}

/** sysctl.h: SYSCTL_NODE — a numbered or OID_AUTO node, optionally with a handler. */
export function SYSCTL_NODE(
  parent: string,
  number: number,
  name: string,
  kind: number,
  handler: SysctlHandler | null,
  descr = "",
): SysctlOid {
  return sysctl_register_oid(parent, number, name, CTLTYPE_NODE | kind, handler, descr);
}

/** An int the handler reads and writes through get/set (the twin's arg1 pointer). */
export interface IntRef {
  get(): number;
  set(v: number): void;
}

// kern_sysctl.c: sysctl_handle_int — the old value goes out first, then the new one comes in.
export function sysctl_handle_int(ref: IntRef | null, arg2: number, req: SysctlReq): number {
  const tmpout = new Uint8Array(4);
  new DataView(tmpout.buffer).setInt32(0, ref === null ? arg2 : ref.get(), true);
  let error = req.SYSCTL_OUT(tmpout);
  if (error || req.newptr === null) return error;
  if (ref === null) return EPERM;
  const tmpin = new Uint8Array(4);
  error = req.SYSCTL_IN(tmpin);
  if (error === 0) ref.set(new DataView(tmpin.buffer).getInt32(0, true));
  return error;
}

/** sysctl.h: SYSCTL_INT / SYSCTL_VNET_INT — an int leaf backed by `ref`. */
export function SYSCTL_INT(path: string, kind: number, ref: IntRef, descr = ""): SysctlOid {
  const dot = path.lastIndexOf(".");
  KASSERT(dot > 0, `SYSCTL_INT ${path}: needs a parent`);
  return sysctl_register_oid(
    path.slice(0, dot),
    OID_AUTO,
    path.slice(dot + 1),
    CTLTYPE_INT | kind,
    (_oidp, _name, req) => sysctl_handle_int(ref, 0, req),
    descr,
  );
}

/** sysctl.h: SYSCTL_PROC — a leaf whose handler produces (and may accept) arbitrary bytes. */
export function SYSCTL_PROC(path: string, kind: number, handler: SysctlHandler, descr = ""): SysctlOid {
  const dot = path.lastIndexOf(".");
  KASSERT(dot > 0, `SYSCTL_PROC ${path}: needs a parent`);
  return sysctl_register_oid(path.slice(0, dot), OID_AUTO, path.slice(dot + 1), kind, handler, descr);
}

interface Found {
  oid: SysctlOid;
  indx: number;
}

// kern_sysctl.c: sysctl_find_oid — stops at a leaf, or at a node that has a handler.
function sysctl_find_oid(name: readonly number[]): Found | number {
  let kids = root.oid_children ?? [];
  let indx = 0;
  while (indx < CTL_MAXNAME && indx < name.length) {
    const oid = kids.find((c) => c.oid_number === name[indx]);
    if (oid === undefined) return ENOENT;
    indx++;
    if ((oid.oid_kind & CTLTYPE) === CTLTYPE_NODE) {
      if (oid.oid_handler !== null || indx === name.length) return { oid, indx };
      kids = oid.oid_children ?? [];
    } else if (indx === name.length) {
      return { oid, indx };
    } else {
      return ENOTDIR;
    }
  }
  return ENOENT;
}

// kern_sysctl.c: name2oid (sysctl.name2oid, what sysctlbyname uses)
export function sysctl_name2oid(name: string): number[] | null {
  const out: number[] = [];
  let node: SysctlOid = root;
  for (const part of name.split(".")) {
    if (node.oid_children === null) return null;
    const next = childByName(node, part);
    if (next === undefined) return null;
    out.push(next.oid_number);
    node = next;
  }
  return out;
}

// kern_sysctl.c: sysctl_root — lookup, node and write-permission checks, then the handler.
function sysctl_root(name: readonly number[], req: SysctlReq): number {
  const found = sysctl_find_oid(name);
  if (typeof found === "number") return found;
  const { oid, indx } = found;
  if ((oid.oid_kind & CTLTYPE) === CTLTYPE_NODE && oid.oid_handler === null) return EISDIR;
  if (req.newptr !== null && !(oid.oid_kind & CTLFLAG_WR)) return EPERM;
  if (req.newptr !== null && !(oid.oid_kind & CTLFLAG_ANYBODY)) {
    const priv =
      oid.oid_kind & CTLFLAG_PRISON || (oid.oid_kind & CTLFLAG_VNET && prison_owns_vnet(req.td.td_ucred))
        ? PRIV_SYSCTL_WRITEJAIL
        : PRIV_SYSCTL_WRITE;
    const error = priv_check(req.td, priv);
    if (error) return error;
  }
  if (oid.oid_handler === null) return EINVAL;
  const rest = (oid.oid_kind & CTLTYPE) === CTLTYPE_NODE ? name.slice(indx) : [];
  return oid.oid_handler(oid, rest, req);
}

export interface SysctlResult {
  errno: number;
  /** The old value (what the handler copied out, cut to `oldlen` if one was given). */
  out: Uint8Array;
  /** sysctl(2)'s *oldlenp afterwards: the bytes wanted, or the room given when that was short. */
  oldlen: number;
}

/**
 * kern_sysctl.c: sys___sysctl + userland_sysctl — one sysctl(2) by number path or dotted name.
 * `newValue` present means a write (even if empty). `oldlen` bounds the old value as the
 * caller's buffer would (ENOMEM when it is too small); omitted, everything is returned.
 */
export function sysctl(
  td: Thread,
  name: string | readonly number[],
  newValue?: Uint8Array,
  oldlen?: number,
): SysctlResult {
  const req = new SysctlReq(td, newValue ?? null, oldlen ?? null);
  let numbers: readonly number[] | null;
  if (typeof name === "string") {
    numbers = sysctl_name2oid(name);
    if (numbers === null) return { errno: ENOENT, out: new Uint8Array(0), oldlen: 0 };
  } else {
    numbers = name;
    if (numbers.length > CTL_MAXNAME || numbers.length < 2)
      return { errno: EINVAL, out: new Uint8Array(0), oldlen: 0 };
  }
  const errno = sysctl_root(numbers, req);
  // userland_sysctl: with a buffer that was too small, *oldlenp is the room given, not the need.
  const given = req.oldlen !== null && req.oldidx > req.oldlen ? req.oldlen : req.oldidx;
  return { errno, out: req.output(), oldlen: given };
}
