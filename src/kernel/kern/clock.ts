// The twin's virtual time: hardclock ticks at `hz` per second, time_uptime in whole seconds, and
// callouts (kern_timeout.c) that fire only when a test or a sleep step advances the clock.

import { KASSERT } from "./invariant.ts";
import { list_remove_at } from "../sys/queue.ts";

// 10.4 sys/sys/callout.h: c_flags bits the callers test.
export const CALLOUT_PENDING = 0x0004; // callout is currently on the wheel
export const CALLOUT_ACTIVE = 0x0002; // set by reset, cleared by stop/deactivate

export class Clock {
  readonly hz: number;
  /** Hardclock ticks since boot. */
  ticks = 0;
  /** Seconds of uptime at tick 0. */
  readonly bootUptime: number;
  /** Wall-clock seconds at boot (boottime), so time_second = boottime + time_uptime. */
  readonly boottime: number;
  readonly #wheel: Callout[] = [];
  #seq = 0;

  constructor(hz = 1000, bootUptime = 1, boottime = 0) {
    this.hz = hz;
    this.bootUptime = bootUptime;
    this.boottime = boottime;
  }

  /** kern_tc.c time_uptime: whole seconds since boot. */
  get time_uptime(): number {
    return this.bootUptime + Math.floor(this.ticks / this.hz);
  }

  /** kern_tc.c time_second: wall-clock seconds. */
  get time_second(): number {
    return this.boottime + this.time_uptime;
  }

  /** Moves time forward, firing each due callout at its own tick, earliest first. */
  advance(seconds: number): void {
    KASSERT(Number.isFinite(seconds) && seconds >= 0, `advance(${seconds}): bad duration`);
    this.advanceTicks(Math.round(seconds * this.hz));
  }

  advanceTicks(n: number): void {
    const target = this.ticks + n;
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.c_time > target) break;
      this.#remove(next);
      this.ticks = next.c_time;
      next.fire();
    }
    this.ticks = target;
  }

  /** @internal used by Callout */
  schedule(c: Callout): number {
    this.#wheel.push(c);
    return this.#seq++;
  }

  /** @internal used by Callout */
  unschedule(c: Callout): void {
    this.#remove(c);
  }

  #next(): Callout | undefined {
    let best: Callout | undefined;
    for (const c of this.#wheel) if (best === undefined || byDue(c, best) < 0) best = c;
    return best;
  }

  #remove(c: Callout): void {
    const i = this.#wheel.indexOf(c);
    KASSERT(i >= 0, "callout not on the wheel");
    list_remove_at(this.#wheel, i);
  }
}

function byDue(a: Callout, b: Callout): number {
  return a.c_time - b.c_time || a.c_seq - b.c_seq;
}

export class Callout {
  readonly clock: Clock;
  c_flags = 0;
  /** Tick at which the callout fires while pending. */
  c_time = 0;
  /** Scheduling order, to break ties between callouts due at the same tick. */
  c_seq = 0;
  #fn: (() => void) | null = null;

  // kern_timeout.c: callout_init
  constructor(clock: Clock) {
    this.clock = clock;
  }

  /**
   * kern_timeout.c: callout_reset — (re)arms the callout `to_ticks` from now (at least one tick,
   * as a non-positive delay is raised to one). Returns 1 when a pending run was cancelled.
   */
  callout_reset(to_ticks: number, fn: () => void): number {
    const cancelled = this.callout_pending() ? 1 : 0;
    if (cancelled) this.clock.unschedule(this);
    this.#fn = fn;
    this.c_time = this.clock.ticks + Math.max(1, Math.trunc(to_ticks));
    this.c_flags |= CALLOUT_ACTIVE | CALLOUT_PENDING;
    this.c_seq = this.clock.schedule(this);
    return cancelled;
  }

  /** kern_timeout.c: callout_stop — returns 1 when a pending run was cancelled, else 0. */
  callout_stop(): number {
    if (!this.callout_pending()) {
      this.c_flags &= ~CALLOUT_ACTIVE;
      return 0;
    }
    this.clock.unschedule(this);
    this.c_flags &= ~(CALLOUT_ACTIVE | CALLOUT_PENDING);
    return 1;
  }

  /** callout.h: callout_drain — nothing can be running concurrently in the twin. */
  callout_drain(): number {
    return this.callout_stop();
  }

  callout_pending(): boolean {
    return (this.c_flags & CALLOUT_PENDING) !== 0;
  }

  callout_active(): boolean {
    return (this.c_flags & CALLOUT_ACTIVE) !== 0;
  }

  callout_deactivate(): void {
    this.c_flags &= ~CALLOUT_ACTIVE;
  }

  /** @internal softclock: the pending bit drops before the handler runs; active stays set. */
  fire(): void {
    this.c_flags &= ~CALLOUT_PENDING;
    const fn = this.#fn;
    KASSERT(fn !== null, "callout fired without a handler");
    fn();
  }
}
