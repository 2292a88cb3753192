// Every decoder, fed random and truncated bytes from a fixed seed, returns a value or a
// DecodeError and never throws; whatever decodes re-encodes to bytes that decode the same.

import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import { decodeIfData, decodeIfreq, encodeIfData, encodeIfreq } from "../../src/abi/if.ts";
import { decodeSockaddrDl, encodeSockaddrDl } from "../../src/abi/if_dl.ts";
import {
  decodeInAliasreq,
  decodeOInAliasreq,
  decodeSockaddrIn,
  encodeInAliasreq,
  encodeOInAliasreq,
  encodeSockaddrIn,
} from "../../src/abi/in.ts";
import {
  RTM_VERSION,
  decodeRoutingMessage,
  decodeRoutingMessages,
  decodeRtMetrics,
  encodeRoutingMessage,
  encodeRtMetrics,
  splitRoutingMessages,
} from "../../src/abi/route.ts";
import { SA_SIZE, decodeSockaddr, encodeSockaddr, sockaddrLen, type Sockaddr } from "../../src/abi/socket.ts";
import { decodeSysctlInt } from "../../src/abi/sysctl.ts";
import { randomBytes, seededRandom } from "../wire/helpers.ts";

type Codec = [
  string,
  (b: Uint8Array) => unknown,
  ((r: never) => Uint8Array) | null,
  ((b: Uint8Array) => void)?,
];

/** A lone sockaddr goes back into the SA_SIZE slot a routing message gives it (sa_len 0 -> 8). */
function encodeSockaddrSlot(sa: Sockaddr): Uint8Array {
  return encodeSockaddr(sa, new Uint8Array(SA_SIZE(sockaddrLen(sa))), 0);
}

const codecs: Codec[] = [
  ["sockaddr", (b) => decodeSockaddr(b), (r) => encodeSockaddrSlot(r)],
  ["sockaddr_in", (b) => decodeSockaddrIn(b), (r) => encodeSockaddrIn(r)],
  ["sockaddr_dl", (b) => decodeSockaddrDl(b), (r) => encodeSockaddrDl(r)],
  ["in_aliasreq", (b) => decodeInAliasreq(b), (r) => encodeInAliasreq(r)],
  ["oin_aliasreq", (b) => decodeOInAliasreq(b), (r) => encodeOInAliasreq(r)],
  ["ifreq", (b) => decodeIfreq(b), (r) => encodeIfreq(r)],
  // Random bytes in every u_long: all of them decode, exactly (10.4 rtsock.c:1232-1233 mallocs
  // the dump buffer without M_ZERO and sysctl_dumpentry never sets rtm_inits, so real dumps
  // carry any value there).
  ["if_data", (b) => decodeIfData(b), (r) => encodeIfData(r)],
  ["rt_metrics", (b) => decodeRtMetrics(b), (r) => encodeRtMetrics(r)],
  ["routing message", (b) => decodeRoutingMessage(b), null],
  ["routing messages", (b) => decodeRoutingMessages(b), null],
  ["split", (b) => splitRoutingMessages(b), null],
  ["sysctl int", (b) => decodeSysctlInt(b), null],
];

describe("garbage input", () => {
  for (const [name, decode, encode, prepare] of codecs) {
    it(`${name}: never throws; decoded values round-trip`, () => {
      const rand = seededRandom(0x1e7c0de ^ name.length);
      let decoded = 0;
      for (let i = 0; i < 3000; i++) {
        const bytes = randomBytes(rand, Math.floor(rand() * 260));
        prepare?.(bytes);
        const r = decode(bytes);
        if (isDecodeError(r)) continue;
        decoded++;
        if (encode === null) continue;
        const again = decode(encode(r as never));
        // isDeepStrictEqual is an order of magnitude cheaper than expect().toEqual and at least
        // as strict; toEqual runs only to report a mismatch with its diff.
        if (!isDeepStrictEqual(again, r)) expect(again).toEqual(r);
      }
      // the loop must exercise the round trip, not only the error paths
      if (encode !== null) expect(decoded).toBeGreaterThan(100);
    });
  }

  it("routing messages with a plausible header round-trip through encode", () => {
    const rand = seededRandom(7);
    let decoded = 0;
    for (let i = 0; i < 5000; i++) {
      const len = 4 + Math.floor(rand() * 300);
      const bytes = randomBytes(rand, len);
      // make the header self-consistent so the sockaddr walk is exercised
      bytes[0] = len & 0xff;
      bytes[1] = len >> 8;
      bytes[2] = RTM_VERSION;
      bytes[3] = 1 + Math.floor(rand() * 0x12);
      const m = decodeRoutingMessage(bytes);
      if (isDecodeError(m)) continue;
      decoded++;
      const back = decodeRoutingMessage(encodeRoutingMessage(m));
      if (isDecodeError(back)) throw new Error(back.message);
      // msglen is recomputed by the encoder (no trailing bytes), everything else is kept
      expect(back.kind).toBe(m.kind);
      const addrs = ["addrs" in back ? back.addrs : {}, "addrs" in m ? m.addrs : {}];
      if (!isDeepStrictEqual(addrs[0], addrs[1])) expect(addrs[0]).toEqual(addrs[1]);
    }
    expect(decoded).toBeGreaterThan(10);
  });
});
