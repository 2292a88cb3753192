// Socket ioctl numbers of 10.4 sys/sys/sockio.h (the same numbers as the seed's 2014 head),
// computed with the ioccom.h macros from amd64 struct sizes, and a name table so scenarios can
// name ioctls ("SIOCAIFADDR") and logs can print them.

import { _IOR, _IOW, _IOWR, formatIoctlCmd } from "./ioccom.ts";
import { IFREQ_SIZE } from "./if.ts";
import { IN_ALIASREQ_SIZE, OIN_ALIASREQ_SIZE } from "./in.ts";

/** amd64 sizeof of the argument structs sockio.h names (if.h of 10.4). */
export const SIZEOF = {
  int: 4,
  ifreq: IFREQ_SIZE,
  /** struct ifaliasreq == struct in_aliasreq: name + 3 sockaddrs + int vhid. */
  ifaliasreq: IN_ALIASREQ_SIZE,
  /** struct oifaliasreq: the pre-10 layout without ifra_vhid. */
  oifaliasreq: OIN_ALIASREQ_SIZE,
  /** struct ifconf: int ifc_len, 4 bytes padding, pointer. */
  ifconf: 16,
  /** struct if_laddrreq: name, u_int flags, u_int prefixlen, 2 x sockaddr_storage (128). */
  if_laddrreq: 280,
  /** struct ifmediareq: name, 5 ints, padding, int *ifm_ulist. */
  ifmediareq: 48,
  /** struct ifstat: name + ascii[IFSTATMAX + 1] (801). */
  ifstat: 817,
  /** struct ifdrv: name, u_long cmd, size_t len, void *data. */
  ifdrv: 40,
  /** struct if_clonereq: int total, int count, char *buffer. */
  if_clonereq: 16,
  /** struct ifgroupreq: name, u_int len, padding, 16-byte union. */
  ifgroupreq: 40,
} as const;

const S = SIZEOF;

export const SIOCSHIWAT = _IOW("s", 0, S.int);
export const SIOCGHIWAT = _IOR("s", 1, S.int);
export const SIOCSLOWAT = _IOW("s", 2, S.int);
export const SIOCGLOWAT = _IOR("s", 3, S.int);
export const SIOCATMARK = _IOR("s", 7, S.int);
export const SIOCSPGRP = _IOW("s", 8, S.int);
export const SIOCGPGRP = _IOR("s", 9, S.int);

export const SIOCSIFADDR = _IOW("i", 12, S.ifreq);
export const OSIOCGIFADDR = _IOWR("i", 13, S.ifreq);
export const SIOCGIFADDR = _IOWR("i", 33, S.ifreq);
export const SIOCSIFDSTADDR = _IOW("i", 14, S.ifreq);
export const OSIOCGIFDSTADDR = _IOWR("i", 15, S.ifreq);
export const SIOCGIFDSTADDR = _IOWR("i", 34, S.ifreq);
export const SIOCSIFFLAGS = _IOW("i", 16, S.ifreq);
export const SIOCGIFFLAGS = _IOWR("i", 17, S.ifreq);
export const OSIOCGIFBRDADDR = _IOWR("i", 18, S.ifreq);
export const SIOCGIFBRDADDR = _IOWR("i", 35, S.ifreq);
export const SIOCSIFBRDADDR = _IOW("i", 19, S.ifreq);
export const OSIOCGIFCONF = _IOWR("i", 20, S.ifconf);
export const SIOCGIFCONF = _IOWR("i", 36, S.ifconf);
export const OSIOCGIFNETMASK = _IOWR("i", 21, S.ifreq);
export const SIOCGIFNETMASK = _IOWR("i", 37, S.ifreq);
export const SIOCSIFNETMASK = _IOW("i", 22, S.ifreq);
export const SIOCGIFMETRIC = _IOWR("i", 23, S.ifreq);
export const SIOCSIFMETRIC = _IOW("i", 24, S.ifreq);
export const SIOCDIFADDR = _IOW("i", 25, S.ifreq);
/** 9.x compatibility: struct oifaliasreq (64 bytes), handled by in.c as in_aliasreq, vhid 0. */
export const OSIOCAIFADDR = _IOW("i", 26, S.oifaliasreq);
export const SIOCALIFADDR = _IOW("i", 27, S.if_laddrreq);
export const SIOCGLIFADDR = _IOWR("i", 28, S.if_laddrreq);
export const SIOCDLIFADDR = _IOW("i", 29, S.if_laddrreq);
export const SIOCSIFCAP = _IOW("i", 30, S.ifreq);
export const SIOCGIFCAP = _IOWR("i", 31, S.ifreq);
export const SIOCGIFINDEX = _IOWR("i", 32, S.ifreq);
export const SIOCGIFMAC = _IOWR("i", 38, S.ifreq);
export const SIOCSIFMAC = _IOW("i", 39, S.ifreq);
export const SIOCSIFNAME = _IOW("i", 40, S.ifreq);
export const SIOCSIFDESCR = _IOW("i", 41, S.ifreq);
export const SIOCGIFDESCR = _IOWR("i", 42, S.ifreq);
export const SIOCAIFADDR = _IOW("i", 43, S.ifaliasreq);

