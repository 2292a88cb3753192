// The parts of sys/sys/mbuf.h the twin needs: a packet is one contiguous buffer (no chains),
// with the flags the link and IP layers test and the receiving interface.

import type { ifnet } from "../net/if_var.ts";

// 10.4 sys/sys/mbuf.h: M_BCAST/M_MCAST ("send/received as link-level broadcast/multicast").
export const M_BCAST = 0x00000010;
export const M_MCAST = 0x00000020;

export interface Mbuf {
  data: Uint8Array;
  m_flags: number;
  /** m_pkthdr.rcvif: the interface a received packet arrived on; null for locally made ones. */
  rcvif: ifnet | null;
}

export function m_gethdr(data: Uint8Array, m_flags = 0, rcvif: ifnet | null = null): Mbuf {
  return { data, m_flags, rcvif };
}
