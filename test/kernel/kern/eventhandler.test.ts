import { expect, test } from "vitest";
import {
  EVENTHANDLER_DEREGISTER,
  EVENTHANDLER_INVOKE,
  EVENTHANDLER_PRI_FIRST,
  EVENTHANDLER_PRI_LAST,
  EVENTHANDLER_REGISTER,
} from "../../../src/kernel/kern/eventhandler.ts";
import type { ifnet } from "../../../src/kernel/net/if_var.ts";

test("handlers run by priority, then registration order, and can be deregistered", () => {
  const seen: string[] = [];
  const fake = { if_xname: "x0" } as ifnet;
  const t1 = EVENTHANDLER_REGISTER("ifaddr_event", (ifp) => seen.push(`any1:${ifp.if_xname}`));
  const t2 = EVENTHANDLER_REGISTER("ifaddr_event", () => seen.push("last"), EVENTHANDLER_PRI_LAST);
  const t3 = EVENTHANDLER_REGISTER("ifaddr_event", () => seen.push("first"), EVENTHANDLER_PRI_FIRST);
  const t4 = EVENTHANDLER_REGISTER("ifaddr_event", () => seen.push("any2"));
  EVENTHANDLER_INVOKE("ifaddr_event", fake);
  expect(seen).toEqual(["first", "any1:x0", "any2", "last"]);
  for (const t of [t1, t2, t3, t4]) EVENTHANDLER_DEREGISTER(t);
  seen.length = 0;
  EVENTHANDLER_INVOKE("ifaddr_event", fake);
  expect(seen).toEqual([]);
});

test("handlers (de)registered while an invoke runs do not change that invoke", () => {
  const seen: string[] = [];
  const fake = { if_xname: "x0" } as ifnet;
  const late: ReturnType<typeof EVENTHANDLER_REGISTER>[] = [];
  const t2 = EVENTHANDLER_REGISTER("ifaddr_event", () => seen.push("second"), EVENTHANDLER_PRI_LAST);
  const t1 = EVENTHANDLER_REGISTER(
    "ifaddr_event",
    () => {
      seen.push("first");
      EVENTHANDLER_DEREGISTER(t2);
      late.push(EVENTHANDLER_REGISTER("ifaddr_event", () => seen.push("late")));
    },
    EVENTHANDLER_PRI_FIRST,
  );
  EVENTHANDLER_INVOKE("ifaddr_event", fake);
  expect(seen).toEqual(["first", "second"]);
  seen.length = 0;
  EVENTHANDLER_DEREGISTER(t1);
  EVENTHANDLER_INVOKE("ifaddr_event", fake);
  expect(seen).toEqual(["late"]);
  for (const t of late) EVENTHANDLER_DEREGISTER(t);
});