export const SIOCADDMULTI = _IOW("i", 49, S.ifreq);
export const SIOCDELMULTI = _IOW("i", 50, S.ifreq);
export const SIOCGIFMTU = _IOWR("i", 51, S.ifreq);
export const SIOCSIFMTU = _IOW("i", 52, S.ifreq);
export const SIOCGIFPHYS = _IOWR("i", 53, S.ifreq);
export const SIOCSIFPHYS = _IOW("i", 54, S.ifreq);
export const SIOCSIFMEDIA = _IOWR("i", 55, S.ifreq);
export const SIOCGIFMEDIA = _IOWR("i", 56, S.ifmediareq);
export const SIOCSIFGENERIC = _IOW("i", 57, S.ifreq);
export const SIOCGIFGENERIC = _IOWR("i", 58, S.ifreq);
export const SIOCGIFSTATUS = _IOWR("i", 59, S.ifstat);
export const SIOCSIFLLADDR = _IOW("i", 60, S.ifreq);
export const SIOCGI2C = _IOWR("i", 61, S.ifreq);
export const SIOCGHWADDR = _IOWR("i", 62, S.ifreq);

export const SIOCSIFPHYADDR = _IOW("i", 70, S.ifaliasreq);
export const SIOCGIFPSRCADDR = _IOWR("i", 71, S.ifreq);
export const SIOCGIFPDSTADDR = _IOWR("i", 72, S.ifreq);
export const SIOCDIFPHYADDR = _IOW("i", 73, S.ifreq);
export const SIOCSLIFPHYADDR = _IOW("i", 74, S.if_laddrreq);
export const SIOCGLIFPHYADDR = _IOWR("i", 75, S.if_laddrreq);

export const SIOCSIFVNET = _IOWR("i", 90, S.ifreq);
export const SIOCSIFRVNET = _IOWR("i", 91, S.ifreq);
export const SIOCGIFFIB = _IOWR("i", 92, S.ifreq);
export const SIOCSIFFIB = _IOW("i", 93, S.ifreq);

export const SIOCSDRVSPEC = _IOW("i", 123, S.ifdrv);
export const SIOCGDRVSPEC = _IOWR("i", 123, S.ifdrv);

export const SIOCIFCREATE = _IOWR("i", 122, S.ifreq);
export const SIOCIFCREATE2 = _IOWR("i", 124, S.ifreq);
export const SIOCIFDESTROY = _IOW("i", 121, S.ifreq);
export const SIOCIFGCLONERS = _IOWR("i", 120, S.if_clonereq);

export const SIOCAIFGROUP = _IOW("i", 135, S.ifgroupreq);
export const SIOCGIFGROUP = _IOWR("i", 136, S.ifgroupreq);
export const SIOCDIFGROUP = _IOW("i", 137, S.ifgroupreq);
export const SIOCGIFGMEMB = _IOWR("i", 138, S.ifgroupreq);

