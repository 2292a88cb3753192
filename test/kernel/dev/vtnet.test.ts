// vtnet (src/kernel/dev/vtnet.ts) against 10.4 sys/dev/virtio/network/if_vtnet.c, with the
// host side as QEMU's virtio-net receive filter (hw/net/virtio-net.c receive_filter).

import { describe, expect, test } from "vitest";
import { EINVAL } from "../../../src/abi/errno.ts";
import {
  encodeIfreq,
  ifreqWithInt,
  IFCAP_LINKSTATE,
  IFF_ALLMULTI,
  IFF_DRV_RUNNING,
  IFF_PROMISC,
  IFF_UP,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
} from "../../../src/abi/if.ts";
import { SIOCADDMULTI, SIOCSIFFLAGS, SIOCSIFMTU } from "../../../src/abi/sockio.ts";
import {
  vtnet_hw_accepts,
  vtnet_ioctl,
  VTNET_MAX_MAC_ENTRIES,
  vtnet_set_host_link,
  type vtnet_softc,
} from "../../../src/kernel/dev/vtnet.ts";
import { ipstat } from "../../../src/kernel/netinet/ip_input.ts";
import { mac } from "../../../src/wire/addr.ts";
import { Bench, hex, MAC_A, pingFromPeer } from "./nic_helpers.ts";

function vtnetBench(): { b: Bench; sc: vtnet_softc } {
  const b = new Bench();
  const ifp = b.attach("vtnet", "vtnet0", MAC_A);
  return { b, sc: ifp.if_softc as vtnet_softc };
}

describe("vtnet_setup_interface", () => {
  test("link-state capable, not running and link state unknown until initialised", () => {
    const { b, sc } = vtnetBench();
    const ifp = sc.vtnet_ifp;
    // "if (virtio_with_feature(dev, VIRTIO_NET_F_STATUS)) ifp->if_capabilities |= IFCAP_LINKSTATE;"
    expect(ifp.if_capabilities & IFCAP_LINKSTATE).toBe(IFCAP_LINKSTATE);
    // vtnet_attach never calls vtnet_update_link_status: only vtnet_init_locked and
    // vtnet_config_change do, so the link state stays LINK_STATE_UNKNOWN until the first init.
    expect(ifp.if_drv_flags & IFF_DRV_RUNNING).toBe(0);
    expect(ifp.if_link_state).toBe(0);
    // "if_initbaudrate(ifp, IF_Gbps(10)); /* Approx. */"
    expect(ifp.if_baudrate).toBe(10_000_000_000);
    b.expectConsistent();
  });
});

describe("vtnet_ioctl SIOCSIFFLAGS", () => {
  test("up initialises: running, link up; down stops: not running", () => {
    const { b, sc } = vtnetBench();
    const ifp = sc.vtnet_ifp;
    // "if ((ifp->if_flags & IFF_UP) == 0) { ... vtnet_stop } ... else vtnet_init_locked(sc);"
    expect(b.setFlags("vtnet0", ifp.if_flags | IFF_UP)).toBe(0);
    expect(ifp.if_drv_flags & IFF_DRV_RUNNING).toBe(IFF_DRV_RUNNING);
    // vtnet_update_link_status: "if (link != 0 && sc->vtnet_link_active == 0) { ...
    // if_link_state_change(ifp, LINK_STATE_UP); }"
    expect(ifp.if_link_state).toBe(LINK_STATE_UP);
    expect(b.setFlags("vtnet0", ifp.if_flags & ~IFF_UP)).toBe(0);
    // vtnet_stop: "ifp->if_drv_flags &= ~IFF_DRV_RUNNING; sc->vtnet_link_active = 0;" — and no
    // if_link_state_change: the ifnet keeps LINK_STATE_UP.
    expect(ifp.if_drv_flags & IFF_DRV_RUNNING).toBe(0);
    expect(ifp.if_link_state).toBe(LINK_STATE_UP);
    b.expectConsistent();
  });

  test("PROMISC and ALLMULTI changes on a running interface reach the device", () => {
    const { b, sc } = vtnetBench();
    const ifp = sc.vtnet_ifp;
    expect(b.setFlags("vtnet0", ifp.if_flags | IFF_UP)).toBe(0);
    expect(sc.hw.promisc).toBe(false);
    // "if ((ifp->if_flags ^ sc->vtnet_if_flags) & (IFF_PROMISC | IFF_ALLMULTI)) { if
    // (sc->vtnet_flags & VTNET_FLAG_CTRL_RX) vtnet_rx_filter(sc); ...": set_promisc(IFF_PROMISC)
    b.k.run(() => {
      ifp.if_flags |= IFF_PROMISC | IFF_ALLMULTI;
      vtnet_ioctl(ifp, SIOCSIFFLAGS, new Uint8Array(32));
    });
    expect(sc.hw.promisc).toBe(true);
    expect(sc.hw.allmulti).toBe(true);
  });
});

