// Multicast membership (src/kernel/netinet/in_mcast.ts, igmp.ts) against 10.4
// sys/netinet/in_mcast.c and igmp.c, driven the way in.c drives it: the first IPv4 address on a
// multicast-capable interface joins 224.0.0.1, the last one leaves it.

import { describe, expect, test } from "vitest";
import { AF_INET, isSockaddrDl, isSockaddrIn, LLADDR } from "../../../src/abi/socket.ts";
import { encodeIfreq, ifreqWithAddr } from "../../../src/abi/if.ts";
import { SIOCDIFADDR, SIOCIFDESTROY } from "../../../src/abi/sockio.ts";
import { sockaddrIn } from "../../../src/abi/socket.ts";
import { InvariantError } from "../../../src/kernel/kern/invariant.ts";
import { isDecodeError } from "../../../src/abi/decode.ts";
import { decodeRoutingMessages } from "../../../src/abi/rtmsg.ts";
import { routeDumpMib } from "../../../src/abi/sysctl.ts";
import { Kernel } from "../../../src/kernel/kernel.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";
import {
  IGMP_SILENT_MEMBER,
  IGMP_VERSION_3,
  igmp_ifinfos,
  igmp_isgroupreported,
} from "../../../src/kernel/netinet/igmp.ts";
import {
  in_joingroup,
  in_leavegroup,
  inm_lookup,
  MCAST_EXCLUDE,
  MCAST_UNDEFINED,
  type in_multi,
} from "../../../src/kernel/netinet/in_mcast.ts";
import { Bench, hex, ip, MAC_A, MAC_PEER } from "../dev/nic_helpers.ts";

const ALLHOSTS = ip("224.0.0.1");

/** "family:address refcount" for each membership, in if_multiaddrs order. */
function memberships(ifp: ifnet): string[] {
  return ifp.if_multiaddrs.map((m) => {
    const a = m.ifma_addr;
    const what = isSockaddrIn(a)
      ? `inet:${a.sin_addr.toString(16)}`
      : isSockaddrDl(a)
        ? `link:${hex(LLADDR(a))}`
        : "?";
    return `${what} ${m.ifma_refcount}`;
  });
}

function allhosts(b: Bench, ifp: ifnet): in_multi | null {
  return b.k.run(() => inm_lookup(ifp, ALLHOSTS));
}

function delAddr(b: Bench, name: string, addr: string): number {
  return b.k.ioctl(Kernel.root(), SIOCDIFADDR, encodeIfreq(ifreqWithAddr(name, sockaddrIn(ip(addr))))).errno;
}

