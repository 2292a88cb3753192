import { describe, expect, it } from "vitest";
import { decodeIfreq, encodeIfreq, ifreqEmpty, ifreqWithAddr, IFF_UP, IFT_ETHER } from "../../src/abi/if.ts";
import { encodeInAliasreq, encodeOInAliasreq, inAliasreq } from "../../src/abi/in.ts";
import {
  decodeRoutingMessage,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_LLDATA,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_DELETE,
  RTV_EXPIRE,
} from "../../src/abi/route.ts";
import { AF_INET, AF_LINK, isSockaddrDl, isSockaddrIn, sockaddrIn } from "../../src/abi/socket.ts";
import { OSIOCAIFADDR, SIOCAIFADDR, SIOCDIFADDR, SIOCIFCREATE2 } from "../../src/abi/sockio.ts";
import { isDecodeError } from "../../src/abi/decode.ts";
import { arpRequest } from "../../src/wire/builders.ts";
import { mac } from "../../src/wire/addr.ts";
import { lowerProgram } from "../../src/harness/lower.ts";
import { fromHex, toHex, type Op } from "../../src/harness/ops.ts";
import { scenario, type ScenarioBuilder } from "../../src/harness/scenario.ts";

function lowered(body: (s: ScenarioBuilder) => void): ReturnType<typeof lowerProgram> {
  return lowerProgram(
    scenario("t/lower", "lowering", (s) => {
      s.nic("vtnet1");
      body(s);
    }),
  );
}

/** The op of step 0. */
function stepOp(body: (s: ScenarioBuilder) => void): Op {
  const l = lowered(body);
  const i = l.origins.findIndex((o) => o.role === "step" && o.step === 0);
  return l.ops[i];
}

const ZERO = { sin_len: 0, sin_family: 0, sin_port: 0, sin_addr: 0 };