describe("vtnet_change_mtu", () => {
  test("below ETHERMIN is EINVAL; a jumbo MTU is accepted with mergeable buffers", () => {
    const { b, sc } = vtnetBench();
    const ifp = sc.vtnet_ifp;
    // "if (new_mtu < ETHERMIN || new_mtu > VTNET_MAX_MTU) return (EINVAL);" (ETHERMIN 46); the
    // call goes straight to the driver: ifioctl's own IF_MINMTU (72) check would come first.
    const mtu = (n: number): Uint8Array => encodeIfreq(ifreqWithInt("vtnet0", n));
    expect(b.k.run(() => vtnet_ioctl(ifp, SIOCSIFMTU, mtu(45)))).toBe(EINVAL);
    expect(b.k.run(() => vtnet_ioctl(ifp, SIOCSIFMTU, mtu(46)))).toBe(0);
    expect(ifp.if_mtu).toBe(46);
    // QEMU negotiates VIRTIO_NET_F_MRG_RXBUFS, so the 9K-cluster limit does not apply.
    expect(b.setMtu("vtnet0", 9000)).toBe(0);
    expect(ifp.if_mtu).toBe(9000);
  });
});

describe("vtnet_rx_filter_mac and the host filter", () => {
  test("joining 224.0.0.1 programs 01:00:5e:00:00:01 into the device's multicast table", () => {
    const { b, sc } = vtnetBench();
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    // vtnet_rx_filter_mac copies every AF_LINK entry of if_multiaddrs to vmf_multicast; the
    // all-hosts join (in.c) added the link-layer group through ether_resolvemulti.
    expect(sc.hw.multicast.map(hex)).toEqual(["01005e000001"]);
    expect(sc.hw.unicast).toEqual([]);
  });

  test("the host drops unicast for other MACs and multicast for groups not joined", () => {
    const { b, sc } = vtnetBench();
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    // QEMU receive_filter: own MAC, broadcast, and table multicast pass; others do not.
    const to = (dst: string): Uint8Array => {
      const f = new Uint8Array(60);
      f.set(mac(dst), 0);
      return f;
    };
    expect(vtnet_hw_accepts(sc.hw, to("02:00:00:00:0a:01"))).toBe(true);
    expect(vtnet_hw_accepts(sc.hw, to("ff:ff:ff:ff:ff:ff"))).toBe(true);
    expect(vtnet_hw_accepts(sc.hw, to("01:00:5e:00:00:01"))).toBe(true);
    expect(vtnet_hw_accepts(sc.hw, to("01:00:5e:00:00:fb"))).toBe(false);
    expect(vtnet_hw_accepts(sc.hw, to("02:00:00:00:0a:02"))).toBe(false);
  });

  test("more than VTNET_MAX_MAC_ENTRIES groups fall back to all-multicast", () => {
    const { b, sc } = vtnetBench();
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    const ifp = sc.vtnet_ifp;
    // "else if (mcnt == VTNET_MAX_MAC_ENTRIES) { allmulti = 1; break; }" — push the count past
    // 128 with link-layer memberships.
    b.k.run(() => {
      for (let i = 0; i < VTNET_MAX_MAC_ENTRIES; i++) {
        ifp.if_multiaddrs.push({
          ifma_addr: {
            sdl_len: 54,
            sdl_family: 18,
            sdl_index: ifp.if_index,
            sdl_type: 6,
            sdl_nlen: 0,
            sdl_alen: 6,
            sdl_slen: 0,
            sdl_data: new Uint8Array([1, 0, 0x5e, 1, 0, i, ...new Array<number>(40).fill(0)]),
          },
          ifma_lladdr: null,
          ifma_ifp: ifp,
          ifma_refcount: 1,
          ifma_protospec: null,
          ifma_llifma: null,
        });
      }
      vtnet_ioctl(ifp, SIOCADDMULTI, new Uint8Array(32));
      ifp.if_multiaddrs.splice(-VTNET_MAX_MAC_ENTRIES);
    });
    expect(sc.hw.allmulti).toBe(true);
    expect(sc.hw.multicast).toEqual([]);
  });
});

