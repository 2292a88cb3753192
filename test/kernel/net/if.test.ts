import { describe, expect, test } from "vitest";
import {
  EADDRINUSE,
  EEXIST,
  EFAULT,
  EINVAL,
  ENAMETOOLONG,
  ENODEV,
  ENOENT,
  ENOMSG,
  ENXIO,
  EPERM,
  EPROTONOSUPPORT,
} from "../../../src/abi/errno.ts";
import {
  IFF_DRV_RUNNING,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_UP,
  decodeIfreq,
  encodeIfreq,
  ifrFlagsAll,
  ifrIndex,
  ifrInt,
  ifreqEmpty,
  ifreqWithInt,
  type Ifreq,
} from "../../../src/abi/if.ts";
import { isDecodeError, readCString } from "../../../src/abi/decode.ts";
import { RTM_IFANNOUNCE, RTM_IFINFO } from "../../../src/abi/route_defs.ts";
import { AF_INET, AF_LINK, isSockaddrDl } from "../../../src/abi/socket.ts";
import { IF_LLADDR } from "../../../src/kernel/net/if_var.ts";
import {
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGHWADDR,
  SIOCGIFCONF,
  SIOCGIFDESCR,
  SIOCGIFFLAGS,
  SIOCGIFINDEX,
  SIOCGIFMETRIC,
  SIOCGIFMTU,
  SIOCIFCREATE,
  SIOCIFDESTROY,
  SIOCSIFDESCR,
  SIOCSIFMETRIC,
  SIOCSIFMTU,
  SIOCGVH,
  SIOCSVH,
} from "../../../src/abi/sockio.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import { ROOT, addAddr, kernelWithNic } from "./helpers.ts";

const USER = Kernel.user(1001);

function ifr(k: Kernel, cmd: number, req: Ifreq, cred = ROOT): { errno: number; ifr: Ifreq } {
  const r = k.ioctl(cred, cmd, encodeIfreq(req));
  const d = decodeIfreq(r.data);
  if (isDecodeError(d)) throw new Error(d.message);
  return { errno: r.errno, ifr: d };
}

/** An ifreq whose ifr_addr is a sockaddr_dl holding a 6-byte Ethernet group address. */
function linkGroup(name: string, mac: number[]): Uint8Array {
  const b = encodeIfreq(ifreqEmpty(name));
  b.set([14, AF_LINK, 0, 0, 6, 0, 6, 0, ...mac], 16);
  return b;
}

