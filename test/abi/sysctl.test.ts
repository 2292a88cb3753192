import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import {
  CTL_NET,
  NET_RT_DUMP,
  NET_RT_FLAGS,
  NET_RT_IFLIST,
  NET_RT_IFLISTL,
  NET_RT_IFMALIST,
  decodeSysctlInt,
  encodeSysctlInt,
  formatRouteDumpMib,
  parseRouteDumpMib,
  routeDumpMib,
} from "../../src/abi/sysctl.ts";
import { RTF_LLINFO } from "../../src/abi/route.ts";

describe("sysctl names", () => {
  it("match the headers", () => {
    // 10.4 sys/sys/sysctl.h CTL_NET; sys/sys/socket.h NET_RT_*
    expect(CTL_NET).toBe(4);
    expect([NET_RT_DUMP, NET_RT_FLAGS, NET_RT_IFLIST, NET_RT_IFMALIST, NET_RT_IFLISTL]).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it("builds the mib arp -an uses and reads it back", () => {
    // { CTL_NET, PF_ROUTE, 0, AF_INET, NET_RT_FLAGS, RTF_LLINFO }
    const mib = routeDumpMib({ op: "flags", af: 2, arg: RTF_LLINFO });
    expect(mib).toEqual([4, 17, 0, 2, 2, 0x400]);
    expect(parseRouteDumpMib(mib)).toEqual({ op: "flags", af: 2, arg: 0x400 });
    expect(formatRouteDumpMib(mib)).toBe("net.route.0.2.flags.1024");
    const withFib = routeDumpMib({ op: "dump", af: 0, arg: 0, fib: 1 });
    expect(withFib).toEqual([4, 17, 0, 0, 1, 0, 1]);
    expect(parseRouteDumpMib(withFib)).toEqual({ op: "dump", af: 0, arg: 0, fib: 1 });
    expect(parseRouteDumpMib([4, 17, 0, 2, 9, 0])).toBeNull();
    expect(parseRouteDumpMib([1, 2, 3])).toBeNull();
    expect(formatRouteDumpMib([1, 2, 3])).toBe("1.2.3");
  });

  it("ints are 4 bytes little-endian", () => {
    expect(encodeSysctlInt(1200)).toEqual(new Uint8Array([0xb0, 0x04, 0, 0]));
    expect(encodeSysctlInt(-1)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(decodeSysctlInt(new Uint8Array([0xb0, 0x04, 0, 0]))).toBe(1200);
    expect(decodeSysctlInt(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(-1);
    expect(isDecodeError(decodeSysctlInt(new Uint8Array(3)))).toBe(true);
  });
});
