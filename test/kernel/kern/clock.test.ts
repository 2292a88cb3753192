import { describe, expect, test } from "vitest";
import { Callout, Clock } from "../../../src/kernel/kern/clock.ts";

describe("Clock and Callout (kern_timeout.c semantics the twin relies on)", () => {
  test("callouts fire in due order, ties in scheduling order, each at its own tick", () => {
    const clock = new Clock(1000);
    const seen: string[] = [];
    const a = new Callout(clock);
    const b = new Callout(clock);
    const c = new Callout(clock);
    a.callout_reset(3000, () => seen.push(`a@${clock.ticks}`));
    b.callout_reset(1000, () => seen.push(`b@${clock.ticks}`));
    c.callout_reset(1000, () => seen.push(`c@${clock.ticks}`));
    clock.advance(5);
    expect(seen).toEqual(["b@1000", "c@1000", "a@3000"]);
    expect(clock.ticks).toBe(5000);
  });

  test("a callout armed by a handler fires within the same advance when due", () => {
    const clock = new Clock(1000);
    const seen: number[] = [];
    const c = new Callout(clock);
    const tick = (): void => {
      seen.push(clock.ticks);
      if (seen.length < 3) c.callout_reset(500, tick);
    };
    c.callout_reset(500, tick);
    clock.advance(2);
    expect(seen).toEqual([500, 1000, 1500]);
  });

  test("callout_reset returns 1 only when it cancelled a pending run", () => {
    // kern_timeout.c callout_reset_sbt_on: "cancelled" is 1 when the callout was pending.
    const clock = new Clock();
    const c = new Callout(clock);
    expect(c.callout_reset(10, () => undefined)).toBe(0);
    expect(c.callout_reset(10, () => undefined)).toBe(1);
    clock.advance(1);
    expect(c.callout_reset(10, () => undefined)).toBe(0);
  });

  test("callout_stop: 1 if it stopped a pending callout, 0 otherwise; clears active", () => {
    const clock = new Clock();
    let fired = 0;
    const c = new Callout(clock);
    c.callout_reset(100, () => fired++);
    expect(c.callout_pending()).toBe(true);
    expect(c.callout_active()).toBe(true);
    expect(c.callout_stop()).toBe(1);
    expect(c.callout_pending()).toBe(false);
    expect(c.callout_active()).toBe(false);
    expect(c.callout_stop()).toBe(0);
    clock.advance(1);
    expect(fired).toBe(0);
  });

  test("a fired callout is no longer pending but stays active until deactivated", () => {
    // kern_timeout.c softclock_call_cc clears CALLOUT_PENDING; CALLOUT_ACTIVE is the owner's
    // (callout_deactivate), which if_ether.c arptimer relies on.
    const clock = new Clock();
    const c = new Callout(clock);
    let state: [boolean, boolean] = [true, false];
    c.callout_reset(1, () => (state = [c.callout_pending(), c.callout_active()]));
    clock.advance(0.001);
    expect(state).toEqual([false, true]);
    c.callout_deactivate();
    expect(c.callout_active()).toBe(false);
  });

  test("a delay of zero or less still waits one tick", () => {
    // kern_timeout.c: to_ticks <= 0 is raised to 1.
    const clock = new Clock();
    let fired = 0;
    new Callout(clock).callout_reset(0, () => fired++);
    clock.advanceTicks(0);
    expect(fired).toBe(0);
    clock.advanceTicks(1);
    expect(fired).toBe(1);
  });

  test("time_uptime counts whole seconds from boot; time_second adds boottime", () => {
    const clock = new Clock(1000, 1, 1_700_000_000);
    expect(clock.time_uptime).toBe(1);
    clock.advance(2.5);
    expect(clock.time_uptime).toBe(3);
    expect(clock.time_second).toBe(1_700_000_003);
  });
});
