import { describe, expect, it } from "vitest";
import * as errno from "../../src/abi/errno.ts";

describe("errno", () => {
  it("has FreeBSD's values", () => {
    // 10.4 sys/sys/errno.h (each #define)
    expect(errno.EPERM).toBe(1);
    expect(errno.ENOENT).toBe(2);
    expect(errno.ESRCH).toBe(3);
    expect(errno.ENXIO).toBe(6);
    expect(errno.E2BIG).toBe(7);
    expect(errno.EBADF).toBe(9);
    expect(errno.EDEADLK).toBe(11);
    expect(errno.ENOMEM).toBe(12);
    expect(errno.EACCES).toBe(13);
    expect(errno.EFAULT).toBe(14);
    expect(errno.EBUSY).toBe(16);
    expect(errno.EEXIST).toBe(17);
    expect(errno.ENODEV).toBe(19);
    expect(errno.EINVAL).toBe(22);
    expect(errno.ENOTTY).toBe(25);
    expect(errno.ENOSPC).toBe(28);
    expect(errno.EAGAIN).toBe(35);
    expect(errno.EWOULDBLOCK).toBe(35);
    expect(errno.EDESTADDRREQ).toBe(39);
    expect(errno.EMSGSIZE).toBe(40);
    expect(errno.EPROTONOSUPPORT).toBe(43);
    expect(errno.EOPNOTSUPP).toBe(45);
    expect(errno.ENOTSUP).toBe(45);
    expect(errno.EAFNOSUPPORT).toBe(47);
    expect(errno.EADDRINUSE).toBe(48);
    expect(errno.EADDRNOTAVAIL).toBe(49);
    expect(errno.ENETDOWN).toBe(50);
    expect(errno.ENETUNREACH).toBe(51);
    expect(errno.ENOBUFS).toBe(55);
    expect(errno.ETIMEDOUT).toBe(60);
    expect(errno.EHOSTDOWN).toBe(64);
    expect(errno.EHOSTUNREACH).toBe(65);
    expect(errno.EDOOFUS).toBe(88);
    expect(errno.ECAPMODE).toBe(94);
    expect(errno.EOWNERDEAD).toBe(96);
    expect(errno.ELAST).toBe(96);
    // kernel-only pseudo-errors
    expect(errno.ERESTART).toBe(-1);
    expect(errno.EJUSTRETURN).toBe(-2);
    expect(errno.ENOIOCTL).toBe(-3);
  });

  it("names numbers and back", () => {
    expect(errno.errnoName(0)).toBe("OK");
    expect(errno.errnoName(22)).toBe("EINVAL");
    expect(errno.errnoName(49)).toBe("EADDRNOTAVAIL");
    expect(errno.errnoName(-3)).toBe("ENOIOCTL");
    expect(errno.errnoName(200)).toBe("errno 200");
    expect(errno.errnoByName("EEXIST")).toBe(17);
    expect(errno.errnoByName("OK")).toBe(0);
    expect(errno.errnoByName("ENOTSUP")).toBe(45);
    expect(errno.errnoByName("EBOGUS")).toBeUndefined();
  });

  it("numbers 1..ELAST each have exactly one name", () => {
    // errno.h defines every number from EPERM (1) to ELAST (96) except none missing
    for (let n = 1; n <= errno.ELAST; n++) {
      const name = errno.errnoName(n);
      expect(name).toMatch(/^E[A-Z0-9]+$/);
      expect(errno.errnoByName(name)).toBe(n);
    }
  });
});
