// How a scenario's NICs come to exist in the twin, the way they exist in the FreeBSD VM: em and
// vtnet units are devices found at boot (attached with QEMU's MACs before lo0 is cloned), epair
// and tun interfaces are made by their cloners (`ifconfig epair create`, `ifconfig tun0 create`
// plus the agent opening /dev/tunN). Also the harness's way into a driver's receive path.

import { ENXIO } from "../../abi/errno.ts";
import { IFNAMSIZ } from "../../abi/if.ts";
import { writeCString } from "../../abi/decode.ts";
import { frames } from "../net/frames.ts";
import { ifunit } from "../net/if.ts";
import { if_clone_create } from "../net/if_clone.ts";
import { em_attach } from "./em.ts";
import { tunopen } from "./tun.ts";
import { vtnet_attach } from "./vtnet.ts";

export type NicDriver = "vtnet" | "epair" | "tun";
/** Drivers of the devices a machine has at boot. */
export type DeviceDriver = "em" | "vtnet";

function cloneCreate(name: string): number {
  const ifr = new Uint8Array(IFNAMSIZ);
  writeCString(ifr, 0, IFNAMSIZ, name);
  return if_clone_create(ifr, IFNAMSIZ, null);
}

/**
 * A device the PCI probe finds at boot (SI_SUB_CONFIGURE, sys/kernel.h:139), unit `unit` of
 * `driver` with the MAC in its EEPROM or config space. Attached before the monitoring socket
 * exists, its RTM_IFANNOUNCE reaches nobody, as on a booted guest.
 */
export function device_attach(driver: DeviceDriver, unit: number, mac: Uint8Array): void {
  if (driver === "em") em_attach(unit, mac);
  else vtnet_attach(unit, mac);
}

/**
 * Makes interface `name` exist if it does not, as the guest agent's nic op does
 * (vm/agent/inconf-agent.c op_nic): epair and tun through SIOCIFCREATE2 of their cloner (for
 * epair, the name without its a/b suffix makes both halves). A vtnet the machine lacks is
 * hot-plugged with `mac` (QEMU device_add; if_attach announces it); the guests boot vtnet0..2
 * and answer ENXIO for others. Returns an errno; ENXIO when `name` still does not exist.
 */
export function nic_create(driver: NicDriver, name: string, mac: Uint8Array): number {
  if (ifunit(name) !== null) return 0;
  let error = 0;
  switch (driver) {
    case "vtnet": {
      const m = /^vtnet([0-9]+)$/.exec(name);
      if (m !== null) vtnet_attach(Number(m[1]), mac);
      break;
    }
    case "epair":
      error = cloneCreate(/[ab]$/.test(name) ? name.slice(0, -1) : name);
      break;
    case "tun":
      error = cloneCreate(name);
      break;
  }
  if (error === 0 && ifunit(name) === null) error = ENXIO;
  return error;
}

/** The agent opens /dev/tunN and holds it for the program (tunopen). ENXIO if there is none. */
export function nic_tunopen(name: string): number {
  const ifp = ifunit(name);
  if (ifp === null || ifp.if_dname !== "tun") return ENXIO;
  tunopen(ifp);
  return 0;
}

/** A frame arriving from the wire on `ifname` (raw IP for tun). ENXIO for an unknown name. */
export function nic_inject(ifname: string, frame: Uint8Array): number {
  const ifp = ifunit(ifname);
  if (ifp === null) return ENXIO;
  return frames().inject(ifp, frame);
}
