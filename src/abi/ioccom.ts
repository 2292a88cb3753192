// ioctl command encoding of 10.4 sys/sys/ioccom.h (unchanged since 2010 and still the same in
// today's tree): direction bits, a 13-bit parameter length, a group letter and a number.

export const IOCPARM_SHIFT = 13;
export const IOCPARM_MASK = (1 << IOCPARM_SHIFT) - 1;
export const IOCPARM_MAX = 1 << IOCPARM_SHIFT;
export const IOC_VOID = 0x20000000;
export const IOC_OUT = 0x40000000;
export const IOC_IN = 0x80000000;
export const IOC_INOUT = (IOC_IN | IOC_OUT) >>> 0;
export const IOC_DIRMASK = (IOC_VOID | IOC_OUT | IOC_IN) >>> 0;

/** ioccom.h _IOC: the command is an unsigned long; every value here fits in 32 bits. */
export function _IOC(inout: number, group: number | string, num: number, len: number): number {
  const g = typeof group === "string" ? group.charCodeAt(0) : group;
  return (inout | ((len & IOCPARM_MASK) << 16) | (g << 8) | num) >>> 0;
}

export const _IO = (g: number | string, n: number): number => _IOC(IOC_VOID, g, n, 0);
export const _IOWINT = (g: number | string, n: number): number => _IOC(IOC_VOID, g, n, 4);
/** `size` is sizeof(t) of the argument struct. */
export const _IOR = (g: number | string, n: number, size: number): number => _IOC(IOC_OUT, g, n, size);
export const _IOW = (g: number | string, n: number, size: number): number => _IOC(IOC_IN, g, n, size);
export const _IOWR = (g: number | string, n: number, size: number): number => _IOC(IOC_INOUT, g, n, size);

export const IOCPARM_LEN = (cmd: number): number => (cmd >>> 16) & IOCPARM_MASK;
export const IOCBASECMD = (cmd: number): number => (cmd & ~(IOCPARM_MASK << 16)) >>> 0;
export const IOCGROUP = (cmd: number): number => (cmd >>> 8) & 0xff;
export const IOCNUM = (cmd: number): number => cmd & 0xff;
export const IOCDIR = (cmd: number): number => (cmd & IOC_DIRMASK) >>> 0;

/** A command decomposed for logs: "_IOWR('i', 33, 32)". */
export function formatIoctlCmd(cmd: number): string {
  const dir = IOCDIR(cmd);
  const macro = dir === IOC_INOUT ? "_IOWR" : dir === IOC_IN ? "_IOW" : dir === IOC_OUT ? "_IOR" : "_IO";
  const g = IOCGROUP(cmd);
  const group = g >= 0x20 && g < 0x7f ? `'${String.fromCharCode(g)}'` : String(g);
  const len = IOCPARM_LEN(cmd);
  return dir === IOC_VOID && len === 0
    ? `${macro}(${group}, ${IOCNUM(cmd)})`
    : `${macro}(${group}, ${IOCNUM(cmd)}, ${len})`;
}
