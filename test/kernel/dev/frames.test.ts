// The frame I/O layer (src/kernel/net/frames.ts): the netisr stand-in's ordering and bound,
// and the harness's entry points (Kernel.attachNic, nic_inject) refusing what does not exist.

import { expect, test } from "vitest";
import { EINVAL, ENXIO } from "../../../src/abi/errno.ts";
import { nic_inject } from "../../../src/kernel/dev/attach.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { FrameIO } from "../../../src/kernel/net/frames.ts";
import { vnet } from "../../../src/kernel/net/vnet.ts";
import { isSockaddrDl, LLADDR } from "../../../src/abi/socket.ts";
import { Bench, hex } from "./nic_helpers.ts";

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

test("attachNic: ENXIO for a name no driver makes (the agent's if_nametoindex check), EINVAL from the cloner", () => {
  const b = new Bench();
  // op_nic: a vtnet is never created by name; a missing one is ENXIO on the guests.
  expect(b.k.attachNic("vtnet", "em0", "02:00:00:00:00:01")).toBe(ENXIO);
  expect(b.k.attachNic("vtnet", "vtnet0", "02:00:00:00:00:01")).toBe(0);
  // Again: it exists, so only the MAC is set (SIOCSIFLLADDR) and the offloads stay off.
  expect(b.k.attachNic("vtnet", "vtnet0", "02:00:00:00:00:02")).toBe(0);
  const sdl = b.ifp("vtnet0").if_addr?.ifa_addr;
  if (sdl === undefined || !isSockaddrDl(sdl)) throw new Error("vtnet0 has no link-level address");
  expect(hex(LLADDR(sdl))).toBe("020000000002");
  // SIOCIFCREATE2 "epair": the cloner makes epair0a/b, but "epair0" itself is no interface.
  expect(b.k.attachNic("epair", "epair0", "02:00:00:00:00:01")).toBe(ENXIO);
  // SIOCIFCREATE2 "epairx": no cloner matches (if_clone.c if_clone_create).
  expect(b.k.attachNic("epair", "epairxa", "02:00:00:00:00:01")).toBe(EINVAL);
});
