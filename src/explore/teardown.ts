// Teardown for the robustness bench: what an administrator would run to take a machine back to
// no configuration (`ifconfig X destroy` for every clone, `ifconfig X -alias` until none is left,
// `route delete` for every route still there), through the same syscalls, so every release path
// runs. After it, a Kernel's census must equal a fresh Kernel's after the same teardown.

import { encodeIfreq, ifreqEmpty } from "../abi/if.ts";
import * as RT from "../abi/route.ts";
import { AF_INET, isSockaddrIn, SOCKADDR_IN_SIZE } from "../abi/socket.ts";
import { SIOCDIFADDR, SIOCIFDESTROY } from "../abi/sockio.ts";
import { Kernel } from "../kernel/kernel.ts";
import { rt_tables_get_rnh } from "../kernel/net/route.ts";

const root = Kernel.root();

/** The routes' keys as text, to tell a fresh Kernel's from the ones a run added. */
export function routeKeys(k: Kernel): string[] {
  return k.run(() =>
    (rt_tables_get_rnh(0, AF_INET)?.rnh.entries() ?? []).map((e) => JSON.stringify([e.key, e.mask])),
  );
}

/**
 * Destroys every interface not in `keep`, deletes every IPv4 address, then every route whose key
 * is not in `keepRoutes` (the routes a fresh Kernel has after the same teardown), then lets the
 * timers run out. May throw KernelPanic where a timer faults, as FreeBSD would.
 */
export function teardown(
  k: Kernel,
  keep: ReadonlySet<string>,
  keepRoutes: ReadonlySet<string> = new Set(),
): void {
  for (const ifp of [...k.interfaces])
    if (!keep.has(ifp.if_xname)) k.ioctl(root, SIOCIFDESTROY, encodeIfreq(ifreqEmpty(ifp.if_xname)));
  for (const ifp of k.interfaces) {
    // SIOCDIFADDR without an address deletes the first one (seed in.c:527-531 deleteAny).
    for (let i = 0; i < 256; i++)
      if (k.ioctl(root, SIOCDIFADDR, encodeIfreq(ifreqEmpty(ifp.if_xname))).errno !== 0) break;
  }
  const so = k.routeSocketOpen();
  const entries = k.run(() => [...(rt_tables_get_rnh(0, AF_INET)?.rnh.entries() ?? [])]);
  for (const e of entries) {
    if (keepRoutes.has(JSON.stringify([e.key, e.mask])) || !isSockaddrIn(e.key)) continue;
    const mask = e.mask !== null && isSockaddrIn(e.mask) ? e.mask.sin_addr : null;
    const sin = (addr: number) => ({
      sin_len: SOCKADDR_IN_SIZE,
      sin_family: AF_INET,
      sin_port: 0,
      sin_addr: addr,
    });
    const msg = RT.newRoutingMessage(RT.RTM_DELETE, {
      dst: sin(e.key.sin_addr),
      ...(mask !== null && { netmask: sin(mask) }),
    });
    if (msg.kind === "rt") msg.hdr.rtm_flags = mask === null ? RT.RTF_HOST : 0;
    so.write(root, RT.encodeRoutingMessage(msg));
  }
  so.close();
  // Pending timers hold references until they fire (a GARP retransmission holds its address,
  // 10.4 if_ether.c garp_timer_start); an hour lets every one of them run out.
  k.advance(3600);
}