describe("all-hosts membership through in.c", () => {
  test("the first address joins 224.0.0.1 and its Ethernet group 01:00:5e:00:00:01", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(ifp.if_multiaddrs).toHaveLength(0);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    // if.c if_addmulti inserts the link-layer group, then the protocol group, each at the head:
    // "TAILQ_INSERT_HEAD(&ifp->if_multiaddrs, ll_ifma, ifma_link)" ... "TAILQ_INSERT_HEAD(...,
    // ifma, ifma_link)"; ether_resolvemulti gives 01:00:5e:00:00:01.
    expect(memberships(ifp)).toEqual(["inet:e0000001 1", "link:01005e000001 1"]);
    const ifma = ifp.if_multiaddrs[0];
    // What NET_RT_IFMALIST reports for it: ifma_lladdr is the resolved sockaddr_dl (sizeof 54).
    const lla = ifma.ifma_lladdr;
    expect(lla !== null && isSockaddrDl(lla) ? [lla.sdl_len, hex(LLADDR(lla))] : null).toEqual([
      54,
      "01005e000001",
    ]);
    expect(ifma.ifma_llifma).toBe(ifp.if_multiaddrs[1]);
    expect(ifma.ifma_ifp).toBe(ifp);

    const inm = allhosts(b, ifp);
    expect(inm).not.toBeNull();
    // in_getmulti: "inm->inm_refcount = 1;" and the record hangs off the ifma ("ifma->ifma_protospec = inm").
    expect(inm?.inm_refcount).toBe(1);
    expect(ifma.ifma_protospec).toBe(inm);
    // igmp_initial_join: 224.0.0.1 is not reported ("!igmp_isgroupreported(inm->inm_addr)") →
    // "inm->inm_state = IGMP_SILENT_MEMBER; inm->inm_timer = 0;" and "if (syncstates) inm_commit(inm);"
    expect(inm?.inm_state).toBe(IGMP_SILENT_MEMBER);
    expect(inm?.inm_timer).toBe(0);
    // in_joingroup_locked with imf NULL fakes an ASM join: "imf_init(&timf, MCAST_UNDEFINED,
    // MCAST_EXCLUDE)"; inm_merge: "inm->inm_st[1].iss_ex++", "inm->inm_st[1].iss_asm++", mode EX;
    // the commit copies t1 to t0.
    expect(inm?.inm_st[0]).toMatchObject({ iss_fmode: MCAST_EXCLUDE, iss_asm: 1, iss_ex: 1, iss_in: 0 });
    expect(inm?.inm_st[1]).toEqual(inm?.inm_st[0]);
    b.expectConsistent();
  });

  test("no IGMP message is ever sent for all-hosts: the only frame is the gratuitous ARP", () => {
    const b = new Bench();
    b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    expect(delAddr(b, "vtnet0", "10.0.0.1")).toBe(0);
    b.k.advance(30);
    // igmp.c: "Reports are ALWAYS suppressed for ALL-HOSTS (224.0.0.1)" (igmp_isgroupreported),
    // and the final leave of a SILENT member does nothing ("case IGMP_SILENT_MEMBER: ... break;").
    const kinds = b.sent().map((f) => hex(f.frame.subarray(12, 14)));
    expect(kinds).toEqual(["0806"]);
  });

  test("further addresses add no reference; removing the last one leaves the group", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    expect(b.addAddr("vtnet0", "10.0.1.1", 24)).toBe(0);
    // in_aifaddr_ioctl joins only "if (iaIsFirst && (ifp->if_flags & IFF_MULTICAST))".
    expect(memberships(ifp)).toEqual(["inet:e0000001 1", "link:01005e000001 1"]);
    expect(delAddr(b, "vtnet0", "10.0.0.1")).toBe(0);
    expect(memberships(ifp)).toEqual(["inet:e0000001 1", "link:01005e000001 1"]);
    // in_difaddr_ioctl: "if (iaIsLast && (ifp->if_flags & IFF_MULTICAST)) { ...
    // in_leavegroup_locked(ii->ii_allhosts, NULL);" → inm_release_locked → if_delmulti_ifma,
    // which drops the link-layer group's last reference too.
    expect(delAddr(b, "vtnet0", "10.0.1.1")).toBe(0);
    expect(ifp.if_multiaddrs).toEqual([]);
    expect(ifp.if_afdata[AF_INET]?.ii_allhosts).toBeNull();
    b.expectConsistent();
  });

  test("tun has no if_resolvemulti: the group has no link-layer membership", () => {
    const b = new Bench();
    const ifp = b.attach("tun", "tun0");
    expect(b.addAddr("tun0", "10.9.0.1", 32, "10.9.0.2")).toBe(0);
    // if_addmulti: "if (ifp->if_resolvemulti != NULL) { error = ifp->if_resolvemulti(...); }" —
    // tuncreate sets none, so llsa stays NULL.
    expect(memberships(ifp)).toEqual(["inet:e0000001 1"]);
    expect(ifp.if_multiaddrs[0].ifma_lladdr).toBeNull();
  });

  test("destroying an interface with an address purges its memberships and IGMP state", () => {
    const b = new Bench();
    b.attach("epair", "epair0a", MAC_A);
    b.attach("epair", "epair0b", MAC_PEER);
    expect(b.addAddr("epair0a", "10.0.0.1", 24)).toBe(0);
    const before = b.k.run(() => igmp_ifinfos().length);
    const r = new Uint8Array(32);
    r.set(new TextEncoder().encode("epair0a"));
    // if_detach → in_ifdetach → in_purgemaddrs (inm_release_locked each, igmp_ifdetach), then
    // in_domifdetach → igmp_domifdetach (igi_delete_locked) for both halves.
    expect(b.k.ioctl(Kernel.root(), SIOCIFDESTROY, r).errno).toBe(0);
    expect(b.k.run(() => igmp_ifinfos().length)).toBe(before - 2);
    b.expectConsistent();
  });
});

describe("in_joingroup / in_leavegroup reference counting", () => {
  test("a second join shares the record; each leave drops one reference", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    // in_getmulti: "If we already joined this group, just bump the refcount and return it."
    const r = b.k.run(() => in_joingroup(ifp, ALLHOSTS, null));
    expect(r.error).toBe(0);
    expect(r.inm).toBe(allhosts(b, ifp));
    expect(r.inm?.inm_refcount).toBe(2);
    expect(memberships(ifp)).toEqual(["inet:e0000001 1", "link:01005e000001 1"]);
    // A second ASM listener: inm_merge counts it ("iss_ex++", "iss_asm++").
    expect(r.inm?.inm_st[1]).toMatchObject({ iss_fmode: MCAST_EXCLUDE, iss_asm: 2, iss_ex: 2 });
    const inm = r.inm as in_multi;
    expect(b.k.run(() => in_leavegroup(inm, null))).toBe(0);
    expect(inm.inm_refcount).toBe(1);
    expect(inm.inm_st[1]).toMatchObject({ iss_fmode: MCAST_EXCLUDE, iss_asm: 1, iss_ex: 1 });
    expect(memberships(ifp)).toEqual(["inet:e0000001 1", "link:01005e000001 1"]);
    b.expectConsistent();
  });

  test("the last leave ends the life cycle: t1 undefined, record and memberships freed", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    // A kernel consumer joining on an interface with no address yet.
    const r = b.k.run(() => in_joingroup(ifp, ALLHOSTS, null));
    expect(r.error).toBe(0);
    const inm = r.inm as in_multi;
    expect(b.k.run(() => in_leavegroup(inm, null))).toBe(0);
    // igmp_final_leave for a SILENT member: "inm_commit(inm); ... inm->inm_st[1].iss_fmode =
    // MCAST_UNDEFINED;"; inm_release_locked: "ifma->ifma_protospec = NULL; ... if_delmulti_ifma(ifma);"
    expect(inm.inm_st[1].iss_fmode).toBe(MCAST_UNDEFINED);
    expect(inm.inm_refcount).toBe(0);
    expect(ifp.if_multiaddrs).toEqual([]);
  });

  test("not modelled: a reported group fails an invariant instead of sending an IGMPv3 report", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    // FreeBSD would queue a CHANGE_TO_EXCLUDE_MODE record (igmp_v3_enqueue_group_record); the twin
    // has no in-kernel member other than all-hosts and refuses rather than diverge silently.
    expect(() => b.k.run(() => in_joingroup(ifp, ip("239.1.2.3"), null))).toThrow(InvariantError);
  });
});