describe("lowering ioctls", () => {
  it("SIOCAIFADDR with a prefix becomes in_aliasreq with that mask", () => {
    const op = stepOp((s) => s.aifaddr("vtnet1", "10.0.0.1/24"));
    const want = encodeInAliasreq(inAliasreq("vtnet1", sockaddrIn(0x0a000001), sockaddrIn(0xffffff00), ZERO));
    expect(op).toEqual({ op: "ioctl", cred: { uid: 0 }, cmd: SIOCAIFADDR, data: toHex(want) });
    // Hand-checked layout: name, then ifra_addr at 16 (len 16, AF_INET, port 0, 10.0.0.1).
    const bytes = fromHex((op as { data: string }).data);
    expect(bytes.length).toBe(68);
    expect(String.fromCharCode(...bytes.subarray(0, 6))).toBe("vtnet1");
    expect([...bytes.subarray(16, 24)]).toEqual([16, AF_INET, 0, 0, 10, 0, 0, 1]);
    expect([...bytes.subarray(48, 56)]).toEqual([16, AF_INET, 0, 0, 255, 255, 255, 0]);
    expect([...bytes.subarray(32, 48)].every((b) => b === 0)).toBe(true);
  });

  it("an explicit mask wins over the prefix; dstaddr fills the broadaddr slot; vhid is kept", () => {
    const op = stepOp((s) =>
      s.aifaddr("vtnet1", "10.0.0.1/24", { mask: "255.0.0.0", dstaddr: "10.0.0.2", vhid: 3 }),
    );
    const want = encodeInAliasreq(
      inAliasreq("vtnet1", sockaddrIn(0x0a000001), sockaddrIn(0xff000000), sockaddrIn(0x0a000002), 3),
    );
    expect(op).toMatchObject({ cmd: SIOCAIFADDR, data: toHex(want) });
  });

  it("malformed sockaddr fields go through as written", () => {
    const op = stepOp((s) => s.aifaddr("vtnet1", { addr: "10.0.0.1", len: 0, family: 7, port: 9 }));
    const want = encodeInAliasreq(
      inAliasreq("vtnet1", { sin_len: 0, sin_family: 7, sin_port: 9, sin_addr: 0x0a000001 }, ZERO, ZERO),
    );
    expect(op).toMatchObject({ data: toHex(want) });
  });

  it("OSIOCAIFADDR uses the 64-byte 9.x layout", () => {
    const op = stepOp((s) => s.oaifaddr("vtnet1", "10.0.0.1/8"));
    const want = encodeOInAliasreq(
      inAliasreq("vtnet1", sockaddrIn(0x0a000001), sockaddrIn(0xff000000), ZERO),
    );
    expect(op).toMatchObject({ cmd: OSIOCAIFADDR, data: toHex(want) });
    expect(want.length).toBe(64);
  });

  it("SIOCDIFADDR is an ifreq carrying the address", () => {
    const op = stepOp((s) => s.difaddr("vtnet1", "10.0.0.1"));
    expect(op).toMatchObject({
      cmd: SIOCDIFADDR,
      data: toHex(encodeIfreq(ifreqWithAddr("vtnet1", sockaddrIn(0x0a000001)))),
    });
  });

  it("raw hex passes through untouched and credentials ride along", () => {
    const op = stepOp((s) =>
      s.ioctlHex("SIOCAIFADDR", "00ff").as({ uid: 5, jail: { name: "j", ip4: ["10.0.0.1"] } }),
    );
    expect(op).toEqual({
      op: "ioctl",
      cred: { uid: 5, jail: { name: "j", ip4: ["10.0.0.1"] } },
      cmd: SIOCAIFADDR,
      data: "00ff",
    });
  });

  it("up is an ifflags op setting IFF_UP; ifcreate is SIOCIFCREATE2 on an empty ifreq", () => {
    expect(stepOp((s) => s.up("vtnet1"))).toEqual({
      op: "ifflags",
      cred: { uid: 0 },
      ifname: "vtnet1",
      set: IFF_UP,
      clear: 0,
    });
    expect(stepOp((s) => s.down("vtnet1"))).toMatchObject({ set: 0, clear: IFF_UP });
    const op = stepOp((s) => s.ifcreate("epair0"));
    expect(op).toMatchObject({ op: "ioctl", cmd: SIOCIFCREATE2 });
    const ifr = decodeIfreq(fromHex((op as { data: string }).data));
    expect(isDecodeError(ifr) ? null : ifr).toEqual(ifreqEmpty("epair0"));
  });
});

describe("lowering programs", () => {
  it("puts modules, nics and sysctls first, a checkpoint after state expectations, and a final checkpoint", () => {
    const p = scenario("t/order", "order", (s) => {
      s.withCarp().nic("vtnet1").tune("net.link.ether.inet.max_age", 5);
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
      s.aifaddr("vtnet1", "10.0.0.2/24").expect({ addrs: [{ ifname: "vtnet1", addr: "10.0.0.2" }] });
      s.observe("look");
    });
    const { ops, origins } = lowerProgram(p);
    expect(ops.map((o) => o.op)).toEqual([
      "module",
      "nic",
      "sysctl",
      "ioctl",
      "ioctl",
      "checkpoint",
      "checkpoint",
      "checkpoint",
    ]);
    expect(origins).toEqual([
      { role: "setup" },
      { role: "setup" },
      { role: "setup" },
      { role: "step", step: 0 },
      { role: "step", step: 1 },
      { role: "checkpoint", step: 1 },
      { role: "step", step: 2 },
      { role: "final" },
    ]);
    // sysctl ints are 4 bytes little-endian (amd64).
    expect(ops[2]).toEqual({
      op: "sysctl",
      cred: { uid: 0 },
      name: "net.link.ether.inet.max_age",
      value: "05000000",
    });
    expect(ops[6]).toEqual({ op: "checkpoint", label: "look" });
  });

  it("inject frames are the wire builders' bytes", () => {
    const op = stepOp((s) =>
      s.inject("vtnet1", {
        kind: "arp-request",
        src_mac: "02:00:00:00:00:22",
        src_ip: "10.0.0.2",
        target_ip: "10.0.0.1",
      }),
    );
    const want = arpRequest({ srcMac: mac("02:00:00:00:00:22"), srcIp: 0x0a000002, targetIp: 0x0a000001 });
    expect(op).toEqual({ op: "inject", ifname: "vtnet1", frame: toHex(want) });
  });
});

