// Frame I/O between the twin and the outside: what drivers put on the wire, what the harness
// injects into a driver's receive path, and the deferred-dispatch queue that stands in for the
// netisr threads (10.4 net/netisr.c). Everything here is per VNET.

import { ENXIO } from "../../abi/errno.ts";
import { KASSERT } from "../kern/invariant.ts";
import { m_dupdata } from "../kern/mbuf.ts";
import type { ifnet } from "./if_var.ts";
import { VNET, VNET_DEFINE, type vnet } from "./vnet.ts";

/** One frame a driver handed to its "hardware", stamped with virtual time. */
export interface TransmittedFrame {
  ifname: string;
  /** Virtual seconds since boot (ticks / hz), fractional. */
  time: number;
  /** Bytes as they leave the interface: an Ethernet frame, or raw IP for tun. */
  frame: Uint8Array;
}

/** A driver's receive entry: takes the bytes the wire delivered and feeds its if_input. */
export type DeviceRx = (ifp: ifnet, frame: Uint8Array) => void;

// A bound on deferred work per drain: a frame ping-pong that never ends is a twin bug.
const NETISR_DRAIN_LIMIT = 100_000;

/**
 * The most untaken frames the log keeps. Readers take what an op sent after every op (the
 * harness's kernelStepper), far below this; a Kernel nobody takes frames from (a bench loop of
 * millions of ops) must still not grow without bound, so reaching it drops the older half.
 */
export const FRAME_LOG_LIMIT = 1 << 14;

export class FrameIO {
  /** Frames the drivers transmitted and nobody has taken yet, oldest first: take with splice(0). */
  readonly transmitted: TransmittedFrame[] = [];
  /** Frames dropped from the log untaken, because it reached FRAME_LOG_LIMIT. */
  lost = 0;
  readonly #vnet: vnet;
  readonly #devices = new Map<ifnet, DeviceRx>();
  readonly #queue: (() => void)[] = [];
  #draining = false;

  constructor(v: vnet) {
    this.#vnet = v;
  }

  /**
   * Records a frame the driver of `ifp` transmitted. The log keeps `frame` itself: the driver
   * hands over a buffer nothing writes to afterwards, as the mbuf is the hardware's once sent.
   */
  record(ifp: ifnet, frame: Uint8Array): void {
    const log = this.transmitted;
    if (log.length >= FRAME_LOG_LIMIT) {
      const drop = FRAME_LOG_LIMIT / 2;
      log.splice(0, drop);
      this.lost += drop;
    }
    const clock = this.#vnet.clock;
    log.push({ ifname: ifp.if_xname, time: clock.ticks / clock.hz, frame });
  }

  /** A driver announces how frames from the wire reach it. */
  attach(ifp: ifnet, rx: DeviceRx): void {
    this.#devices.set(ifp, rx);
  }

  detach(ifp: ifnet): void {
    this.#devices.delete(ifp);
  }

  /**
   * Delivers `frame` to the receive path of `ifp`'s driver, then runs the deferred work it
   * caused. ENXIO when the interface has no driver receive path (lo0) or is gone.
   */
  inject(ifp: ifnet, frame: Uint8Array): number {
    const rx = this.#devices.get(ifp);
    if (rx === undefined) return ENXIO;
    rx(ifp, m_dupdata(frame));
    this.drain();
    return 0;
  }

  // netisr.c: netisr_queue — the handler runs later, on the netisr "thread".
  queue(work: () => void): void {
    this.#queue.push(work);
  }

  /** Runs queued netisr work, including work queued while draining, in FIFO order. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      let n = 0;
      for (let work = this.#queue.shift(); work !== undefined; work = this.#queue.shift()) {
        KASSERT(++n <= NETISR_DRAIN_LIMIT, "netisr: deferred work does not converge");
        work();
      }
    } finally {
      this.#draining = false;
    }
  }

  get pending(): number {
    return this.#queue.length;
  }
}

const V_frames = VNET_DEFINE("frames", (v) => new FrameIO(v));

/** The current VNET's frame I/O. */
export function frames(): FrameIO {
  return VNET(V_frames);
}

/** The frame I/O of a given VNET (for the Kernel, which holds its vnet). */
export function framesOf(v: vnet): FrameIO {
  return v.get(V_frames);
}
