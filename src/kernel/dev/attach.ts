// How a scenario's NICs come to exist in the twin, the way they exist in the FreeBSD VM: a
// vtnet unit is a device found at boot (attached with QEMU's MAC), epair and tun interfaces
// are made by their cloners (`ifconfig epair create`, `ifconfig tun0 create` plus the agent
// opening /dev/tunN). Also the harness's way into a driver's receive path.

import { EINVAL, ENXIO } from "../../abi/errno.ts";
import { IFNAMSIZ } from "../../abi/if.ts";
import { writeCString } from "../../abi/decode.ts";
import { frames } from "../net/frames.ts";
import { ifunit } from "../net/if.ts";
import { if_clone_create } from "../net/if_clone.ts";
import { epair_set_scenario_mac } from "./epair.ts";
import { tunopen } from "./tun.ts";
import { vtnet_attach } from "./vtnet.ts";

export type NicDriver = "vtnet" | "epair" | "tun";

function cloneCreate(name: string): number {
  const ifr = new Uint8Array(IFNAMSIZ);
  writeCString(ifr, 0, IFNAMSIZ, name);
  return if_clone_create(ifr, IFNAMSIZ, null);
}

/**
 * Makes interface `name` with link-level address `mac` (ignored for tun). For epair, `name` is
 * one half ("epair0a"): the pair is created if missing and the half gets `mac`. Returns an errno.
 */
export function nic_attach(driver: NicDriver, name: string, mac: Uint8Array): number {
  switch (driver) {
    case "vtnet": {
      const m = /^vtnet([0-9]+)$/.exec(name);
      if (m === null || ifunit(name) !== null) return EINVAL;
      vtnet_attach(Number(m[1]), mac);
      return 0;
    }
    case "epair": {
      const m = /^(epair[0-9]+)[ab]$/.exec(name);
      if (m === null) return EINVAL;
      epair_set_scenario_mac(name, mac);
      if (ifunit(name) !== null) return 0;
      return cloneCreate(m[1]);
    }
    case "tun": {
      const error = cloneCreate(name);
      if (error !== 0) return error;
      const ifp = ifunit(name);
      if (ifp === null) return ENXIO;
      tunopen(ifp);
      return 0;
    }
  }
}

/** A frame arriving from the wire on `ifname` (raw IP for tun). ENXIO for an unknown name. */
export function nic_inject(ifname: string, frame: Uint8Array): number {
  const ifp = ifunit(ifname);
  if (ifp === null) return ENXIO;
  return frames().inject(ifp, frame);
}
