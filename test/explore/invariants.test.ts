import { describe, expect, it } from "vitest";
import { encodeInAliasreq, inAliasreq, parseIpv4 } from "../../src/abi/in.ts";
import { encodeIfreq, ifreqWithFlags, IFF_UP } from "../../src/abi/if.ts";
import { sockaddrIn } from "../../src/abi/socket.ts";
import { SIOCAIFADDR, SIOCSIFFLAGS } from "../../src/abi/sockio.ts";
import { GUEST_DEVICES } from "../../src/backends/twin-kernel.ts";
import { census, extraProblems, seedLeaked } from "../../src/explore/invariants.ts";
import { teardown } from "../../src/explore/teardown.ts";
import { Kernel } from "../../src/kernel/kernel.ts";
import { lltables } from "../../src/kernel/net/if_llatbl.ts";
import { arpRequest } from "../../src/wire/builders.ts";
import { mac } from "../../src/wire/addr.ts";

const ip = (s: string) => parseIpv4(s) ?? 0;

/** vtnet1 up at 10.0.0.1/24, with 10.0.0.2's entry learned from its ARP request. */
function machine(): Kernel {
  const k = new Kernel({ devices: GUEST_DEVICES });
  const root = Kernel.root();
  expect(k.ioctl(root, SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags("vtnet1", IFF_UP))).errno).toBe(0);
  const req = inAliasreq(
    "vtnet1",
    sockaddrIn(ip("10.0.0.1")),
    sockaddrIn(ip("255.255.255.0")),
    sockaddrIn(0),
  );
  expect(k.ioctl(root, SIOCAIFADDR, encodeInAliasreq(req)).errno).toBe(0);
  const frame = arpRequest({
    srcMac: mac("02:00:00:00:00:22"),
    srcIp: ip("10.0.0.2"),
    targetIp: ip("10.0.0.1"),
  });
  expect(k.inject("vtnet1", frame)).toBe(0);
  return k;
}

describe("robustness invariants", () => {
  it("hold on a machine with an address and a learned ARP entry", () => {
    expect(extraProblems(machine())).toEqual([]);
  });

  it("report an lltable reference nobody holds", () => {
    const k = machine();
    const lle = k.run(() => lltables().flatMap((t) => t.lle_head.flat()))[0];
    expect(lle).toBeDefined();
    lle.lle_refcnt++; // planted here: a reference taken and never released
    expect(extraProblems(k).join()).toMatch(/lle_refcnt .* \(leak or missing reference\)/);
  });

  it("teardown leaves each interface its link-level address only; the seed's own leak is counted apart", () => {
    const k = machine();
    teardown(k, new Set(k.interfaces.map((i) => i.if_xname)));
    const c = census(k);
    expect(c.ifaddrs).toBe(c.interfaces);
    expect(c.routes).toBe(0);
    // lo0's 127.0.0.1 and vtnet1's 10.0.0.1: each keeps the seed's unreleased ifa_alloc
    // reference (seed in.c:411,416).
    expect(seedLeaked(k)).toBe(2);
  });
});