describe("receive and transmit", () => {
  test("nothing is received while the interface is not running (the device is reset)", () => {
    const { b, sc } = vtnetBench();
    const before = b.k.run(() => ipstat().ips_total);
    const echo = pingFromPeer("10.0.0.1");
    // vtnet_rx_vq_intr: "if ((ifp->if_drv_flags & IFF_DRV_RUNNING) == 0) { ... return; }"
    expect(b.inject("vtnet0", echo)).toBe(0);
    expect(b.k.run(() => ipstat().ips_total)).toBe(before);
    expect(sc.stats.ipackets).toBe(0);
  });

  test("a runt counts in the queue's ierrors, which vtnet_tick folds into if_ierrors", () => {
    const { b, sc } = vtnetBench();
    const ifp = sc.vtnet_ifp;
    expect(b.setFlags("vtnet0", ifp.if_flags | IFF_UP)).toBe(0);
    // vtnet_rxq_eof: "if (len < sc->vtnet_hdr_size + ETHER_HDR_LEN) { rxq->vtnrx_stats.vrxs_ierrors++; ..."
    b.inject("vtnet0", new Uint8Array([0x02, 0, 0, 0, 0x0a, 0x01, 0, 0, 0, 0]));
    expect(sc.stats.ierrors).toBe(1);
    expect(ifp.if_data.ifi_ierrors).toBe(0n);
    // vtnet_tick runs every hz: vtnet_accumulate_stats "ifp->if_ierrors = rxaccum.vrxs_ierrors;"
    b.k.advance(1);
    expect(ifp.if_data.ifi_ierrors).toBe(1n);
  });

  test("transmitted frames are recorded with interface and virtual time, and counted", () => {
    const { b, sc } = vtnetBench();
    b.k.advance(2.5);
    expect(b.addAddr("vtnet0", "10.0.0.1", 24)).toBe(0);
    const sent = b.sent();
    expect(sent).toHaveLength(1);
    expect(sent[0].ifname).toBe("vtnet0");
    expect(sent[0].time).toBe(2.5);
    // vtnet_txq_mq_start → vtnet_txq_encap: vtxs_opackets/obytes/omcasts (the ARP is M_BCAST).
    expect(sc.stats).toMatchObject({ opackets: 1, obytes: 42, omcasts: 1 });
  });
});

test("a host link change on a running vtnet reaches the ifnet (vtnet_config_change)", () => {
  const { b, sc } = vtnetBench();
  const ifp = sc.vtnet_ifp;
  expect(b.setFlags("vtnet0", ifp.if_flags | IFF_UP)).toBe(0);
  // vtnet_config_change → vtnet_update_link_status: "else if (link == 0 &&
  // sc->vtnet_link_active != 0) { sc->vtnet_link_active = 0; if_link_state_change(ifp,
  // LINK_STATE_DOWN); }", and back up again.
  b.k.run(() => vtnet_set_host_link(sc, false));
  expect(ifp.if_link_state).toBe(LINK_STATE_DOWN);
  expect(sc.vtnet_link_active).toBe(false);
  b.k.run(() => vtnet_set_host_link(sc, true));
  expect(ifp.if_link_state).toBe(LINK_STATE_UP);
});
