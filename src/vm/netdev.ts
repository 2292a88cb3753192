// Host side of a test NIC's `-netdev dgram` (or legacy udp socket): every UDP datagram is one
// Ethernet frame. We bind the host end on 127.0.0.1 before QEMU starts, send injected frames to
// QEMU's end, and keep every frame the guest emits with its arrival time.

import dgram from "node:dgram";

export interface CapturedFrame {
  /** Milliseconds on the host's monotonic clock (performance.now()). */
  atMs: number;
  frame: Uint8Array;
}

export class NetdevPort {
  private frames: CapturedFrame[] = [];
  private listeners = new Set<() => void>();
  qemuPort = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly hostPort: number,
  ) {
    socket.on("message", (msg) => {
      this.frames.push({ atMs: performance.now(), frame: new Uint8Array(msg) });
      for (const l of [...this.listeners]) l();
    });
  }

  /** Binds the host end on an ephemeral port of 127.0.0.1. */
  static async open(): Promise<NetdevPort> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "127.0.0.1", () => resolve());
    });
    return new NetdevPort(socket, socket.address().port);
  }

  /** Writes one frame into the guest's NIC (as if it came off the wire). */
  send(frame: Uint8Array): Promise<void> {
    if (this.qemuPort === 0) return Promise.reject(new Error("netdev: QEMU port not set"));
    return new Promise((resolve, reject) =>
      this.socket.send(frame, this.qemuPort, "127.0.0.1", (e) => (e ? reject(e) : resolve())),
    );
  }

  /** Frames received so far and not yet taken; clears them. */
  take(): CapturedFrame[] {
    return this.frames.splice(0);
  }

  /** Frames received so far (not cleared). */
  peek(): readonly CapturedFrame[] {
    return this.frames;
  }

  /** Waits until a received frame satisfies `pred` (frames already received count). */
  waitFrame(pred: (f: Uint8Array) => boolean, timeoutMs: number): Promise<CapturedFrame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.frames.find((c) => pred(c.frame));
        if (f) {
          done();
          resolve(f);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `netdev: no matching frame within ${timeoutMs} ms (${this.frames.length} other frame(s) received)`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void check();
      this.listeners.add(listener);
      check();
    });
  }

  /** Resolves once no frame has arrived for `quietMs`, or after `maxMs` in any case. */
  async settle(quietMs: number, maxMs: number): Promise<void> {
    const start = performance.now();
    for (;;) {
      const last = this.frames.length > 0 ? this.frames[this.frames.length - 1].atMs : -Infinity;
      const now = performance.now();
      const sinceLast = now - Math.max(last, start);
      if (sinceLast >= quietMs || now - start >= maxMs) return;
      await new Promise((r) => setTimeout(r, Math.min(quietMs - sinceLast, maxMs - (now - start)) + 1));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** An unused UDP port on 127.0.0.1 for QEMU's end (bound and released: a small race, retried by
 * the launcher if QEMU cannot bind it). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => resolve());
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
