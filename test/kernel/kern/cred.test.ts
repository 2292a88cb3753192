import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EPERM } from "../../../src/abi/errno.ts";
import { sockaddrDl, sockaddrIn } from "../../../src/abi/socket.ts";
import { createTwinBackend } from "../../../src/backends/twin.ts";
import type { RawTrace } from "../../../src/harness/ops.ts";
import {
  JAIL_MAX_AF_IPS,
  kern_jail_set,
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

describe("kern_jail_set's ip4.addr checks (10.4 kern_jail.c:827-880)", () => {
  const A = 0xc0000201;
  const B = 0xc0000202;
  const C = 0xc0000203;

  test("a valid list is kept primary first, the rest sorted (858: qsort(ip4 + 1, ...))", () => {
    const pr = kern_jail_set("j", [C, B, A]);
    if (typeof pr === "number") throw new Error(`refused: ${pr}`);
    expect(pr.pr_ip4).toEqual([C, A, B]);
  });

  test("the same address twice is EINVAL: the primary repeated, or neighbours after the sort (873-875)", () => {
    expect(kern_jail_set("j", [A, A])).toBe(EINVAL);
    // ip4[0] == ip4[ii+1]: the primary again, wherever it sorts to.
    expect(kern_jail_set("j", [B, C, A, B])).toBe(EINVAL);
    // ip4[ii] == ip4[ii+1]: equal addresses in the rest end up next to each other.
    expect(kern_jail_set("j", [A, C, B, C])).toBe(EINVAL);
    expect(kern_jail_set("j", [A, B, C])).not.toBe(EINVAL);
  });

  test("INADDR_ANY or INADDR_BROADCAST anywhere is EINVAL (868-871)", () => {
    expect(kern_jail_set("j", [0])).toBe(EINVAL);
    expect(kern_jail_set("j", [A, 0xffffffff])).toBe(EINVAL);
  });

  test("more than jail_max_af_ips (255, kern_jail.c:242) addresses is EINVAL (842-846)", () => {
    const many = Array.from({ length: JAIL_MAX_AF_IPS + 1 }, (_, i) => 0x0a000001 + i);
    expect(kern_jail_set("j", many)).toBe(EINVAL);
    expect(typeof kern_jail_set("j", many.slice(0, JAIL_MAX_AF_IPS))).toBe("object");
  });

  test("no addresses (the agent's ip4=disable) is a jail without IPv4", () => {
    const pr = kern_jail_set("j", []);
    if (typeof pr === "number") throw new Error(`refused: ${pr}`);
    expect(prison_check_ip4({ cr_uid: 0, cr_prison: pr }, A)).toBe(EAFNOSUPPORT);
  });
});

describe("refused jails on the real 10.4-seedin kernel (recorded)", () => {
  test("every op whose jail jail_set refuses is EINVAL there, without data or messages, as in the twin", async () => {
    // Probe program run with `inconf exec --backend freebsd:10.4-seedin`: jails with an address
    // twice, with 255.255.255.255, and with a repeated non-primary address.
    const file = new URL("./jail-refused.10.4-seedin.trace.json", import.meta.url);
    const real = JSON.parse(readFileSync(file, "utf8")) as RawTrace;
    const twin = await createTwinBackend().run(real.ops, { id: real.program, title: "recorded" });
    const jailed = real.ops.flatMap((o, i) => ("cred" in o && o.cred.jail !== undefined ? [i] : []));
    expect(jailed).toHaveLength(5);
    for (const i of jailed) {
      expect(real.results[i]).toEqual({ errno: EINVAL, rtsock: [], frames: [] });
      expect(twin.results[i]).toEqual(real.results[i]);
    }
  });
});
