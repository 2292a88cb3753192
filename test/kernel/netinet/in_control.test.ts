// in_control (seed in.c:195-294) and the small address predicates (seed 94-190, 852-884).
// Expected values from the seed's code and the header macros, cited next to each assertion.

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EINVAL, EOPNOTSUPP } from "../../../src/abi/errno.ts";
import { IFF_MULTICAST, IFF_POINTOPOINT } from "../../../src/abi/if.ts";
import { _IOW, IOCPARM_LEN } from "../../../src/abi/ioccom.ts";
import { AF_INET, sockaddrIn } from "../../../src/abi/socket.ts";
import {
  SIOCALIFADDR,
  SIOCGIFADDR,
  SIOCGIFBRDADDR,
  SIOCGIFDSTADDR,
  SIOCGIFNETMASK,
  SIOCSIFADDR,
  SIOCSIFBRDADDR,
  SIOCSIFDSTADDR,
  SIOCSIFNETMASK,
} from "../../../src/abi/sockio.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import {
  in_broadcast,
  in_canforward,
  in_localaddr,
  in_localip,
  in_socktrim,
} from "../../../src/kernel/netinet/in.ts";
import { INADDR_HASH } from "../../../src/kernel/netinet/in_var.ts";
import { aifaddr, attachEther, attachP2p, expectBalanced, gif, ip, sin, type TestIf } from "./helpers.ts";

/** A zeroed struct if_laddrreq (IOCPARM_LEN of SIOCALIFADDR) naming `ifname`. */
function laddrreq(ifname: string): Uint8Array {
  const b = new Uint8Array(IOCPARM_LEN(SIOCALIFADDR));
  for (let i = 0; i < ifname.length; i++) b[i] = ifname.charCodeAt(i);
  return b;
}

let k: Kernel;
let em: TestIf;

beforeEach(() => {
  k = new Kernel();
  em = attachEther(k);
});

afterEach(() => expectBalanced(k));

describe("in_control dispatch (seed 204-238)", () => {
  test("no interface: EADDRNOTAVAIL (seed 204-205) — an ioctl outside group 'i' reaches in_control with ifp NULL", () => {
    // sys_socket.c soo_ioctl hands non-'i', non-'r' requests to pru_control with ifp NULL.
    const cmd = _IOW("s", 99, 4);
    expect(k.ioctl(Kernel.root(), cmd, new Uint8Array(4)).errno).toBe(EADDRNOTAVAIL);
  });

  test.each([
    ["SIOCSIFADDR", SIOCSIFADDR],
    ["SIOCSIFBRDADDR", SIOCSIFBRDADDR],
    ["SIOCSIFDSTADDR", SIOCSIFDSTADDR],
    ["SIOCSIFNETMASK", SIOCSIFNETMASK],
  ])("%s is refused with EINVAL (seed 228-233)", (_name, cmd) => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(gif(k, cmd, em.name, "192.0.2.9").errno).toBe(EINVAL);
    expect(gif(k, SIOCGIFADDR, em.name).sin).toEqual(sin("192.0.2.1"));
  });

  test("anything else goes to the driver (seed 234-237): SIOCALIFADDR reaches ether_ioctl, EINVAL", () => {
    // 10.4 if_ethersubr.c ether_ioctl answers unknown commands with EINVAL.
    expect(k.ioctl(Kernel.root(), SIOCALIFADDR, laddrreq(em.name)).errno).toBe(EINVAL);
  });

  test("… or EOPNOTSUPP when the interface has no if_ioctl (seed 235-236)", () => {
    em.ifp.if_ioctl = null;
    expect(k.ioctl(Kernel.root(), SIOCALIFADDR, laddrreq(em.name)).errno).toBe(EOPNOTSUPP);
  });
});

