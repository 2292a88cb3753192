import { describe, expect, test } from "vitest";
import { EINVAL, EISDIR, ENOENT, ENOMEM, ENOTDIR, EPERM } from "../../../src/abi/errno.ts";
import type { Thread } from "../../../src/kernel/kern/cred.ts";
import { prison_create, PR_VNET } from "../../../src/kernel/kern/cred.ts";
import {
  CTLFLAG_ANYBODY,
  CTLFLAG_PRISON,
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_PROC,
  sysctl,
  sysctl_name2oid,
} from "../../../src/kernel/kern/sysctl.ts";

const root: Thread = { td_ucred: { cr_uid: 0, cr_prison: null } };
const user: Thread = { td_ucred: { cr_uid: 1001, cr_prison: null } };
const jailRoot: Thread = { td_ucred: { cr_uid: 0, cr_prison: prison_create("j", [0x0a000001]) } };
const vnetRoot: Thread = { td_ucred: { cr_uid: 0, cr_prison: prison_create("v", [], PR_VNET) } };

let value = 7;
const ref = { get: () => value, set: (v: number) => (value = v) };
SYSCTL_INT("kern.k1test.rw", CTLFLAG_RW, ref);
SYSCTL_INT("kern.k1test.ro", CTLFLAG_RD, ref);
SYSCTL_INT("kern.k1test.anybody", CTLFLAG_RW | CTLFLAG_ANYBODY, ref);
SYSCTL_INT("kern.k1test.prison", CTLFLAG_RW | CTLFLAG_PRISON, ref);
SYSCTL_INT("kern.k1test.vnet", CTLFLAG_RW | CTLFLAG_VNET, ref);
SYSCTL_PROC("kern.k1test.blob", CTLFLAG_RD, (_o, _n, req) =>
  req.SYSCTL_OUT(new Uint8Array([1, 2, 3, 4, 5, 6])),
);
// A dump as the routing-socket handlers write one: many records, each its own SYSCTL_OUT.
const RECORDS = 100;
const record = (i: number): Uint8Array => Uint8Array.from({ length: 7 }, (_, j) => (i * 7 + j) & 0xff);
SYSCTL_PROC("kern.k1test.records", CTLFLAG_RD, (_o, _n, req) => {
  for (let i = 0; i < RECORDS; i++) {
    const error = req.SYSCTL_OUT(record(i));
    if (error) return error;
  }
  return 0;
});
SYSCTL_NODE("kern.k1test", -1, "node", CTLFLAG_RD, (_o, name, req) => req.SYSCTL_OUT(Uint8Array.from(name)));

const int = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
};

describe("sysctl (10.4 kern_sysctl.c sysctl_root, sysctl_handle_int)", () => {
  test("an int reads as 4 little-endian bytes", () => {
    value = 7;
    const r = sysctl(root, "kern.k1test.rw");
    expect(r.errno).toBe(0);
    expect([...r.out]).toEqual([7, 0, 0, 0]);
  });

  test("a write returns the old value and stores the new one (SYSCTL_OUT before SYSCTL_IN)", () => {
    value = 7;
    const r = sysctl(root, "kern.k1test.rw", int(-2));
    expect(r.errno).toBe(0);
    expect([...r.out]).toEqual([7, 0, 0, 0]);
    expect(value).toBe(-2);
  });

  test("fewer new bytes than an int: EINVAL (sysctl_new_user)", () => {
    value = 7;
    expect(sysctl(root, "kern.k1test.rw", new Uint8Array(2)).errno).toBe(EINVAL);
    expect(value).toBe(7);
  });

  test("writes to a read-only OID: EPERM (no CTLFLAG_WR)", () => {
    expect(sysctl(root, "kern.k1test.ro", int(1)).errno).toBe(EPERM);
  });

  test("writes need PRIV_SYSCTL_WRITE unless CTLFLAG_ANYBODY", () => {
    expect(sysctl(user, "kern.k1test.rw", int(1)).errno).toBe(EPERM);
    expect(sysctl(user, "kern.k1test.anybody", int(3)).errno).toBe(0);
    expect(value).toBe(3);
    expect(sysctl(user, "kern.k1test.rw").errno).toBe(0);
  });

  test("jailed root writes only CTLFLAG_PRISON OIDs, and CTLFLAG_VNET ones in its own vnet", () => {
    expect(sysctl(jailRoot, "kern.k1test.rw", int(1)).errno).toBe(EPERM);
    expect(sysctl(jailRoot, "kern.k1test.prison", int(1)).errno).toBe(0);
    expect(sysctl(jailRoot, "kern.k1test.vnet", int(1)).errno).toBe(EPERM);
    expect(sysctl(vnetRoot, "kern.k1test.vnet", int(1)).errno).toBe(0);
  });

  test("names resolve through numbered nodes: kern is CTL_KERN (1)", () => {
    const oid = sysctl_name2oid("kern.k1test.rw");
    expect(oid?.[0]).toBe(1);
    value = 9;
    expect([...sysctl(root, oid ?? []).out]).toEqual([9, 0, 0, 0]);
  });

  test("unknown names: ENOENT; a node without handler: EISDIR; past a leaf: ENOTDIR", () => {
    expect(sysctl(root, "kern.k1test.nope").errno).toBe(ENOENT);
    expect(sysctl(root, "kern.k1test").errno).toBe(EISDIR);
    const leaf = sysctl_name2oid("kern.k1test.rw") ?? [];
    expect(sysctl(root, [...leaf, 1]).errno).toBe(ENOTDIR);
  });

  test("a number path shorter than 2 or longer than CTL_MAXNAME: EINVAL (sys___sysctl)", () => {
    expect(sysctl(root, [1]).errno).toBe(EINVAL);
    expect(sysctl(root, new Array(25).fill(1)).errno).toBe(EINVAL);
  });

  test("a node handler gets the rest of the name", () => {
    const node = sysctl_name2oid("kern.k1test.node") ?? [];
    expect([...sysctl(root, [...node, 5, 6]).out]).toEqual([5, 6]);
  });

  test("a short old buffer gets what fits and ENOMEM; oldlen reports the room given", () => {
    const r = sysctl(root, "kern.k1test.blob", undefined, 4);
    expect(r.errno).toBe(ENOMEM);
    expect([...r.out]).toEqual([1, 2, 3, 4]);
    // 10.4 kern_sysctl.c userland_sysctl: oldptr && oldidx > validlen → *retval = validlen.
    expect(r.oldlen).toBe(4);
  });

  test("many outputs come back in order, all of them or as many bytes as the old buffer holds", () => {
    const all = Array.from({ length: RECORDS }, (_, i) => [...record(i)]).flat();
    const r = sysctl(root, "kern.k1test.records");
    expect(r.errno).toBe(0);
    expect([...r.out]).toEqual(all);
    // The record that does not fit is cut, and the handler stops at its ENOMEM.
    const cut = sysctl(root, "kern.k1test.records", undefined, 300);
    expect(cut.errno).toBe(ENOMEM);
    expect([...cut.out]).toEqual(all.slice(0, 300));
    expect(cut.oldlen).toBe(300);
  });

  test("a large enough old buffer, or none: oldlen reports the size produced", () => {
    // 10.4 kern_sysctl.c userland_sysctl: otherwise *retval = oldidx.
    expect(sysctl(root, "kern.k1test.blob", undefined, 16).oldlen).toBe(6);
    expect(sysctl(root, "kern.k1test.blob").oldlen).toBe(6);
  });
});
