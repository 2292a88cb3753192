import { describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EFAULT, EINVAL, ENOTTY, ENXIO, EPERM } from "../../src/abi/errno.ts";
import { encodeInAliasreq, inAliasreq } from "../../src/abi/in.ts";
import { sockaddrIn } from "../../src/abi/socket.ts";
import {
  decodeIfreq,
  encodeIfreq,
  IFCAP_LINKSTATE,
  IFCAP_LRO,
  IFCAP_RXCSUM,
  IFCAP_TSO4,
  IFCAP_TXCSUM,
  ifrCurcap,
  ifreqEmpty,
} from "../../src/abi/if.ts";
import { isDecodeError } from "../../src/abi/decode.ts";
import { RTM_IFANNOUNCE, RTM_IFINFO } from "../../src/abi/route_defs.ts";
import { isSockaddrDl, LLADDR } from "../../src/abi/socket.ts";
import {
  IOCTLS,
  SIOCAIFADDR,
  SIOCGIFADDR,
  SIOCGIFCAP,
  SIOCGIFFLAGS,
  SIOCIFGCLONERS,
} from "../../src/abi/sockio.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { GUEST_DEVICES } from "../../src/backends/twin-kernel.ts";
import { toHex, type Op } from "../../src/harness/ops.ts";
import { _IO, _IOW, _IOWINT } from "../../src/abi/ioccom.ts";
import { Kernel } from "../../src/kernel/kernel.ts";
import { EVENTHANDLER_DEREGISTER, EVENTHANDLER_REGISTER } from "../../src/kernel/kern/eventhandler.ts";
import { curvnet, type vnet } from "../../src/kernel/net/vnet.ts";
import { seededRandom as prng } from "../wire/helpers.ts";