describe("SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFDSTADDR (seed 240-294)", () => {
  beforeEach(() => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.1", mask: "255.255.0.0", brd: "198.51.255.254" })).toBe(0);
  });

  test("SIOCGIFADDR always answers with the first address, whatever was asked (seed 253-254, 266-267)", () => {
    expect(gif(k, SIOCGIFADDR, em.name)).toEqual({ errno: 0, sin: sin("192.0.2.1") });
    expect(gif(k, SIOCGIFADDR, em.name, "198.51.100.1")).toEqual({ errno: 0, sin: sin("192.0.2.1") });
    expect(gif(k, SIOCGIFADDR, em.name, "203.0.113.7")).toEqual({ errno: 0, sin: sin("192.0.2.1") });
  });

  test("SIOCGIFNETMASK: the named address's mask, trimmed; INADDR_ANY means the first (seed 253-256, 286-287)", () => {
    // in_socktrim made these: 255.255.0.0 → sin_len 6, 255.255.255.0 → 7 (seed 178-190).
    expect(gif(k, SIOCGIFNETMASK, em.name, "198.51.100.1")).toEqual({
      errno: 0,
      sin: { sin_len: 6, sin_family: AF_INET, sin_port: 0, sin_addr: 0xffff0000 },
    });
    expect(gif(k, SIOCGIFNETMASK, em.name, sockaddrIn(0)).sin.sin_addr).toBe(0xffffff00);
  });

  test("the answer is the stored sockaddr as given, port and sin_zero included (seed 367, 267)", () => {
    // On a second interface, so that this address is its first (SIOCGIFADDR answers the first).
    const odd = { ...sin("203.0.113.5"), sin_port: 1234, sin_zero: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) };
    const em2 = attachEther(k);
    expect(aifaddr(k, em2.name, { addr: odd, mask: "255.255.255.0" })).toBe(0);
    expect(gif(k, SIOCGIFADDR, em2.name)).toEqual({ errno: 0, sin: odd });
  });

  test("SIOCGIFNETMASK for an address not on the interface: EADDRNOTAVAIL (seed 259-262)", () => {
    expect(gif(k, SIOCGIFNETMASK, em.name, "203.0.113.7").errno).toBe(EADDRNOTAVAIL);
  });

  test("SIOCGIFBRDADDR: the broadcast address on an IFF_BROADCAST interface (seed 270-276)", () => {
    expect(gif(k, SIOCGIFBRDADDR, em.name, "198.51.100.1")).toEqual({ errno: 0, sin: sin("198.51.255.254") });
  });

  test("SIOCGIFDSTADDR on a broadcast interface: EINVAL (seed 278-282)", () => {
    expect(gif(k, SIOCGIFDSTADDR, em.name, "192.0.2.1").errno).toBe(EINVAL);
  });

  test("jailed: a named address outside the jail is EADDRNOTAVAIL; INADDR_ANY still gets the first address (seed 240-242, 253)", () => {
    const jail = Kernel.jailed("j", [ip("198.51.100.1")]);
    expect(gif(k, SIOCGIFNETMASK, em.name, "192.0.2.1", jail).errno).toBe(EADDRNOTAVAIL);
    expect(gif(k, SIOCGIFNETMASK, em.name, "198.51.100.1", jail).errno).toBe(0);
    // The jail is not consulted for the zero address: the host's first address comes back.
    expect(gif(k, SIOCGIFADDR, em.name, null, jail)).toEqual({ errno: 0, sin: sin("192.0.2.1") });
  });
});

describe("point-to-point and address-less interfaces", () => {
  test("SIOCGIFDSTADDR gives the destination, SIOCGIFBRDADDR is EINVAL (seed 270-284)", () => {
    const tun = attachP2p(k);
    expect(tun.ifp.if_flags & IFF_POINTOPOINT).toBe(IFF_POINTOPOINT);
    expect(aifaddr(k, tun.name, { addr: "10.0.0.1", brd: "10.0.0.2" })).toBe(0);
    expect(gif(k, SIOCGIFDSTADDR, tun.name, "10.0.0.1")).toEqual({ errno: 0, sin: sin("10.0.0.2") });
    expect(gif(k, SIOCGIFBRDADDR, tun.name, "10.0.0.1").errno).toBe(EINVAL);
  });

  test("no IPv4 address at all: EADDRNOTAVAIL (seed 259-262)", () => {
    expect(gif(k, SIOCGIFADDR, em.name).errno).toBe(EADDRNOTAVAIL);
  });
});

