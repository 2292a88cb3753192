// Shared set-up for the driver, Ethernet and IP-input tests: a fresh Kernel, NICs made as the
// scenario makes them, addresses added with SIOCAIFADDR, and the frames transmitted since the
// last look. Nothing here asserts; the tests do, citing FreeBSD.

import { expect } from "vitest";
import { encodeIfreq, ifreqWithFlags, ifreqWithInt } from "../../../src/abi/if.ts";
import { encodeInAliasreq, inAliasreq } from "../../../src/abi/in.ts";
import { AF_INET, AF_LINK, sockaddrFamily, sockaddrIn } from "../../../src/abi/socket.ts";
import type { in_multi } from "../../../src/kernel/netinet/in_mcast.ts";
import { SIOCAIFADDR, SIOCSIFFLAGS, SIOCSIFMTU } from "../../../src/abi/sockio.ts";
import { nic_inject, type NicDriver } from "../../../src/kernel/dev/attach.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import type { TransmittedFrame } from "../../../src/kernel/net/frames.ts";
import { ifunit } from "../../../src/kernel/net/if.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import { mac } from "../../../src/wire/addr.ts";
import { icmpEchoRequest, type IcmpEchoArgs } from "../../../src/wire/builders.ts";

export const MAC_A = mac("02:00:00:00:0a:01");
export const MAC_PEER = mac("02:00:00:00:0b:02");

export function ip(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** Bytes as lowercase hex, for comparing frames in expectations. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/**
 * An echo request from the peer (MAC_PEER, 10.0.0.2) to `dstIp`, sent to MAC_A with id and seq
 * 1 unless `more` says otherwise.
 */
export function pingFromPeer(dstIp: string, more: Partial<IcmpEchoArgs> = {}): Uint8Array {
  return icmpEchoRequest({
    srcMac: MAC_PEER,
    dstMac: MAC_A,
    srcIp: ip("10.0.0.2"),
    dstIp: ip(dstIp),
    id: 1,
    seq: 1,
    ...more,
  });
}

export class Bench {
  readonly k = new Kernel();

  attach(driver: NicDriver, name: string, lladdr: Uint8Array = MAC_A): ifnet {
    const mac = [...lladdr].map((x) => x.toString(16).padStart(2, "0")).join(":");
    const error = this.k.attachNic(driver, name, driver === "tun" ? undefined : mac);
    expect(error).toBe(0);
    return this.ifp(name);
  }

  ifp(name: string): ifnet {
    const ifp = this.k.run(() => ifunit(name));
    if (ifp === null) throw new Error(`no interface ${name}`);
    return ifp;
  }

  /** SIOCAIFADDR with a mask of `masklen` bits and no explicit broadcast address. */
  addAddr(name: string, addr: string, masklen: number, dst?: string): number {
    const mask = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
    const none = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };
    const req = inAliasreq(
      name,
      sockaddrIn(ip(addr)),
      sockaddrIn(mask),
      dst === undefined ? none : sockaddrIn(ip(dst)),
    );
    return this.k.ioctl(Kernel.root(), SIOCAIFADDR, encodeInAliasreq(req)).errno;
  }

  setFlags(name: string, flags: number): number {
    return this.k.ioctl(Kernel.root(), SIOCSIFFLAGS, encodeIfreq(ifreqWithFlags(name, flags))).errno;
  }

  setMtu(name: string, mtu: number): number {
    return this.k.ioctl(Kernel.root(), SIOCSIFMTU, encodeIfreq(ifreqWithInt(name, mtu))).errno;
  }

  inject(name: string, frame: Uint8Array): number {
    return this.k.run(() => nic_inject(name, frame));
  }

  /** Frames transmitted since the previous call (or since the bench was made), taken from the log. */
  sent(): TransmittedFrame[] {
    return this.k.frames.transmitted.splice(0);
  }

  /**
   * The twin's own reference-count and list consistency checks (Kernel.checkInvariants), plus
   * the multicast balance these tests rely on (no userland SIOCADDMULTI in them): every
   * link-layer membership is referenced exactly by the protocol memberships pointing at it,
   * and every AF_INET membership holds one in_multi held once (in.c's ii_allhosts).
   */
  expectConsistent(): void {
    expect(this.k.checkInvariants()).toEqual([]);
    for (const ifp of this.k.interfaces) {
      for (const ifma of ifp.if_multiaddrs) {
        if (sockaddrFamily(ifma.ifma_addr) === AF_LINK) {
          const users = ifp.if_multiaddrs.filter((m) => m.ifma_llifma === ifma).length;
          expect(`${ifp.if_xname} link group refs ${ifma.ifma_refcount}`).toBe(
            `${ifp.if_xname} link group refs ${users}`,
          );
        } else {
          const inm = ifma.ifma_protospec as in_multi | null;
          expect(inm).not.toBeNull();
          expect([ifma.ifma_refcount, inm?.inm_ifma === ifma, inm?.inm_refcount]).toEqual([1, true, 1]);
          expect(ifp.if_afdata[AF_INET]?.ii_allhosts).toBe(inm);
        }
      }
    }
  }
}

/** xorshift32: a deterministic 32-bit generator so fuzz failures reproduce. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** A deterministic byte generator for the fuzz loops: xorshift32's low byte. */
export function prng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() & 0xff;
}