// 10.4 sys/netinet/ip_carp.h, not sockio.h: the carp(4) vhid requests. The ifreq's ifr_data
// points at a struct carpreq.
export const SIOCSVH = _IOWR("i", 245, S.ifreq);
export const SIOCGVH = _IOWR("i", 246, S.ifreq);

/** Every named ioctl, in sockio.h order, then ip_carp.h's. */
export const IOCTLS: Readonly<Record<string, number>> = {
  SIOCSHIWAT,
  SIOCGHIWAT,
  SIOCSLOWAT,
  SIOCGLOWAT,
  SIOCATMARK,
  SIOCSPGRP,
  SIOCGPGRP,
  SIOCSIFADDR,
  OSIOCGIFADDR,
  SIOCGIFADDR,
  SIOCSIFDSTADDR,
  OSIOCGIFDSTADDR,
  SIOCGIFDSTADDR,
  SIOCSIFFLAGS,
  SIOCGIFFLAGS,
  OSIOCGIFBRDADDR,
  SIOCGIFBRDADDR,
  SIOCSIFBRDADDR,
  OSIOCGIFCONF,
  SIOCGIFCONF,
  OSIOCGIFNETMASK,
  SIOCGIFNETMASK,
  SIOCSIFNETMASK,
  SIOCGIFMETRIC,
  SIOCSIFMETRIC,
  SIOCDIFADDR,
  OSIOCAIFADDR,
  SIOCALIFADDR,
  SIOCGLIFADDR,
  SIOCDLIFADDR,
  SIOCSIFCAP,
  SIOCGIFCAP,
  SIOCGIFINDEX,
  SIOCGIFMAC,
  SIOCSIFMAC,
  SIOCSIFNAME,
  SIOCSIFDESCR,
  SIOCGIFDESCR,
  SIOCAIFADDR,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFMTU,
  SIOCSIFMTU,
  SIOCGIFPHYS,
  SIOCSIFPHYS,
  SIOCSIFMEDIA,
  SIOCGIFMEDIA,
  SIOCSIFGENERIC,
  SIOCGIFGENERIC,
  SIOCGIFSTATUS,
  SIOCSIFLLADDR,
  SIOCGI2C,
  SIOCGHWADDR,
  SIOCSIFPHYADDR,
  SIOCGIFPSRCADDR,
  SIOCGIFPDSTADDR,
  SIOCDIFPHYADDR,
  SIOCSLIFPHYADDR,
  SIOCGLIFPHYADDR,
  SIOCSIFVNET,
  SIOCSIFRVNET,
  SIOCGIFFIB,
  SIOCSIFFIB,
  SIOCSDRVSPEC,
  SIOCGDRVSPEC,
  SIOCIFCREATE,
  SIOCIFCREATE2,
  SIOCIFDESTROY,
  SIOCIFGCLONERS,
  SIOCAIFGROUP,
  SIOCGIFGROUP,
  SIOCDIFGROUP,
  SIOCGIFGMEMB,
  SIOCSVH,
  SIOCGVH,
};

const byNumber: ReadonlyMap<number, string> = new Map(
  Object.entries(IOCTLS).map(([name, cmd]) => [cmd, name] as const),
);

/** The command for a sockio.h name ("SIOCAIFADDR"); undefined if the name is not known. */
export function ioctlByName(name: string): number | undefined {
  return Object.hasOwn(IOCTLS, name) ? IOCTLS[name] : undefined;
}

/** "SIOCAIFADDR" for 0x8044692b; unknown commands print as their macro, "_IOW('i', 99, 32)". */
export function ioctlName(cmd: number): string {
  return byNumber.get(cmd >>> 0) ?? formatIoctlCmd(cmd);
}

/** The argument size the kernel copies in/out for `cmd` (IOCPARM_LEN). */
export { IOCPARM_LEN as ioctlArgSize } from "./ioccom.ts";
