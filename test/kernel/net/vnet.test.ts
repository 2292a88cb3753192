import { describe, expect, test } from "vitest";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  VNET,
  VNET_DEFINE,
  ifaddr_registry,
  vnet,
  withVnet,
} from "../../../src/kernel/net/vnet.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import type { ifaddr } from "../../../src/kernel/net/if_var.ts";

describe("per-VNET variables (vnet.h VNET_DEFINE / VNET)", () => {
  test("each VNET makes its own value once, on first read", () => {
    let made = 0;
    const V_counter = VNET_DEFINE("test_counter", () => ({ n: ++made }));
    const a = new vnet();
    const b = new vnet();
    expect(made).toBe(0);
    const va = withVnet(a, () => VNET(V_counter));
    expect(withVnet(a, () => VNET(V_counter))).toBe(va);
    const vb = withVnet(b, () => VNET(V_counter));
    expect(vb).not.toBe(va);
    expect([va.n, vb.n, made]).toEqual([1, 2, 2]);
  });

  test("keys defined later get slots of their own", () => {
    const V_x = VNET_DEFINE("test_x", () => "x");
    const V_y = VNET_DEFINE("test_y", () => "y");
    expect(V_x.slot).not.toBe(V_y.slot);
    const v = new vnet();
    expect([v.get(V_y), v.get(V_x)]).toEqual(["y", "x"]);
  });

  test("an init that makes no value is a twin bug, not a value read as missing every time", () => {
    const V_none = VNET_DEFINE("test_none", (): unknown => undefined);
    expect(() => new vnet().get(V_none)).toThrow(InvariantError);
  });

  test("VNET outside CURVNET_SET is a twin bug; CURVNET_RESTORE puts the previous one back", () => {
    const V_k = VNET_DEFINE("test_k", () => 1);
    expect(() => VNET(V_k)).toThrow(InvariantError);
    const v = new vnet();
    const prev = CURVNET_SET(v);
    expect(VNET(V_k)).toBe(1);
    CURVNET_RESTORE(prev);
    expect(() => VNET(V_k)).toThrow(InvariantError);
  });
});

describe("ifaddr_registry (the VNET's live ifaddrs)", () => {
  const k = new Kernel();
  const [lo0] = k.interfaces;
  const make = (): ifaddr => ({ ...lo0.if_addrhead[0], ifa_refcnt: 1, ifa_live: -1 });

  test("add, has, delete and size; a removed slot is refilled by the last member", () => {
    const r = new ifaddr_registry();
    const [a, b, c] = [make(), make(), make()];
    for (const x of [a, b, c]) r.add(x);
    expect(r.size).toBe(3);
    r.delete(a);
    expect(r.has(a)).toBe(false);
    expect(a.ifa_live).toBe(-1);
    expect(r.has(b) && r.has(c)).toBe(true);
    expect(new Set(r)).toEqual(new Set([b, c]));
    r.delete(c);
    r.delete(b);
    expect(r.size).toBe(0);
  });

  test("an address of another registry is not a member, and cannot be deleted or added twice", () => {
    const r1 = new ifaddr_registry();
    const r2 = new ifaddr_registry();
    const a = make();
    const b = make();
    r1.add(a);
    r2.add(b);
    expect(r1.has(b)).toBe(false);
    expect(() => r1.delete(b)).toThrow(/not registered/);
    expect(() => r1.add(a)).toThrow(/already registered/);
  });
});
