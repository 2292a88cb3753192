// The frame I/O layer (src/kernel/net/frames.ts): the netisr stand-in's ordering and bound, the
// bounded log of transmitted frames and the harness taking each op's frames from it, and the
// harness's entry points (Kernel.attachNic, nic_inject) refusing what does not exist.

import { expect, test } from "vitest";
import { EINVAL, ENXIO } from "../../../src/abi/errno.ts";
import { nic_inject } from "../../../src/kernel/dev/attach.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { FRAME_LOG_LIMIT, FrameIO } from "../../../src/kernel/net/frames.ts";
import { vnet } from "../../../src/kernel/net/vnet.ts";
import { isSockaddrDl, LLADDR, sockaddrIn } from "../../../src/abi/socket.ts";
import { encodeInAliasreq, inAliasreq } from "../../../src/abi/in.ts";
import { SIOCAIFADDR } from "../../../src/abi/sockio.ts";
import { kernelStepper } from "../../../src/backends/twin.ts";
import { createKernel } from "../../../src/backends/twin-kernel.ts";
import { ROOT, toHex } from "../../../src/harness/ops.ts";
import { Bench, hex, ip } from "./nic_helpers.ts";

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

test("the transmit log keeps at most FRAME_LOG_LIMIT untaken frames: reaching it drops the older half", () => {
  const b = new Bench();
  const ifp = b.attach("vtnet", "vtnet0");
  const io = new FrameIO(new vnet());
  const frame = (i: number): Uint8Array => Uint8Array.of(i >>> 8, i & 0xff);
  for (let i = 0; i < FRAME_LOG_LIMIT; i++) io.record(ifp, frame(i));
  expect(io.transmitted).toHaveLength(FRAME_LOG_LIMIT);
  expect(io.lost).toBe(0);
  // The frame itself is kept (the driver handed it over), not a copy.
  const last = frame(FRAME_LOG_LIMIT);
  io.record(ifp, last);
  expect(io.lost).toBe(FRAME_LOG_LIMIT / 2);
  expect(io.transmitted).toHaveLength(FRAME_LOG_LIMIT / 2 + 1);
  expect(hex(io.transmitted[0].frame)).toBe(hex(frame(FRAME_LOG_LIMIT / 2)));
  expect(io.transmitted.at(-1)?.frame).toBe(last);
  // Taking empties the log; what comes next starts it again.
  expect(io.transmitted.splice(0)).toHaveLength(FRAME_LOG_LIMIT / 2 + 1);
  io.record(ifp, frame(1));
  expect(io.transmitted.map((f) => hex(f.frame))).toEqual(["0001"]);
  expect(io.lost).toBe(FRAME_LOG_LIMIT / 2);
});

test("a Kernel whose frame log dropped untaken frames fails its self-check", () => {
  const b = new Bench();
  b.attach("vtnet", "vtnet0");
  expect(b.k.checkInvariants()).toEqual([]);
  b.k.frames.lost = 3;
  expect(b.k.checkInvariants()).toEqual(["frame log: 3 frames dropped untaken"]);
});

test("the harness takes each op's frames, so the Kernel's log holds none between ops", async () => {
  const k = await createKernel({ carp: false });
  const step = kernelStepper(k);
  expect(step({ op: "nic", driver: "vtnet", name: "vtnet0", mac: "02:00:00:00:0a:01" }).frames).toEqual([]);
  for (const addr of ["10.0.0.1", "10.0.0.2"]) {
    const none = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
    const req = inAliasreq("vtnet0", sockaddrIn(ip(addr)), sockaddrIn(ip("255.255.255.0")), none);
    const r = step({ op: "ioctl", cred: ROOT, cmd: SIOCAIFADDR, data: toHex(encodeInAliasreq(req)) });
    expect(r.errno).toBe(0);
    // arp_ifinit's gratuitous ARP (ar_tpa, the frame's last four bytes, is the address): this
    // op's one frame, and only it.
    expect(r.frames.map((f) => [f.ifname, f.frame.slice(-8)])).toEqual([
      ["vtnet0", hex(sockaddrInAddr(addr))],
    ]);
    expect(k.transmitted).toEqual([]);
  }
});

/** A dotted quad's four bytes in network order. */
function sockaddrInAddr(addr: string): Uint8Array {
  return Uint8Array.from(addr.split(".").map(Number));
}
