import { expect, test } from "vitest";
import {
  RTF_GATEWAY,
  RTF_HOST,
  RTF_UP,
  RTM_ADD,
  RTM_CHANGE,
  RTM_DELETE,
  RTM_GET,
} from "../../../src/abi/route_defs.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";

/** An rt_msghdr with the given sockaddrs, each padded to SA_SIZE as rt_xaddrs expects. */
function message(type: number, flags: number, addrs: number, sas: number[][]): Uint8Array {
  const body = sas.flatMap((s) => {
    const b = new Uint8Array(s[0] === 0 ? 8 : Math.ceil(s[0] / 8) * 8);
    b.set(s.slice(0, b.length));
    return [...b];
  });
  const m = new Uint8Array(152 + body.length);
  const v = new DataView(m.buffer);
  v.setUint16(0, m.length, true);
  m[2] = 5;
  m[3] = type;
  v.setInt32(8, flags, true);
  v.setInt32(12, addrs, true);
  m.set(body, 152);
  return m;
}

test("route_output with odd sockaddr lengths and families answers with errnos, never a twin fault", () => {
  const k = new Kernel();
  k.attachNic("vtnet", "vtnet0", "52:54:00:00:00:01");
  const so = k.routeSocketOpen();
  const dsts = [
    [20, 2, 0, 0, 10, 0, 0, 1],
    [5, 2, 0, 0, 10],
    [16, 2, 0, 0, 127, 0, 0, 1],
    [16, 18, 1, 0],
    [3, 2, 0],
    [16, 0, 0, 0, 1, 2, 3, 4],
    [40, 2],
  ];
  const gws = [
    [16, 2, 0, 0, 127, 0, 0, 1],
    [20, 18, 2, 0, 6, 0, 6, 0, 1, 2, 3, 4, 5, 6],
    [8, 18, 0, 0],
    [2, 2],
  ];
  const seen = new Set<number>();
  const jailed = Kernel.jailed("j", [0x0a000001]);
  for (const cred of [Kernel.root(), jailed])
    for (const type of [RTM_ADD, RTM_GET, RTM_DELETE, RTM_CHANGE])
      for (const flags of [RTF_UP | RTF_GATEWAY, RTF_UP | RTF_HOST, 0])
        for (const dst of dsts)
          for (const gw of gws)
            for (const [addrs, sas] of [
              [0x1, [dst]],
              [0x3, [dst, gw]],
              [0x7, [dst, gw, [7, 2, 0, 0, 255, 255, 255]]],
              [0x33, [dst, gw, [56, 18, 2, 0], [16, 2, 0, 0, 127, 0, 0, 1]]],
            ] as const) {
              let error = -1;
              expect(
                () =>
                  (error = so.write(
                    cred,
                    message(
                      type,
                      flags,
                      addrs,
                      sas.map((s) => [...s]),
                    ),
                  )),
              ).not.toThrow();
              seen.add(error);
            }
  so.read();
  // The mix reaches several distinct outcomes (success, EINVAL, ESRCH, EEXIST, ENETUNREACH...).
  expect(seen.size).toBeGreaterThan(4);
  expect(k.checkInvariants()).toEqual([]);
});
