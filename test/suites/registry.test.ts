// The suite registry's own rules: unique ids, every scenario cites its sources and checks
// something that can fail (an expectation on at least one step), and every scenario lowers.

import { describe, expect, test } from "vitest";
import { lowerProgram } from "../../src/harness/lower.ts";
import { allScenarios } from "../../suites/index.ts";

const programs = allScenarios();

describe("suites registry", () => {
  test("has at least 60 scenarios with unique ids", () => {
    expect(programs.length).toBeGreaterThanOrEqual(60);
    expect(new Set(programs.map((p) => p.id)).size).toBe(programs.length);
  });

  test.each(programs.map((p) => [p.id, p] as const))("%s cites and expects", (_id, p) => {
    expect(p.cites.length).toBeGreaterThan(0);
    const checks = p.steps.flatMap((s) => Object.values(s.expect ?? {}).filter((v) => v !== undefined));
    expect(checks.length).toBeGreaterThan(0);
    expect(() => lowerProgram(p)).not.toThrow();
  });
});