describe("Kernel", () => {
  test("a fresh Kernel is a booted system: lo0 with 127.0.0.1 (rc's ifconfig_lo0)", () => {
    const k = new Kernel();
    expect(k.interfaces.map((i) => i.if_xname)).toEqual(["lo0"]);
    const r = k.ioctl(Kernel.root(), SIOCGIFADDR, encodeIfreq(ifreqEmpty("lo0")));
    expect(r.errno).toBe(0);
    expect([...r.data.subarray(16, 24)]).toEqual([16, 2, 0, 0, 127, 0, 0, 1]);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("two Kernels are independent stacks", () => {
    const a = new Kernel();
    const b = new Kernel();
    expect(a.attachNic("vtnet", "vtnet0", "52:54:00:00:00:01")).toBe(0);
    expect(b.ioctl(Kernel.root(), SIOCGIFFLAGS, encodeIfreq(ifreqEmpty("vtnet0"))).errno).toBe(ENXIO);
    expect(a.interfaces).toHaveLength(2);
    expect(b.interfaces).toHaveLength(1);
  });

  test("scenario credentials: a jailed root (no vnet) may not add addresses (prison_priv_check)", () => {
    const k = new Kernel();
    const req = encodeInAliasreq(
      inAliasreq("lo0", sockaddrIn(0x7f000002), sockaddrIn(0xff000000), sockaddrIn(0, 0)),
    );
    expect(k.ioctl({ uid: 0, jail: { name: "j", ip4: ["127.0.0.2"] } }, SIOCAIFADDR, req).errno).toBe(EPERM);
    expect(k.ioctl({ uid: 0 }, SIOCAIFADDR, req).errno).toBe(0);
    expect(() => k.ioctl({ uid: 0, jail: { name: "j", ip4: ["not.an.ip"] } }, SIOCAIFADDR, req)).toThrow(
      RangeError,
    );
  });

  test("ioctl copyin: bytes past a short buffer read as zeros, as the guest agent's calloc gives", () => {
    // 10.4 sys_generic.c sys_ioctl copies in IOCPARM_LEN(cmd) bytes; vm/agent/inconf-agent.c
    // do_ioctl backs the given bytes with zeros up to that length.
    const k = new Kernel();
    const name = new TextEncoder().encode("lo0");
    const r = k.ioctl(Kernel.root(), SIOCGIFFLAGS, name);
    expect(r.errno).toBe(0);
    expect(r.data.length).toBe(32);
    // if.c ifhwioctl SIOCGIFFLAGS: if_flags | if_drv_flags, low 16 bits at ifr_flags (offset 16).
    // lo0 is IFF_LOOPBACK|IFF_MULTICAST from if_loop.c lo_clone_create, IFF_UP|IFF_DRV_RUNNING
    // from loioctl SIOCSIFADDR at boot: 0x8 | 0x8000 | 0x1 | 0x40.
    expect(new DataView(r.data.buffer).getUint16(16, true)).toBe(0x8049);
    // All zeros: the empty name, which ifunit_ref does not find (ifioctl: ENXIO).
    expect(k.ioctl(Kernel.root(), SIOCGIFFLAGS, new Uint8Array(0)).errno).toBe(ENXIO);
  });

  test("ioctl copyin: bytes past IOCPARM_LEN(cmd) are not read, and data comes back that long", () => {
    const k = new Kernel();
    const long = new Uint8Array(40).fill(0xee);
    long.set(new TextEncoder().encode("lo0\0"));
    const r = k.ioctl(Kernel.root(), SIOCGIFFLAGS, long);
    expect(r.errno).toBe(0);
    expect(r.data.length).toBe(32);
  });

  test("ioctl copyout only on success: a failed _IOWR leaves the caller's bytes as they were", () => {
    // sys_ioctl copies out only when kern_ioctl returned 0. vtnet0 has no IPv4 address, so
    // in_control's SIOCGIFADDR finds none (seed in.c:249-264: EADDRNOTAVAIL).
    const k = new Kernel();
    expect(k.attachNic("vtnet", "vtnet0", "52:54:00:00:00:01")).toBe(0);
    const req = encodeIfreq(ifreqEmpty("vtnet0"));
    req.fill(0xee, 16);
    const r = k.ioctl(Kernel.root(), SIOCGIFADDR, req);
    expect(r.errno).toBe(EADDRNOTAVAIL);
    expect([...r.data]).toEqual([...req]);
    expect(r.data).not.toBe(req);
  });

  test("ioctl copyout only on success, even when the kernel wrote the buffer before failing", () => {
    // SIOCIFGCLONERS (struct if_clonereq: int ifcr_total, int ifcr_count, char *ifcr_buffer).
    // 10.4 if_clone.c if_clone_list: EINVAL for a negative count before anything is written;
    // else ifcr_total is set, then min(total, count) names are copied out to ifcr_buffer, which
    // for none succeeds whatever the pointer (amd64 support.S copyout: zero length returns at
    // once) and for some faults on NULL. sys_ioctl copies the struct back only on success.
    const k = new Kernel();
    const req = (count: number, buffer: bigint): Uint8Array => {
      const b = new Uint8Array(16).fill(0xee, 0, 4);
      const v = new DataView(b.buffer);
      v.setInt32(4, count, true);
      v.setBigUint64(8, buffer, true);
      return b;
    };
    const asked = k.ioctl(Kernel.root(), SIOCIFGCLONERS, req(0, 0n));
    expect(asked.errno).toBe(0);
    const total = new DataView(asked.data.buffer, asked.data.byteOffset).getInt32(0, true);
    expect(total).toBeGreaterThanOrEqual(1); // lo (if_loop.c) at least
    expect([...asked.data.subarray(4)]).toEqual([...req(0, 0n).subarray(4)]);
    expect(k.ioctl(Kernel.root(), SIOCIFGCLONERS, req(0, 0x1000n)).errno).toBe(0);
    for (const [r, errno] of [
      [req(1, 0n), EFAULT], // ifcr_total was written, then the copyout to NULL faulted
      [req(1, 0x1000n), EFAULT],
      [req(-1, 0n), EINVAL],
    ] as const) {
      const got = k.ioctl(Kernel.root(), SIOCIFGCLONERS, r);
      expect(got.errno).toBe(errno);
      expect([...got.data]).toEqual([...r]);
    }
  });

  test("ioctl of a command that copies nothing out: the caller's bytes come back, never written", () => {
    const k = new Kernel();
    const req = encodeInAliasreq(
      inAliasreq("lo0", sockaddrIn(0x7f000002), sockaddrIn(0xff000000), sockaddrIn(0, 0)),
    );
    const before = [...req];
    const r = k.ioctl(Kernel.root(), SIOCAIFADDR, req); // _IOW: IOC_IN only
    expect(r.errno).toBe(0);
    expect([...r.data]).toEqual(before);
    expect([...req]).toEqual(before);
    // A longer buffer: its first IOCPARM_LEN bytes; a shorter one: zero-padded to that length.
    const long = new Uint8Array(80).fill(7);
    long.set(req);
    expect([...k.ioctl(Kernel.root(), SIOCAIFADDR, long).data]).toEqual(before);
    expect([...k.ioctl(Kernel.root(), SIOCAIFADDR, req.subarray(0, 20)).data]).toEqual([
      ...before.slice(0, 20),
      ...new Array<number>(48).fill(0),
    ]);
  });

  test("ioctl copyin: each call's kernel buffer holds only its own bytes", () => {
    // The twin reuses one buffer, as sys_ioctl reuses its stack's smalldata: a short request
    // after a longer one must still read zeros past its end ("lo0", not "lo0et0").
    const k = new Kernel();
    expect(k.attachNic("vtnet", "vtnet0", "52:54:00:00:00:01")).toBe(0);
    expect(k.ioctl(Kernel.root(), SIOCGIFFLAGS, encodeIfreq(ifreqEmpty("vtnet0"))).errno).toBe(0);
    const r = k.ioctl(Kernel.root(), SIOCGIFADDR, new TextEncoder().encode("lo0"));
    expect(r.errno).toBe(0);
    expect([...r.data.subarray(0, 24)]).toEqual([
      ...new TextEncoder().encode("lo0"),
      ...new Array<number>(13).fill(0),
      ...[16, 2, 0, 0, 127, 0, 0, 1],
    ]);
  });

  test("an ioctl nested in another (an event handler calling a second Kernel) hands curvnet back", () => {
    // Both calls copy nothing out, so both are the shared smalldata's; the nested one gets a
    // buffer of its own (no path today reads its request after an event, so that half is not
    // observable here). What is: the inner CURVNET_RESTORE gives the outer call its stack back.
    const outer = new Kernel();
    const inner = new Kernel();
    const innerReq = encodeInAliasreq(
      inAliasreq("lo0", sockaddrIn(0x7f000009), sockaddrIn(0xff000000), sockaddrIn(0, 0)),
    );
    let nested: number | null = null;
    let entered = false;
    let stackAfter: vnet | null = null;
    const tag = EVENTHANDLER_REGISTER("ifaddr_event", () => {
      if (entered) return; // the inner add's own event
      entered = true;
      nested = inner.ioctl(Kernel.root(), SIOCAIFADDR, innerReq).errno;
      stackAfter = curvnet();
    });
    try {
      const req = encodeInAliasreq(
        inAliasreq("lo0", sockaddrIn(0x7f000002), sockaddrIn(0xffffff00), sockaddrIn(0, 0)),
      );
      expect(outer.ioctl(Kernel.root(), SIOCAIFADDR, req).errno).toBe(0);
    } finally {
      EVENTHANDLER_DEREGISTER(tag);
    }
    expect(nested).toBe(0);
    expect(stackAfter).toBe(outer.vnet);
    const addrOf = (k: Kernel, a: number): string[] =>
      k.vnet.in_ifaddrhead
        .filter((ia) => ia.ia_addr.sin_addr === a)
        .map((ia) => `${ia.ifa_ifp.if_xname} ${ia.ia_sockmask.sin_addr.toString(16)}`);
    expect(addrOf(outer, 0x7f000002)).toEqual(["lo0 ffffff00"]);
    expect(addrOf(inner, 0x7f000009)).toEqual(["lo0 ff000000"]);
    expect(addrOf(outer, 0x7f000009)).toEqual([]);
    expect(outer.checkInvariants()).toEqual([]);
    expect(inner.checkInvariants()).toEqual([]);
  });

  test("ioctl: an int passed by value (IOC_VOID with a length) is not read from the caller's bytes", () => {
    // 10.4 sys_generic.c sys_ioctl:695-699: the argument is the pointer value itself (arg =
    // (intptr_t)uap->data), which the twin has none of, so the kernel sees a zero int and never
    // the bytes: "lo0" there would name lo0, a zero int names no interface (ifioctl: ENXIO).
    const k = new Kernel();
    const lo0 = new TextEncoder().encode("lo0\0");
    const r = k.ioctl(Kernel.root(), _IOWINT("i", 200), lo0);
    expect(r.errno).toBe(ENXIO);
    expect([...r.data]).toEqual([...lo0]);
  });

  test("ioctl: the file ioctls kern_ioctl answers itself succeed and copy nothing out (sys_generic.c)", () => {
    // FIONBIO, FIOASYNC (_IOW('f', 126/125, int)), FIOCLEX, FIONCLEX (_IO('f', 1/2)): handled on
    // the file, never reaching the socket (10.4 sys_generic.c kern_ioctl, sys_socket.c soo_ioctl).
    const k = new Kernel();
    const one = new Uint8Array([1, 0, 0, 0]);
    for (const cmd of [_IOW("f", 126, 4), _IOW("f", 125, 4), _IO("f", 1), _IO("f", 2)]) {
      const r = k.ioctl(Kernel.root(), cmd, one);
      expect(r.errno).toBe(0);
      expect([...r.data]).toEqual([...one].slice(0, r.data.length));
    }
  });

  test("ioctl: no direction bits, or IOC_OUT with length 0, is ENOTTY (sys_ioctl)", () => {
    const k = new Kernel();
    expect(k.ioctl(Kernel.root(), 0x00006901, new Uint8Array(0)).errno).toBe(ENOTTY);
    expect(k.ioctl(Kernel.root(), 0x40006901, new Uint8Array(0)).errno).toBe(ENOTTY);
  });

  test("ioctl: a group other than 'i'/'r' reaches in_control without an interface: EADDRNOTAVAIL", () => {
    // sys_socket.c soo_ioctl passes it to pru_control (in_control) with ifp NULL (seed in.c:207).
    const k = new Kernel();
    expect(k.ioctl(Kernel.root(), 0xc0207801, new Uint8Array(32)).errno).toBe(EADDRNOTAVAIL);
  });

  test("boots a Kernel in about a millisecond or less even under the test runner", () => {
    // Plain node takes about 0.13 ms per Kernel; vitest's transform and parallel workers slow
    // it several-fold, so the bound here only catches gross regressions.
    for (let i = 0; i < 100; i++) new Kernel();
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) new Kernel();
    const avg = (performance.now() - t0) / n;
    expect(avg).toBeLessThan(3);
  });

  test("random ioctls and routing messages never throw and leave the invariants intact", () => {
    const rand = prng(0x1eaf);
    const k = new Kernel();
    k.attachNic("vtnet", "vtnet0", "52:54:00:00:00:01");
    const names = ["lo0", "vtnet0", "lo1", "bogus0", ""];
    const cmds = Object.values(IOCTLS);
    const creds = [Kernel.root(), Kernel.user(7), Kernel.jailed("j", [0xc0000201])];
    const so = k.routeSocketOpen();
    for (let i = 0; i < 3000; i++) {
      const cred = creds[Math.floor(rand() * creds.length)];
      const cmd = rand() < 0.8 ? cmds[Math.floor(rand() * cmds.length)] : Math.floor(rand() * 2 ** 32);
      const len = Math.floor(rand() * 80);
      const data = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      if (len >= 16 && rand() < 0.7)
        data.set(encodeIfreq(ifreqEmpty(names[Math.floor(rand() * names.length)])).subarray(0, 16));
      if (len >= 18 && rand() < 0.5) data.set([16, 2], 16);
      expect(() => k.ioctl(cred, cmd, data)).not.toThrow();
      const msg = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      if (msg.length >= 4 && rand() < 0.8) {
        new DataView(msg.buffer).setUint16(0, msg.length, true);
        msg[2] = 5;
        msg[3] = 1 + Math.floor(rand() * 17);
      }
      expect(() => so.write(cred, msg)).not.toThrow();
      if (i % 7 === 0) k.advance(rand() * 30);
    }
    so.read();
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("a Kernel booted like the guests (devices, then lo0) and the agent's nic op", () => {
  const names = (k: Kernel): string[] => k.interfaces.map((i) => `${i.if_index} ${i.if_xname}`);

  test("boot devices take the first indices, lo0 comes after them (sys/kernel.h:139,153)", () => {
    // Devices attach at SI_SUB_CONFIGURE (0x3800000), lo0 at SI_SUB_PROTO_IFATTACHDOMAIN
    // (0x8800001, if_loop.c:171); the guests' iflist has em0 1 ... vtnet2 4, lo0 5
    // (test/kernel/dev/epair-macs.10.4-seedin.trace.json).
    const k = new Kernel({ devices: GUEST_DEVICES });
    expect(names(k)).toEqual(["1 em0", "2 vtnet0", "3 vtnet1", "4 vtnet2", "5 lo0"]);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("nic on a NIC found at boot: no RTM_IFANNOUNCE and nothing else, the MAC is the scenario's", () => {
    const k = new Kernel({ devices: GUEST_DEVICES });
    const so = k.routeSocketOpen();
    // SIOCSIFLLADDR on a down interface only rewrites the address (if.c:3520-3589: the
    // IFF_UP branch at 3566 is not taken); SIOCSIFCAP reaches vtnet_ioctl, which reinitialises
    // only a running interface (if.c:2430-2441, if_vtnet.c vtnet_ioctl SIOCSIFCAP).
    expect(k.attachNic("vtnet", "vtnet1", "02:00:00:00:00:01")).toBe(0);
    expect(so.read()).toEqual([]);
    const got = k.ioctl(Kernel.root(), SIOCGIFCAP, encodeIfreq(ifreqEmpty("vtnet1")));
    const ifr = decodeIfreq(got.data);
    if (isDecodeError(ifr)) throw new Error(ifr.message);
    // The agent's offloads_off bits are off afterwards; LINKSTATE etc. stay.
    expect(ifrCurcap(ifr) & (IFCAP_RXCSUM | IFCAP_TXCSUM | IFCAP_TSO4 | IFCAP_LRO)).toBe(0);
    expect(ifrCurcap(ifr) & IFCAP_LINKSTATE).toBe(IFCAP_LINKSTATE);
    const vtnet1 = k.interfaces.find((i) => i.if_xname === "vtnet1");
    const sdl = vtnet1?.if_addr?.ifa_addr;
    if (sdl === undefined || !isSockaddrDl(sdl)) throw new Error("vtnet1 has no link-level address");
    expect([...LLADDR(sdl)]).toEqual([2, 0, 0, 0, 0, 1]);
  });

  test("MACs: boot devices and nic ops take six hex octets; anything else is a RangeError", () => {
    const k = new Kernel({ devices: [{ driver: "vtnet", unit: 0, mac: "52:54:00:Ab:cd:0F" }] });
    const sdl = k.interfaces.find((i) => i.if_xname === "vtnet0")?.if_addr?.ifa_addr;
    if (sdl === undefined || !isSockaddrDl(sdl)) throw new Error("vtnet0 has no link-level address");
    expect([...LLADDR(sdl)]).toEqual([0x52, 0x54, 0x00, 0xab, 0xcd, 0x0f]);
    for (const bad of ["52:54:00:00:00", "52:54:00:00:00:100", "52:54:00:00:00:0g", ""]) {
      expect(() => new Kernel({ devices: [{ driver: "vtnet", unit: 0, mac: bad }] })).toThrow(RangeError);
      expect(() => k.attachNic("vtnet", "vtnet1", bad)).toThrow(RangeError);
    }
  });

  test("nic on a clone announces it: epair arrivals, as on the guests (if.c if_attach)", () => {
    const k = new Kernel({ devices: GUEST_DEVICES });
    const so = k.routeSocketOpen();
    expect(k.attachNic("epair", "epair0a", "02:00:00:00:00:01")).toBe(0);
    expect(so.read().map((m) => m[3])).toEqual([RTM_IFANNOUNCE, RTM_IFANNOUNCE, RTM_IFINFO, RTM_IFINFO]);
    expect(names(k).slice(5)).toEqual(["6 epair0a", "7 epair0b"]);
  });
});

describe("a jail jail_set refuses: the op's errno, no data, nothing else (the agent's run_as)", () => {
  // 10.4 kern_jail.c:873-875: an address listed twice is EINVAL. The guest agent's child then
  // reports that errno without running the op (vm/agent/inconf-agent.c run_as).
  const twice = { uid: 0, jail: { name: "j", ip4: ["10.0.0.2", "10.0.0.2"] } };

  test("Kernel.ioctl and a routing-socket write return EINVAL and change nothing", () => {
    const k = new Kernel({ devices: GUEST_DEVICES });
    const so = k.routeSocketOpen();
    const req = encodeInAliasreq(
      inAliasreq("vtnet1", sockaddrIn(0x0a000002), sockaddrIn(0xffffff00), sockaddrIn(0, 0)),
    );
    const r = k.ioctl(twice, SIOCAIFADDR, req);
    expect(r.errno).toBe(EINVAL);
    expect(r.data).toEqual(req);
    expect(so.write(twice, new Uint8Array(152))).toBe(EINVAL);
    expect(so.read()).toEqual([]);
    expect(Kernel.credential(twice)).toBe(EINVAL);
    expect(() => Kernel.jailed("j", [0x0a000002, 0x0a000002])).toThrow(RangeError);
  });

  test("the twin backend: ioctl, ifflags and sysctl with that credential give errno EINVAL and no data", async () => {
    const ops: Op[] = [
      { op: "nic", name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" },
      { op: "ioctl", cred: twice, cmd: SIOCGIFFLAGS, data: toHex(encodeIfreq(ifreqEmpty("vtnet1"))) },
      { op: "ifflags", cred: twice, ifname: "vtnet1", set: 1, clear: 0 },
      { op: "sysctl", cred: twice, name: "net.inet.ip.forwarding" },
    ];
    const trace = await createTwinBackend().run(ops, { id: "t/jail-twice", title: "jail twice" });
    expect(trace.results.slice(1)).toEqual([
      { errno: EINVAL, rtsock: [], frames: [] },
      { errno: EINVAL, rtsock: [], frames: [] },
      { errno: EINVAL, rtsock: [], frames: [] },
    ]);
  });
});