describe("address predicates", () => {
  beforeEach(() => {
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "198.51.100.0", mask: "255.255.255.254" })).toBe(0);
    expect(aifaddr(k, em.name, { addr: "203.0.113.9", mask: "255.255.255.255" })).toBe(0);
  });

  test("in_localaddr: is the address on one of our subnets (seed 94-109)", () => {
    k.run(() => {
      expect(in_localaddr(ip("192.0.2.77"))).toBe(1);
      expect(in_localaddr(ip("127.1.2.3"))).toBe(1); // lo0's classful 127/8
      expect(in_localaddr(ip("8.8.8.8"))).toBe(0);
    });
  });

  test("in_localip: is the address one of ours, through INADDR_HASH (seed 115-128)", () => {
    k.run(() => {
      expect(in_localip(ip("192.0.2.1"))).toBe(1);
      expect(in_localip(ip("192.0.2.2"))).toBe(0);
      // The bucket holds the address (in_var.h INADDR_HASH over fnv_32_buf of s_addr).
      expect(INADDR_HASH(k.vnet, ip("192.0.2.1")).map((ia) => ia.ia_addr.sin_addr)).toContain(
        ip("192.0.2.1"),
      );
    });
  });

  test("in_broadcast (seed 852-884)", () => {
    k.run(() => {
      // INADDR_BROADCAST and INADDR_ANY are broadcast on any interface (seed 857-859).
      expect(in_broadcast(0xffffffff, em.ifp)).toBe(1);
      expect(in_broadcast(0, em.ifp)).toBe(1);
      // The subnet's broadcast address, and the old host-0 form (seed 869-876).
      expect(in_broadcast(ip("192.0.2.255"), em.ifp)).toBe(1);
      expect(in_broadcast(ip("192.0.2.0"), em.ifp)).toBe(1);
      // /31: host 0 is an address there (RFC 3021), broadcast is 255.255.255.255 (seed 875).
      expect(in_broadcast(ip("198.51.100.0"), em.ifp)).toBe(0);
      // /32: never broadcast, not even its own "broadcast" (= the address, seed 880-881).
      expect(in_broadcast(ip("203.0.113.9"), em.ifp)).toBe(0);
      expect(in_broadcast(ip("192.0.2.7"), em.ifp)).toBe(0);
    });
  });

  test("in_broadcast on an interface without IFF_BROADCAST (seed 860-861)", () => {
    const tun = attachP2p(k);
    expect(tun.ifp.if_flags & IFF_MULTICAST).toBe(IFF_MULTICAST);
    k.run(() => expect(in_broadcast(ip("192.0.2.255"), tun.ifp)).toBe(0));
  });
});

describe("pure helpers", () => {
  test.each([
    // seed 159-172 with the in.h class macros.
    ["10.1.1.1", 1],
    ["0.1.2.3", 0], // net 0
    ["127.0.0.1", 0], // IN_LOOPBACKNET
    ["224.0.0.1", 0], // IN_MULTICAST
    ["240.0.0.1", 0], // IN_EXPERIMENTAL
    ["169.254.1.1", 0], // IN_LINKLOCAL
    ["172.16.0.1", 1], // class B: only the class A rule checks the net
  ])("in_canforward(%s) = %i", (a, want) => {
    expect(in_canforward(ip(a))).toBe(want);
  });

  test.each([
    // seed 178-190: one past the last non-zero byte of sin_addr, 0 for an all-zero mask.
    [0xffffffff, 8],
    [0xffffff00, 7],
    [0xfffe0000, 6],
    [0x80000000, 5],
    [0, 0],
    [0x000000ff, 8], // not a contiguous mask: the last byte still counts
  ])("in_socktrim(%d) → sin_len %i", (mask, len) => {
    const s = sockaddrIn(mask);
    in_socktrim(s);
    expect(s.sin_len).toBe(len);
  });

  test("INADDR_HASH buckets are newest first (LIST_INSERT_HEAD, seed 419)", () => {
    const em2 = attachEther(k);
    expect(aifaddr(k, em.name, { addr: "192.0.2.1", mask: "255.255.255.0" })).toBe(0);
    expect(aifaddr(k, em2.name, { addr: "192.0.2.1", mask: "255.255.255.255" })).toBe(0);
    const bucket = INADDR_HASH(k.vnet, ip("192.0.2.1"));
    expect(bucket.map((ia) => ia.ifa_ifp.if_xname)).toEqual([em2.name, em.name]);
  });
});
