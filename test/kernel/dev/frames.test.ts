// The frame I/O layer (src/kernel/net/frames.ts): the netisr stand-in's ordering and bound,
// and the harness's entry points (nic_attach, nic_inject) refusing what does not exist.

import { expect, test } from "vitest";
import { EINVAL, ENXIO } from "../../../src/abi/errno.ts";
import { nic_attach, nic_inject } from "../../../src/kernel/dev/attach.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { FrameIO } from "../../../src/kernel/net/frames.ts";
import { vnet } from "../../../src/kernel/net/vnet.ts";
import { Bench, MAC_A } from "./nic_helpers.ts";

test("queued work runs first-in first-out, including work queued while draining", () => {
  // netisr_queue hands packets to one netisr thread per protocol, in arrival order.
  const io = new FrameIO(new vnet());
  const seen: string[] = [];
  io.queue(() => {
    seen.push("a");
    io.queue(() => seen.push("c"));
  });
  io.queue(() => seen.push("b"));
  expect(io.pending).toBe(2);
  io.drain();
  expect(seen).toEqual(["a", "b", "c"]);
  expect(io.pending).toBe(0);
});

test("work that never stops queueing more is a twin bug, not an endless loop", () => {
  const io = new FrameIO(new vnet());
  const again = (): void => io.queue(again);
  io.queue(again);
  expect(() => io.drain()).toThrow(InvariantError);
});

test("nic_inject: ENXIO for an unknown interface and for lo0, which has no wire", () => {
  const b = new Bench();
  expect(b.k.run(() => nic_inject("vtnet9", new Uint8Array(60)))).toBe(ENXIO);
  expect(b.k.run(() => nic_inject("lo0", new Uint8Array(60)))).toBe(ENXIO);
});

test("nic_attach: EINVAL for a name the driver would not make or one already taken", () => {
  const b = new Bench();
  expect(b.k.run(() => nic_attach("vtnet", "em0", MAC_A))).toBe(EINVAL);
  expect(b.k.run(() => nic_attach("vtnet", "vtnet0", MAC_A))).toBe(0);
  expect(b.k.run(() => nic_attach("vtnet", "vtnet0", MAC_A))).toBe(EINVAL);
  expect(b.k.run(() => nic_attach("epair", "epair0", MAC_A))).toBe(EINVAL);
});