describe("IGMP per-interface state", () => {
  test("igmp_domifattach: IGMPv3 with the RFC 3376 defaults, silent only without IFF_MULTICAST", () => {
    const b = new Bench();
    const ifp = b.attach("vtnet", "vtnet0", MAC_A);
    const igi = ifp.if_afdata[AF_INET]?.ii_igmp;
    // igi_alloc_locked: "igi->igi_version = V_igmp_default_version;" (IGMP_VERSION_3),
    // "igi_rv = IGMP_RV_INIT" (2), "igi_qi = IGMP_QI_INIT" (125), "igi_qri = IGMP_QRI_INIT" (10),
    // "igi_uri = IGMP_URI_INIT" (3); igmp_domifattach: IGIF_SILENT only "if (!(ifp->if_flags &
    // IFF_MULTICAST))".
    expect(igi).toMatchObject({
      igi_version: IGMP_VERSION_3,
      igi_flags: 0,
      igi_rv: 2,
      igi_qi: 125,
      igi_qri: 10,
      igi_uri: 3,
    });
    expect(b.k.run(() => igmp_ifinfos()).some((g) => g.igi_ifp === ifp)).toBe(true);
  });

  test("igmp_isgroupreported: never all-hosts; other 224.0.0.0/24 groups only with sendlocal", () => {
    const b = new Bench();
    // "if (in_allhosts(addr) || ((!V_igmp_sendlocal && IN_LOCAL_GROUP(ntohl(addr.s_addr))))) return (0);"
    expect(b.k.run(() => igmp_isgroupreported(ip("224.0.0.1")))).toBe(false);
    expect(b.k.run(() => igmp_isgroupreported(ip("224.0.0.251")))).toBe(true);
    expect(b.k.run(() => igmp_isgroupreported(ip("239.1.1.1")))).toBe(true);
    const zero = new Uint8Array(4);
    expect(b.k.sysctl(Kernel.root(), "net.inet.igmp.sendlocal", zero).errno).toBe(0);
    expect(b.k.run(() => igmp_isgroupreported(ip("224.0.0.251")))).toBe(false);
    expect(b.k.run(() => igmp_isgroupreported(ip("239.1.1.1")))).toBe(true);
  });
});

test("NET_RT_IFMALIST has what ifmcstat shows for all-hosts: the group, its link-layer group, the interface", () => {
  const b = new Bench();
  const ifp = b.attach("vtnet", "vtnet0", MAC_A);
  expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
  const dump = b.k.sysctl(Kernel.root(), routeDumpMib({ op: "ifmalist", af: AF_INET, arg: 0 }));
  expect(dump.errno).toBe(0);
  const msgs = decodeRoutingMessages(dump.out);
  if (isDecodeError(msgs)) throw new Error("undecodable dump");
  // rtsock.c sysctl_ifmalist: per membership of the family, RTM_NEWMADDR with RTAX_IFA =
  // ifma_addr, RTAX_GATEWAY = ifma_lladdr (protocol groups), RTAX_IFP = the interface's
  // link-level address, ifmam_index = ifma_ifp->if_index. in_getmulti/if_addmulti supply them.
  const mine = msgs.filter((m) => m.kind === "ifma" && m.hdr.ifmam_index === ifp.if_index);
  expect(mine).toHaveLength(1);
  const m = mine[0];
  if (m.kind !== "ifma") throw new Error("not ifma");
  const ifa = m.addrs.ifa;
  const gw = m.addrs.gateway;
  expect(ifa !== undefined && isSockaddrIn(ifa) ? ifa.sin_addr : null).toBe(ALLHOSTS);
  expect(gw !== undefined && isSockaddrDl(gw) ? hex(LLADDR(gw)) : null).toBe("01005e000001");
});
