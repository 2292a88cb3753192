// The guest's management NIC, an Intel e1000 that 10.4 attaches as em0 (sys/dev/e1000/if_em.c).
// The VMs inconf drives have it first on the PCI bus, so it takes interface index 1 and every
// later interface's index (and epair's index-derived MACs) depends on it. Scenarios never use it,
// so the twin models only what em_setup_interface leaves behind at attach; the driver itself
// (em_init, em_ioctl, the link timer, transmit) is not modelled, and reaching it is an error.

import {
  IFCAP_HWCSUM,
  IFCAP_VLAN_HWCSUM,
  IFCAP_VLAN_HWTAGGING,
  IFCAP_VLAN_HWTSO,
  IFCAP_VLAN_MTU,
  IFF_BROADCAST,
  IFF_MULTICAST,
  IFF_SIMPLEX,
  IFT_ETHER,
} from "../../abi/if.ts";
import { KASSERT } from "../kern/invariant.ts";
import { if_alloc, if_initname } from "../net/if.ts";
import { ether_ifattach } from "../net/if_ethersubr.ts";
import type { ifnet } from "../net/if_var.ts";
import { ETHER_HDR_LEN } from "../../wire/ethernet.ts";

function not_modelled(ifp: ifnet): never {
  throw new Error(`${ifp.if_xname}: em(4) is not modelled by the twin (only its attach is)`);
}

/** if_em.c: em_setup_interface (if_em.c:3237-3285) — em<unit> with the device's MAC. */
export function em_attach(unit: number, mac: Uint8Array): ifnet {
  const ifp = if_alloc(IFT_ETHER);
  KASSERT(ifp !== null, "em_attach: if_alloc failed");
  if_initname(ifp, "em", unit);
  ifp.if_init = () => not_modelled(ifp);
  ifp.if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_ioctl = () => not_modelled(ifp);
  // Without EM_MULTIQUEUE em has if_start; if_attach then gives it the default if_transmit.
  ifp.if_start = () => not_modelled(ifp);
  ether_ifattach(ifp, mac);
  ifp.if_capabilities = IFCAP_HWCSUM | IFCAP_VLAN_HWCSUM;
  ifp.if_capenable = ifp.if_capabilities;
  ifp.if_hdrlen = ETHER_HDR_LEN + 4; // sizeof(struct ether_vlan_header)
  ifp.if_capabilities |= IFCAP_VLAN_HWTAGGING | IFCAP_VLAN_HWTSO | IFCAP_VLAN_MTU;
  ifp.if_capenable |= IFCAP_VLAN_HWTAGGING | IFCAP_VLAN_MTU;
  return ifp;
}
