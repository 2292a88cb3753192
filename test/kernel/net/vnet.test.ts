import { describe, expect, test } from "vitest";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  VNET,
  VNET_DEFINE,
  vnet,
  withVnet,
} from "../../../src/kernel/net/vnet.ts";

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
