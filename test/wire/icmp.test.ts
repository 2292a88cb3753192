import { describe, expect, it } from "vitest";
import { isWireError } from "../../src/wire/error.ts";
import {
  emitIcmp,
  formatIcmp,
  icmpBufferLen,
  icmpChecksumOk,
  parseIcmp,
  type IcmpRepr,
} from "../../src/wire/icmp.ts";
import { hexBytes, referenceChecksum } from "./helpers.ts";

// RFC 792 echo request.
const ECHO = hexBytes(`
  08          # type 8: echo request
  00          # code 0
  192d        # checksum (by hand: ~(0800+0001+0001+7069+6e67) = ~e6d2)
  0001        # identifier
  0001        # sequence number
  70696e67    # data "ping"
`);
const ECHO_REPR: IcmpRepr = {
  kind: "echo-request",
  code: 0,
  checksum: 0x192d,
  id: 1,
  seq: 1,
  data: new TextEncoder().encode("ping"),
};

// RFC 792 destination unreachable, code 3 (port), unused word, then the start of the
// offending datagram (only its first 4 bytes here).
const UNREACH = hexBytes("03 03 0000 00000000 45000020");

describe("icmp", () => {
  it("checksum agrees with an independent computation", () => {
    const zeroed = ECHO.slice();
    zeroed[2] = zeroed[3] = 0;
    expect(referenceChecksum(zeroed)).toBe(0x192d);
    expect(icmpChecksumOk(ECHO)).toBe(true);
  });

  it("deconstructs an echo request", () => {
    const m = parseIcmp(ECHO);
    if (isWireError(m) || m.kind === "other") throw new Error("expected an echo");
    expect(m.kind).toBe("echo-request");
    expect(m.id).toBe(1);
    expect(m.seq).toBe(1);
    expect(new TextDecoder().decode(m.data)).toBe("ping");
  });

  it("parses to the repr and emits the same bytes; computes the checksum when absent", () => {
    expect(parseIcmp(ECHO)).toEqual(ECHO_REPR);
    expect(icmpBufferLen(ECHO_REPR)).toBe(12);
    expect(emitIcmp(ECHO_REPR)).toEqual(ECHO);
    const { checksum: _omit, ...noSum } = ECHO_REPR;
    expect(emitIcmp(noSum)).toEqual(ECHO);
  });

  it("echo reply differs only in type and checksum", () => {
    const reply = emitIcmp({ kind: "echo-reply", code: 0, id: 1, seq: 1, data: ECHO_REPR.data });
    expect(reply[0]).toBe(0);
    expect(icmpChecksumOk(reply)).toBe(true);
    expect(reply.subarray(4)).toEqual(ECHO.subarray(4));
  });

  it("keeps other types raw", () => {
    const m = parseIcmp(UNREACH);
    expect(m).toEqual({ kind: "other", type: 3, code: 3, checksum: 0, rest: UNREACH.subarray(4) });
    if (!isWireError(m)) expect(emitIcmp(m)).toEqual(UNREACH);
    expect(formatIcmp(m as IcmpRepr)).toBe("ICMP unreachable (port) length 12");
  });

  it("an echo too short for id and seq stays raw; under 4 bytes is an error value", () => {
    const m = parseIcmp(ECHO.subarray(0, 6));
    expect(!isWireError(m) && m.kind).toBe("other");
    expect(isWireError(parseIcmp(ECHO.subarray(0, 3)))).toBe(true);
  });

  it("formats", () => {
    expect(formatIcmp(ECHO_REPR)).toBe("ICMP echo request id 1 seq 1 length 12");
  });
});
