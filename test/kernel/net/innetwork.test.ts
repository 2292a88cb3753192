import { expect, test } from "vitest";
import { AF_INET, sockaddrLen, type SockaddrIn } from "../../../src/abi/socket.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { inNetwork } from "../../../src/kernel/net/if.ts";
import { sa_image } from "../../../src/kernel/net/radix.ts";
import { seededRandom } from "../../wire/helpers.ts";

/** The definition: bytes 2..sa_len(mask) of the two images agree under the mask's bytes. */
function byBytes(addr: SockaddrIn, ia: SockaddrIn, nm: SockaddrIn): boolean {
  const [a, b, m] = [sa_image(addr), sa_image(ia), sa_image(nm)];
  for (let i = 2; i < sockaddrLen(nm); i++) if (((a[i] ?? 0) ^ (b[i] ?? 0)) & (m[i] ?? 0)) return false;
  return true;
}

test("ifaof_ifpforaddr's network test agrees with the byte-by-byte definition", () => {
  const [lo0] = new Kernel().interfaces;
  const ifa = lo0.if_addrhead[0];
  const r = seededRandom(5);
  const sin = (near: number): SockaddrIn => {
    const s: SockaddrIn = {
      sin_len: [16, 16, 8, 12, 20][Math.floor(r() * 5)],
      sin_family: AF_INET,
      sin_port: r() < 0.7 ? 0 : Math.floor(r() * 0x10000),
      sin_addr: (near ^ (r() < 0.5 ? 0 : 1 << Math.floor(r() * 32))) >>> 0,
    };
    if (r() < 0.2) s.sin_zero = Uint8Array.of(0, 0, r() < 0.5 ? 1 : 0, 0, 0, 0, 0, 0);
    return s;
  };
  let inside = 0;
  for (let i = 0; i < 5000; i++) {
    const base = Math.floor(r() * 0x100000000) >>> 0;
    const nm: SockaddrIn = {
      ...sin(0),
      sin_len: Math.floor(r() * 17),
      sin_addr: (0xffffffff << Math.floor(r() * 33)) >>> 0,
    };
    const addr = sin(base);
    const ia = sin(base);
    const got = inNetwork(addr, { ...ifa, ifa_addr: ia, ifa_netmask: nm });
    expect(got).toBe(byBytes(addr, ia, nm));
    if (got) inside++;
  }
  // Both answers come up often: the comparison is not vacuous.
  expect(inside).toBeGreaterThan(500);
  expect(inside).toBeLessThan(4500);
});
