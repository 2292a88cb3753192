import { describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EPERM } from "../../../src/abi/errno.ts";
import { sockaddrDl, sockaddrIn } from "../../../src/abi/socket.ts";
import {
  PR_IP4,
  PR_VNET,
  PRIV_NET_ADDIFADDR,
  PRIV_NET_ROUTE,
  PRIV_NETINET_RESERVEDPORT,
  PRIV_SYSCTL_WRITE,
  PRIV_SYSCTL_WRITEJAIL,
  priv_check,
  prison_check_ip4,
  prison_create,
  prison_if,
  type Ucred,
} from "../../../src/kernel/kern/cred.ts";

const root: Ucred = { cr_uid: 0, cr_prison: null };
const user: Ucred = { cr_uid: 1001, cr_prison: null };
const jail = prison_create("j1", [0xc0000205, 0xc0000209, 0xc0000203]);
const jailRoot: Ucred = { cr_uid: 0, cr_prison: jail };
const vnetRoot: Ucred = { cr_uid: 0, cr_prison: prison_create("v1", [], PR_VNET) };

describe("priv_check (10.4 kern_priv.c priv_check_cred, kern_jail.c prison_priv_check)", () => {
  test("root may, an ordinary user may not (suser: uid 0)", () => {
    expect(priv_check({ td_ucred: root }, PRIV_NET_ADDIFADDR)).toBe(0);
    expect(priv_check({ td_ucred: user }, PRIV_NET_ADDIFADDR)).toBe(EPERM);
  });

  test("jailed root loses network configuration privileges (prison_priv_check default: EPERM)", () => {
    expect(priv_check({ td_ucred: jailRoot }, PRIV_NET_ADDIFADDR)).toBe(EPERM);
    expect(priv_check({ td_ucred: jailRoot }, PRIV_NET_ROUTE)).toBe(EPERM);
    expect(priv_check({ td_ucred: jailRoot }, PRIV_SYSCTL_WRITE)).toBe(EPERM);
  });

  test("jailed root keeps what prison_priv_check lists (reserved ports, SYSCTL_WRITEJAIL)", () => {
    expect(priv_check({ td_ucred: jailRoot }, PRIV_NETINET_RESERVEDPORT)).toBe(0);
    expect(priv_check({ td_ucred: jailRoot }, PRIV_SYSCTL_WRITEJAIL)).toBe(0);
  });

  test("root of a jail with its own vnet keeps network privileges (the #ifdef VIMAGE switch)", () => {
    expect(priv_check({ td_ucred: vnetRoot }, PRIV_NET_ADDIFADDR)).toBe(0);
    expect(priv_check({ td_ucred: vnetRoot }, PRIV_NET_ROUTE)).toBe(0);
    expect(priv_check({ td_ucred: { cr_uid: 5, cr_prison: vnetRoot.cr_prison } }, PRIV_NET_ROUTE)).toBe(
      EPERM,
    );
  });
});

describe("prison_check_ip4 / prison_if (10.4 kern_jail.c)", () => {
  test("prison_create keeps the primary first and sorts the rest (kern_jail.c qcmp_v4 order)", () => {
    expect(jail.pr_ip4).toEqual([0xc0000205, 0xc0000203, 0xc0000209]);
    expect(jail.pr_flags & PR_IP4).toBe(PR_IP4);
  });

  test("unjailed: any address is fine", () => {
    expect(prison_check_ip4(root, 0x0a000001)).toBe(0);
  });

  test("jailed: the jail's addresses are fine, others EADDRNOTAVAIL", () => {
    expect(prison_check_ip4(jailRoot, 0xc0000205)).toBe(0);
    expect(prison_check_ip4(jailRoot, 0xc0000209)).toBe(0);
    expect(prison_check_ip4(jailRoot, 0xc0000204)).toBe(EADDRNOTAVAIL);
  });

  test("a jail with IPv4 restricted to nothing: EAFNOSUPPORT (pr_ip4 == NULL)", () => {
    const none: Ucred = { cr_uid: 0, cr_prison: prison_create("none", []) };
    expect(prison_check_ip4(none, 0xc0000205)).toBe(EAFNOSUPPORT);
  });

  test("prison_if: AF_INET through prison_check_ip4; other families EAFNOSUPPORT without allow.socket_af", () => {
    expect(prison_if(jailRoot, sockaddrIn(0xc0000205))).toBe(0);
    expect(prison_if(jailRoot, sockaddrIn(0x0a000001))).toBe(EADDRNOTAVAIL);
    expect(prison_if(jailRoot, sockaddrDl({ index: 1, type: 6 }))).toBe(EAFNOSUPPORT);
    expect(prison_if(root, sockaddrDl({ index: 1, type: 6 }))).toBe(0);
    expect(prison_if(vnetRoot, sockaddrIn(0x0a000001))).toBe(0);
  });
});
