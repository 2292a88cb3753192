// Coverage guidance: V8's block coverage of the twin files that matter (in.ts, if_llatbl.ts,
// if_ether.ts), read in-process through the inspector, as `npm run coverage` measures with
// @vitest/coverage-v8. A branch is one covered block range of a function; a Program that covers a
// range never covered before goes into the corpus.

import { Session } from "node:inspector/promises";

/** The files whose branches guide exploration (suffixes of the script URLs V8 reports). */
export const GUIDED_FILES = [
  "src/kernel/netinet/in.ts",
  "src/kernel/net/if_llatbl.ts",
  "src/kernel/netinet/if_ether.ts",
] as const;

export interface CoverageSnapshot {
  /** Distinct branches covered so far, over all guided files. */
  branches: number;
  /** Per file. */
  files: Record<string, number>;
}

export class CoverageTracker {
  readonly #session = new Session();
  readonly #seen = new Map<string, Set<string>>();
  #started = false;

  async start(): Promise<void> {
    this.#session.connect();
    await this.#session.post("Profiler.enable");
    // callCount + detailed: block-level counts, reset by every takePreciseCoverage.
    await this.#session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
    this.#started = true;
    await this.take(); // what ran before exploration (module loading) is the baseline
  }

  /** Branches first covered since the last call (0 when coverage is off or nothing is new). */
  async take(): Promise<number> {
    if (!this.#started) return 0;
    const { result } = await this.#session.post("Profiler.takePreciseCoverage");
    let fresh = 0;
    for (const script of result) {
      const file = GUIDED_FILES.find((f) => script.url.endsWith(f));
      if (file === undefined) continue;
      let seen = this.#seen.get(file);
      if (seen === undefined) this.#seen.set(file, (seen = new Set()));
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count === 0) continue;
          const key = `${fn.functionName}:${r.startOffset}:${r.endOffset}`;
          if (seen.has(key)) continue;
          seen.add(key);
          fresh++;
        }
      }
    }
    return fresh;
  }

  /** Resets the counters without recording: what ran since (the shrinker's runs) is not
   * exploration, and must not steer the corpus. */
  async discard(): Promise<void> {
    if (this.#started) await this.#session.post("Profiler.takePreciseCoverage");
  }

  snapshot(): CoverageSnapshot {
    const files = Object.fromEntries([...this.#seen].map(([f, s]) => [f, s.size]));
    return { branches: Object.values(files).reduce((a, b) => a + b, 0), files };
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    await this.#session.post("Profiler.stopPreciseCoverage");
    this.#session.disconnect();
    this.#started = false;
  }
}