describe("lo0 after boot (10.4 net/if_loop.c lo_clone_create, loioctl)", () => {
  test("index 1, LOOPBACK|MULTICAST, up and running after its address, LOMTU", () => {
    const k = new Kernel();
    expect(ifrIndex(ifr(k, SIOCGIFINDEX, ifreqEmpty("lo0")).ifr)).toBe(1);
    // SIOCGIFFLAGS reports if_flags | if_drv_flags (10.4 if.c ifhwioctl); loioctl(SIOCSIFADDR)
    // set IFF_UP and IFF_DRV_RUNNING.
    expect(ifrFlagsAll(ifr(k, SIOCGIFFLAGS, ifreqEmpty("lo0")).ifr)).toBe(
      IFF_UP | IFF_LOOPBACK | IFF_MULTICAST | IFF_DRV_RUNNING,
    );
    expect(ifrInt(ifr(k, SIOCGIFMTU, ifreqEmpty("lo0")).ifr)).toBe(16384);
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("ifioctl / ifhwioctl (10.4 sys/net/if.c)", () => {
  test("an unknown interface name: ENXIO", () => {
    const k = new Kernel();
    expect(ifr(k, SIOCGIFFLAGS, ifreqEmpty("nope0")).errno).toBe(ENXIO);
  });

  test("SIOCSIFMTU: PRIV_NET_SETIFMTU, then IF_MINMTU..IF_MAXMTU (72..65535), then the driver", () => {
    const k = new Kernel();
    expect(ifr(k, SIOCSIFMTU, ifreqWithInt("lo0", 9000), USER).errno).toBe(EPERM);
    expect(ifr(k, SIOCSIFMTU, ifreqWithInt("lo0", 71)).errno).toBe(EINVAL);
    expect(ifr(k, SIOCSIFMTU, ifreqWithInt("lo0", 65536)).errno).toBe(EINVAL);
    const so = k.routeSocketOpen();
    expect(ifr(k, SIOCSIFMTU, ifreqWithInt("lo0", 9000)).errno).toBe(0);
    expect(ifrInt(ifr(k, SIOCGIFMTU, ifreqEmpty("lo0")).ifr)).toBe(9000);
    // A successful change is announced with RTM_IFINFO.
    expect(so.read().map((m) => m[3])).toEqual([RTM_IFINFO]);
  });

  test("IF_LLADDR follows the link-level sockaddr: its bytes in place, a new data array, a new length", () => {
    const k = new Kernel();
    expect(k.attachNic("vtnet", "vtnet0", "02:00:00:00:00:01")).toBe(0);
    const ifp = k.interfaces.find((i) => i.if_xname === "vtnet0");
    if (ifp?.if_addr == null || !isSockaddrDl(ifp.if_addr.ifa_addr)) throw new Error("no vtnet0 lladdr");
    const sdl = ifp.if_addr.ifa_addr;
    const first = IF_LLADDR(ifp);
    expect([...first]).toEqual([2, 0, 0, 0, 0, 1]);
    expect(IF_LLADDR(ifp)).toBe(first);
    sdl.sdl_data[sdl.sdl_nlen + 5] = 9;
    expect([...IF_LLADDR(ifp)]).toEqual([2, 0, 0, 0, 0, 9]);
    sdl.sdl_alen = 4;
    expect([...IF_LLADDR(ifp)]).toEqual([2, 0, 0, 0]);
    sdl.sdl_alen = 6;
    sdl.sdl_data = sdl.sdl_data.slice();
    sdl.sdl_data[sdl.sdl_nlen] = 0x0a;
    expect([...IF_LLADDR(ifp)]).toEqual([0x0a, 0, 0, 0, 0, 9]);
  });

  test("if_metric and if_mtu read the u_long ifi_ fields as ints: low 32 bits, signed", () => {
    const [lo0] = new Kernel().interfaces;
    lo0.if_metric = -5;
    expect(lo0.if_data.ifi_metric).toBe(0xfffffffffffffffbn);
    expect(lo0.if_metric).toBe(-5);
    lo0.if_data.ifi_metric = 0x100000005n;
    expect(lo0.if_metric).toBe(5);
    lo0.if_data.ifi_mtu = 0xffffffffn;
    expect(lo0.if_mtu).toBe(-1);
    lo0.if_data.ifi_mtu = 0x7fffffffn;
    expect(lo0.if_mtu).toBe(0x7fffffff);
  });

  test("SIOCSIFMETRIC needs privilege and is read back by SIOCGIFMETRIC", () => {
    const k = new Kernel();
    expect(ifr(k, SIOCSIFMETRIC, ifreqWithInt("lo0", 5), USER).errno).toBe(EPERM);
    expect(ifr(k, SIOCSIFMETRIC, ifreqWithInt("lo0", 5)).errno).toBe(0);
    expect(ifrInt(ifr(k, SIOCGIFMETRIC, ifreqEmpty("lo0")).ifr)).toBe(5);
  });

  test("SIOCADDMULTI: only AF_LINK addresses; a second join EADDRINUSE; leave twice ENOENT", () => {
    const k = kernelWithNic();
    const v4 = encodeIfreq(ifreqEmpty("vtnet0"));
    v4.set([16, AF_INET, 0, 0, 224, 1, 2, 3], 16);
    expect(k.ioctl(ROOT, SIOCADDMULTI, v4).errno).toBe(EINVAL);
    const group = linkGroup("vtnet0", [0x01, 0x00, 0x5e, 0x01, 0x02, 0x03]);
    expect(k.ioctl(USER, SIOCADDMULTI, group).errno).toBe(EPERM);
    expect(k.ioctl(ROOT, SIOCADDMULTI, group).errno).toBe(0);
    expect(k.ioctl(ROOT, SIOCADDMULTI, group).errno).toBe(EADDRINUSE);
    expect(k.ioctl(ROOT, SIOCDELMULTI, group).errno).toBe(0);
    expect(k.ioctl(ROOT, SIOCDELMULTI, group).errno).toBe(ENOENT);
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("cloning (10.4 sys/net/if_clone.c, if_loop.c)", () => {
  test("SIOCIFCREATE 'lo' makes lo1 and writes the name back; destroy works, lo0 cannot go", () => {
    const k = new Kernel();
    const so = k.routeSocketOpen();
    const r = k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo")));
    expect(r.errno).toBe(0);
    expect(readCString(r.data, 0, 16)).toBe("lo1");
    expect(so.read().map((m) => m[3])).toEqual([RTM_IFANNOUNCE]);
    expect(k.ioctl(ROOT, SIOCIFDESTROY, encodeIfreq(ifreqEmpty("lo1"))).errno).toBe(0);
    // ifc_simple_destroy refuses units below ifc_minifs (1 for lo).
    expect(k.ioctl(ROOT, SIOCIFDESTROY, encodeIfreq(ifreqEmpty("lo0"))).errno).toBe(EINVAL);
    expect(k.checkInvariants()).toEqual([]);
  });

  test("no cloner for the name: EINVAL; destroying an unknown interface: ENXIO; privilege: EPERM", () => {
    const k = new Kernel();
    expect(k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("bogus0"))).errno).toBe(EINVAL);
    expect(k.ioctl(ROOT, SIOCIFDESTROY, encodeIfreq(ifreqEmpty("bogus0"))).errno).toBe(ENXIO);
    expect(k.ioctl(USER, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo"))).errno).toBe(EPERM);
  });

  test("a named unit that exists: EEXIST; a wildcard takes the lowest free unit (ifc_alloc_unit)", () => {
    const k = new Kernel();
    expect(readCString(k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo5"))).data, 0, 16)).toBe("lo5");
    expect(k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo5"))).errno).toBe(EEXIST);
    expect(readCString(k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo"))).data, 0, 16)).toBe("lo1");
  });

  test("destroying an interface with addresses leaves no route or reference behind (if_detach)", () => {
    const k = new Kernel();
    k.ioctl(ROOT, SIOCIFCREATE, encodeIfreq(ifreqEmpty("lo1")));
    expect(addAddr(k, "lo1", 0x0a000001, 0xffffff00)).toBe(0);
    expect(k.ioctl(ROOT, SIOCIFDESTROY, encodeIfreq(ifreqEmpty("lo1"))).errno).toBe(0);
    expect(k.interfaces.map((i) => i.if_xname)).toEqual(["lo0"]);
    expect(k.checkInvariants()).toEqual([]);
  });
});

describe("ioctls that carry user pointers (10.4 if.c): the twin's process has no memory behind them", () => {
  test("SIOCGIFCONF: EINVAL for ifc_len <= 0, else EFAULT copying the list out", () => {
    const k = new Kernel();
    const ifc = new Uint8Array(16);
    expect(k.ioctl(ROOT, SIOCGIFCONF, ifc).errno).toBe(EINVAL);
    new DataView(ifc.buffer).setInt32(0, 1024, true);
    expect(k.ioctl(ROOT, SIOCGIFCONF, ifc).errno).toBe(EFAULT);
  });

  test("SIOCSIFDESCR: ENAMETOOLONG past ifdescr_maxlen (1024), a zero length clears, else EFAULT", () => {
    const k = new Kernel();
    const req = (len: number): Uint8Array => {
      const b = encodeIfreq(ifreqEmpty("lo0"));
      new DataView(b.buffer).setBigUint64(16, BigInt(len), true);
      return b;
    };
    expect(k.ioctl(USER, SIOCSIFDESCR, req(0)).errno).toBe(EPERM);
    expect(k.ioctl(ROOT, SIOCSIFDESCR, req(1025)).errno).toBe(ENAMETOOLONG);
    expect(k.ioctl(ROOT, SIOCSIFDESCR, req(10)).errno).toBe(EFAULT);
    expect(k.ioctl(ROOT, SIOCSIFDESCR, req(0)).errno).toBe(0);
    // No description: SIOCGIFDESCR is ENOMSG.
    expect(k.ioctl(ROOT, SIOCGIFDESCR, req(64)).errno).toBe(ENOMSG);
  });
});

describe("SIOCSVH/SIOCGVH (10.4 if.c ifioctl, before ifunit_ref)", () => {
  test("without carp, EPROTONOSUPPORT for any name, even one that does not exist", () => {
    // 10.4 if.c ifioctl: case SIOCSVH/SIOCGVH, carp_ioctl_p == NULL -> EPROTONOSUPPORT.
    const k = new Kernel();
    for (const cmd of [SIOCSVH, SIOCGVH]) {
      expect(k.ioctl(ROOT, cmd, encodeIfreq(ifreqEmpty("lo0"))).errno).toBe(EPROTONOSUPPORT);
      expect(k.ioctl(USER, cmd, encodeIfreq(ifreqEmpty("nosuch0"))).errno).toBe(EPROTONOSUPPORT);
    }
  });

  test("with carp loaded, carp_ioctl's copyin through ifr_data faults in the twin: EFAULT", () => {
    // 10.4 ip_carp.c carp_ioctl starts with copyin(ifr->ifr_data, &carpr, sizeof carpr).
    const k = new Kernel({ carp: true });
    expect(k.ioctl(ROOT, SIOCSVH, encodeIfreq(ifreqEmpty("lo0"))).errno).toBe(EFAULT);
  });

  test("the numbers are ip_carp.h's _IOWR('i', 245/246, struct ifreq)", () => {
    // IOC_INOUT 0xc0000000 | sizeof(struct ifreq) 32 << 16 | 'i' << 8 | number.
    expect(SIOCSVH >>> 0).toBe(0xc02069f5);
    expect(SIOCGVH >>> 0).toBe(0xc02069f6);
  });
});

test("SIOCGHWADDR: the MAC read at attach for Ethernet (10.4 if.c if_gethwaddr), ENODEV for lo0", () => {
  const k = kernelWithNic();
  const r = k.ioctl(ROOT, SIOCGHWADDR, encodeIfreq(ifreqEmpty("vtnet0")));
  expect(r.errno).toBe(0);
  expect([...r.data.subarray(18, 24)]).toEqual([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  expect(k.ioctl(ROOT, SIOCGHWADDR, encodeIfreq(ifreqEmpty("lo0"))).errno).toBe(ENODEV);
});