describe("lowering route steps", () => {
  it("route add NET GW: RTM_ADD with UP|STATIC|GATEWAY, dst, gateway, netmask", () => {
    const op = stepOp((s) => s.routeAdd("10.1.0.0/16", "10.0.0.254"));
    expect(op.op).toBe("rtsock_write");
    const m = decodeRoutingMessage(fromHex((op as { msg: string }).msg));
    if (isDecodeError(m) || m.kind !== "rt") throw new Error("not an rt message");
    expect(m.hdr.rtm_type).toBe(RTM_ADD);
    expect(m.hdr.rtm_flags).toBe(RTF_UP | RTF_STATIC | RTF_GATEWAY);
    const { dst, gateway, netmask } = m.addrs;
    expect(dst && isSockaddrIn(dst) ? dst.sin_addr : null).toBe(0x0a010000);
    expect(gateway && isSockaddrIn(gateway) ? gateway.sin_addr : null).toBe(0x0a0000fe);
    expect(netmask && isSockaddrIn(netmask) ? netmask.sin_addr : null).toBe(0xffff0000);
  });

  it("arp -s: HOST|STATIC|LLDATA, RTV_EXPIRE, a sockaddr_dl gateway whose index the backend patches", () => {
    const op = stepOp((s) => s.arpSet("vtnet1", "10.0.0.5", "02:00:00:00:00:55"));
    if (op.op !== "rtsock_write") throw new Error(op.op);
    const bytes = fromHex(op.msg);
    const m = decodeRoutingMessage(bytes);
    if (isDecodeError(m) || m.kind !== "rt") throw new Error("not an rt message");
    expect(m.hdr.rtm_flags).toBe(RTF_HOST | RTF_STATIC | RTF_LLDATA);
    expect(m.hdr.rtm_inits).toBe(BigInt(RTV_EXPIRE));
    const gw = m.addrs.gateway;
    if (gw === undefined || !isSockaddrDl(gw)) throw new Error("gateway is not a sockaddr_dl");
    expect(gw).toMatchObject({ sdl_family: AF_LINK, sdl_type: IFT_ETHER, sdl_alen: 6, sdl_index: 0 });
    expect(op.ifindex).toEqual([{ at: 152 + 16 + 2, ifname: "vtnet1" }]);
    // The patch really lands on sdl_index: write 7 there and decode again.
    new DataView(bytes.buffer).setUint16(op.ifindex?.[0].at ?? 0, 7, true);
    const patched = decodeRoutingMessage(bytes);
    if (
      isDecodeError(patched) ||
      patched.kind !== "rt" ||
      !patched.addrs.gateway ||
      !isSockaddrDl(patched.addrs.gateway)
    )
      throw new Error();
    expect(patched.addrs.gateway.sdl_index).toBe(7);
  });

  it("arp -d: RTM_DELETE with HOST|LLDATA and an address-less sockaddr_dl", () => {
    const op = stepOp((s) => s.arpDelete("vtnet1", "10.0.0.5"));
    if (op.op !== "rtsock_write") throw new Error(op.op);
    const m = decodeRoutingMessage(fromHex(op.msg));
    if (isDecodeError(m) || m.kind !== "rt") throw new Error("not an rt message");
    expect(m.hdr.rtm_type).toBe(RTM_DELETE);
    expect(m.hdr.rtm_flags).toBe(RTF_HOST | RTF_LLDATA);
    expect(m.addrs.gateway && isSockaddrDl(m.addrs.gateway) ? m.addrs.gateway.sdl_alen : -1).toBe(0);
  });
});
