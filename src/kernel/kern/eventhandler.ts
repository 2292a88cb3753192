// Kernel event hooks (10.4 kern/subr_eventhandler.c): named lists of handlers called in
// priority order, then registration order. Handlers are global like the kernel's; the objects
// passed (an ifnet, an llentry) carry their VNET.
//
// Event signatures live in EventHandlerMap. A module whose event carries its own types adds
// them by declaration merging, e.g. in net/if_llatbl.ts:
//   declare module "../kern/eventhandler.ts" {
//     interface EventHandlerMap { lle_event: (lle: llentry, evt: number) => void }
//   }

import type { ifnet } from "../net/if_var.ts";

// eventhandler.h: priorities
export const EVENTHANDLER_PRI_FIRST = 0;
export const EVENTHANDLER_PRI_ANY = 10000;
export const EVENTHANDLER_PRI_LAST = 20000;

// if_llatbl.h: lle_event kinds
export const LLENTRY_RESOLVED = 0;
export const LLENTRY_TIMEDOUT = 1;
export const LLENTRY_DELETED = 2;
export const LLENTRY_EXPIRED = 3;

// 10.4 if_var.h: ifnet_event kinds
export const IFNET_EVENT_UP = 0;
export const IFNET_EVENT_DOWN = 1;

export interface EventHandlerMap {
  ifaddr_event: (ifp: ifnet) => void;
  iflladdr_event: (ifp: ifnet) => void;
  ifnet_arrival_event: (ifp: ifnet) => void;
  ifnet_departure_event: (ifp: ifnet) => void;
  ifnet_link_event: (ifp: ifnet, linkstate: number) => void;
  ifnet_event: (ifp: ifnet, event: number) => void;
}

export type EventName = keyof EventHandlerMap;

export interface EventHandlerTag {
  readonly name: EventName;
  readonly priority: number;
  readonly seq: number;
}

interface Entry {
  tag: EventHandlerTag;
  fn: (...args: never[]) => void;
}

type Invoker<K extends EventName> = (...a: Parameters<EventHandlerMap[K]>) => void;

const lists = new Map<EventName, Entry[]>();
let seq = 0;

// subr_eventhandler.c: eventhandler_register
export function EVENTHANDLER_REGISTER<K extends EventName>(
  name: K,
  fn: EventHandlerMap[K],
  priority = EVENTHANDLER_PRI_ANY,
): EventHandlerTag {
  const tag: EventHandlerTag = { name, priority, seq: seq++ };
  // A new list, never the one an EVENTHANDLER_INVOKE may be walking (as deregister does).
  const list = [...(lists.get(name) ?? []), { tag, fn: fn as (...args: never[]) => void }];
  list.sort((a, b) => a.tag.priority - b.tag.priority || a.tag.seq - b.tag.seq);
  lists.set(name, list);
  return tag;
}

// subr_eventhandler.c: eventhandler_deregister
export function EVENTHANDLER_DEREGISTER(tag: EventHandlerTag): void {
  const list = lists.get(tag.name);
  if (list === undefined) return;
  lists.set(
    tag.name,
    list.filter((e) => e.tag !== tag),
  );
}

// eventhandler.h: EVENTHANDLER_INVOKE — on the list as it was, so handlers may (de)register
// while it runs: both replace the list instead of changing it.
export function EVENTHANDLER_INVOKE<K extends EventName>(
  name: K,
  ...args: Parameters<EventHandlerMap[K]>
): void {
  const list = lists.get(name);
  if (list === undefined) return;
  for (const e of list) (e.fn as unknown as Invoker<K>)(...args);
}
