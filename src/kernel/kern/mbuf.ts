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

/** mbuf.h MCLBYTES: the cluster size, and the slab packet storage is carved from. */
export const MCLBYTES = 2048;
/** V8 keeps a typed array's bytes in its own object up to this many; past it, off the heap. */
const IN_HEAP_MAX = 64;

let slab = new ArrayBuffer(MCLBYTES);
let slabUsed = 0;

/**
 * `len` zeroed bytes of a shared MCLBYTES slab (bigger packets get an array of their own), the
 * way clusters come from one zone. A region is handed out once (fresh ArrayBuffer bytes are
 * zero) and never reused, so no two packets share bytes; the slab goes with its last packet.
 */
function m_slab(len: number): Uint8Array {
  if (len > MCLBYTES) return new Uint8Array(len);
  if (slabUsed + len > MCLBYTES) {
    slab = new ArrayBuffer(MCLBYTES);
    slabUsed = 0;
  }
  const data = new Uint8Array(slab, slabUsed, len);
  slabUsed += len;
  return data;
}

/**
 * Storage for a packet of `len` bytes, zero-filled: what m_getcl's cluster is to the C code.
 * V8 gives a typed array over 64 bytes an off-heap store of its own, which costs several times
 * the copy that fills it, so packets that size come from a slab (m_slab); smaller ones stay in
 * the array object, the cheapest storage for a frame that is only built and sent.
 */
export function m_data(len: number): Uint8Array {
  return len <= IN_HEAP_MAX ? new Uint8Array(len) : m_slab(len);
}

/**
 * A copy of `bytes` in packet storage of its own, as m_dup gives a packet its own bytes: for a
 * packet about to be received, whatever its size. Input takes views of it (m_adj, the headers'
 * subarrays), and the first view of an array kept in its object moves its bytes off the heap,
 * which costs as much as the off-heap store m_data avoids.
 */
export function m_dupdata(bytes: Uint8Array): Uint8Array {
  const data = m_slab(bytes.length);
  data.set(bytes);
  return data;
}
