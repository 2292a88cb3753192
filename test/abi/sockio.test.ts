import { describe, expect, it } from "vitest";
import {
  IOCGROUP,
  IOCPARM_LEN,
  IOCPARM_MASK,
  IOC_IN,
  IOC_INOUT,
  IOC_OUT,
  IOC_VOID,
  _IO,
  _IOR,
  _IOW,
  _IOWR,
  formatIoctlCmd,
} from "../../src/abi/ioccom.ts";
import * as sio from "../../src/abi/sockio.ts";

describe("ioccom.h", () => {
  it("has the header's constants", () => {
    // 10.4 sys/sys/ioccom.h: IOCPARM_SHIFT 13, IOC_VOID 0x20000000, IOC_OUT 0x40000000,
    // IOC_IN 0x80000000
    expect(IOCPARM_MASK).toBe(0x1fff);
    expect(IOC_VOID).toBe(0x20000000);
    expect(IOC_OUT).toBe(0x40000000);
    expect(IOC_IN).toBe(0x80000000);
    expect(IOC_INOUT).toBe(0xc0000000);
  });

  it("encodes and decodes commands", () => {
    // _IOC(inout, g, n, len) = inout | ((len & IOCPARM_MASK) << 16) | (g << 8) | n
    expect(_IO("t", 1)).toBe(0x20007401);
    expect(_IOR("s", 1, 4)).toBe(0x40047301);
    expect(_IOW("i", 12, 32)).toBe(0x8020690c);
    expect(_IOWR("i", 33, 32)).toBe(0xc0206921);
    expect(IOCPARM_LEN(0x8044692b)).toBe(68);
    expect(IOCGROUP(0x8044692b)).toBe(0x69);
    expect(formatIoctlCmd(0x8044692b)).toBe("_IOW('i', 43, 68)");
    expect(formatIoctlCmd(0x20007401)).toBe("_IO('t', 1)");
  });
});

describe("sockio.h numbers", () => {
  // Computed by hand from 10.4 sys/sys/sockio.h with sizeof(struct ifreq) = 32 (0x20),
  // sizeof(struct ifaliasreq) = 68 (0x44), sizeof(struct oifaliasreq) = 64 (0x40),
  // sizeof(struct ifconf) = 16 (0x10); 'i' = 0x69:
  //   _IOW  = 0x80000000 | size << 16 | 0x6900 | n
  //   _IOWR = 0xc0000000 | size << 16 | 0x6900 | n
  const expected: Record<string, number> = {
    SIOCSIFADDR: 0x8020690c, // _IOW('i', 12, ifreq)
    SIOCGIFADDR: 0xc0206921, // _IOWR('i', 33, ifreq)
    SIOCSIFDSTADDR: 0x8020690e, // _IOW('i', 14, ifreq)
    SIOCGIFDSTADDR: 0xc0206922, // _IOWR('i', 34, ifreq)
    SIOCSIFFLAGS: 0x80206910, // _IOW('i', 16, ifreq)
    SIOCGIFFLAGS: 0xc0206911, // _IOWR('i', 17, ifreq)
    SIOCGIFBRDADDR: 0xc0206923, // _IOWR('i', 35, ifreq)
    SIOCSIFBRDADDR: 0x80206913, // _IOW('i', 19, ifreq)
    SIOCGIFCONF: 0xc0106924, // _IOWR('i', 36, ifconf)
    SIOCGIFNETMASK: 0xc0206925, // _IOWR('i', 37, ifreq)
    SIOCSIFNETMASK: 0x80206916, // _IOW('i', 22, ifreq)
    SIOCGIFMETRIC: 0xc0206917, // _IOWR('i', 23, ifreq)
    SIOCSIFMETRIC: 0x80206918, // _IOW('i', 24, ifreq)
    SIOCDIFADDR: 0x80206919, // _IOW('i', 25, ifreq)
    OSIOCAIFADDR: 0x8040691a, // _IOW('i', 26, oifaliasreq)
    SIOCGIFINDEX: 0xc0206920, // _IOWR('i', 32, ifreq)
    SIOCAIFADDR: 0x8044692b, // _IOW('i', 43, ifaliasreq)
    SIOCADDMULTI: 0x80206931, // _IOW('i', 49, ifreq)
    SIOCDELMULTI: 0x80206932, // _IOW('i', 50, ifreq)
    SIOCGIFMTU: 0xc0206933, // _IOWR('i', 51, ifreq)
    SIOCSIFMTU: 0x80206934, // _IOW('i', 52, ifreq)
    SIOCSIFLLADDR: 0x8020693c, // _IOW('i', 60, ifreq)
    SIOCIFDESTROY: 0x80206979, // _IOW('i', 121, ifreq)
    SIOCIFCREATE: 0xc020697a, // _IOWR('i', 122, ifreq)
    SIOCIFCREATE2: 0xc020697c, // _IOWR('i', 124, ifreq)
  };

  for (const [name, cmd] of Object.entries(expected)) {
    it(`${name} = 0x${cmd.toString(16)}`, () => {
      expect(sio.ioctlByName(name)).toBe(cmd);
      expect(sio.ioctlName(cmd)).toBe(name);
    });
  }

  it("every named ioctl has a distinct number", () => {
    const nums = Object.values(sio.IOCTLS);
    expect(new Set(nums).size).toBe(nums.length);
  });

  it("unknown names and numbers", () => {
    expect(sio.ioctlByName("SIOCBOGUS")).toBeUndefined();
    expect(sio.ioctlByName("toString")).toBeUndefined();
    expect(sio.ioctlName(_IOW("i", 99, 32))).toBe("_IOW('i', 99, 32)");
  });
});
