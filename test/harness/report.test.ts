import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backends/backend.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { createReplayBackend } from "../../src/backends/replay.ts";
import { parseCatalogue } from "../../src/harness/divergences.ts";
import { buildReport, REPORT_FORMAT } from "../../src/harness/report-json.ts";
import { renderHtml, renderMarkdown } from "../../src/harness/report-doc.ts";
import { renderJunit } from "../../src/harness/report-junit.ts";
import { renderText } from "../../src/harness/report-text.ts";
import { compare, conform, type ScenarioResult } from "../../src/harness/runner.ts";
import { scenario } from "../../src/harness/scenario.ts";

const wrong = scenario("t/wrong", "A <wrong> expectation & more", (s) => {
  s.nic("vtnet1");
  s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "EEXIST" });
});
const known = scenario("t/known", "A catalogued difference", (s) => {
  s.nic("vtnet1");
  s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "EINVAL" });
});
const fine = scenario("u/fine", "Fine", (s) => {
  s.nic("vtnet1");
  s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
});

const catalogue = parseCatalogue(
  `format: inconf-divergences/2
divergences:
  - id: twin-errno
    applies: [twin]
    scenarios: ["t/known"]
    what: the twin answers OK here
    why: a test entry
    sources: [none]
    status: known
    confirmed: ["twin/t/known"]
    match: { kind: expect, key: errno, field: errno, a: EINVAL, b: OK }
`,
  "test.yaml",
);

async function results(): Promise<ScenarioResult[]> {
  const twin = await conform([wrong, known, fine], createTwinBackend(), catalogue);
  const skipped = await conform([fine], createReplayBackend({ release: "none", root: "/nonexistent" }), []);
  return [...twin, ...skipped];
}

describe("reports", () => {
  it("the JSON report has the documented shape and counts", async () => {
    const r = buildReport("run", ["twin"], await results());
    expect(r.format).toBe(REPORT_FORMAT);
    expect(r.summary).toEqual({ total: 4, pass: 1, known: 1, fail: 1, skipped: 1, error: 0, panic: 0 });
    expect(r.normalization.map((n) => n.name)).toContain("rtm-pid");
    const [w, k] = r.scenarios;
    expect(w).toMatchObject({ id: "t/wrong", family: "t", status: "fail", reason: null });
    expect(w.findings[0]).toMatchObject({
      kind: "expect",
      verdict: "failure",
      divergence: null,
      step: 0,
      expected: "EEXIST",
      actual: "OK",
    });
    expect(k.findings[0]).toMatchObject({
      verdict: "known",
      divergence: { id: "twin-errno", status: "known", file: "test.yaml" },
    });
    expect(w.sides[0]).toMatchObject({ backend: "twin", release: "twin" });
    expect(Object.keys(w.sides[0].normalization)).toContain("foreign-interfaces");
    expect(r.scenarios[3]).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/no trace recorded/),
    });
    // JSON-safe: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("JUnit: a suite per family, failures, skips and known divergences in system-out, escaped", async () => {
    const xml = renderJunit(buildReport("run", ["twin"], await results()));
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="inconf run" tests="4" failures="1" errors="0" skipped="1">/,
    );
    expect(xml).toContain('<testsuite name="t (twin)" tests="2" failures="1" errors="0" skipped="0"');
    expect(xml).toMatch(
      /<testcase classname="t" name="t\/wrong" time="[\d.]+">\n {6}<failure message="errno: expected EEXIST, got OK">/,
    );
    expect(xml).toMatch(/<system-out>\[known twin-errno\]/);
    expect(xml).toMatch(/<testcase classname="u" name="u\/fine" time="[\d.]+"\/>/);
    expect(xml).toMatch(/<skipped message="no trace recorded/);
    expect(xml).not.toContain("<wrong>");
  });

  it("Markdown and HTML show both sides of each finding and the rules; HTML escapes", async () => {
    const r = buildReport("run", ["twin"], await results());
    const md = renderMarkdown(r);
    expect(md).toContain("## t/wrong — fail");
    expect(md).toContain("| expected | actual (twin) |");
    expect(md).toContain("| `EEXIST` | `OK` |");
    expect(md).toContain("- **rtm-pid**:");
    const html = renderHtml(r);
    expect(html).toContain("A &lt;wrong&gt; expectation &amp; more");
    expect(html).toContain("<th>expected</th><th>actual (twin)</th>");
    expect(html).toContain("<pre>EEXIST</pre>");
    expect(html).not.toContain("<wrong>");
  });

  it("text: one line per scenario, failing details side by side, a summary", async () => {
    // Colours are on where the environment asks for them (CI=true); the layout is what is checked.
    const text = stripVTControlCharacters(renderText(buildReport("run", ["twin"], await results())));
    expect(text).toMatch(/✗ fail\s+t\/wrong/);
    expect(text).toMatch(/≈ known\s+t\/known/);
    expect(text).toMatch(/EEXIST\s+\| OK/);
    expect(text).toMatch(
      /4 scenarios on twin: .*1 passed.*1 known divergences.*1 failed.*1 skipped.*0 errors/,
    );
  });

  it("text: a sysctl's differing values decoded by its type, hex beside them", async () => {
    const p = scenario("t/sysctl-diff", "sysctl diff", (s) => {
      s.nic("vtnet1");
      s.sysctl("net.link.ether.inet.max_age");
    });
    const twin = createTwinBackend();
    // The same run with the old value read back as 1199 instead of 1200.
    const other: Backend = {
      name: "other",
      close: async () => {},
      run: async (ops, prog) => {
        const t = await createTwinBackend().run(ops, prog);
        const i = ops.findIndex((o) => o.op === "sysctl");
        t.results[i] = { ...t.results[i], data: "af040000" };
        return t;
      },
    };
    const text = stripVTControlCharacters(
      renderText(buildReport("diff", ["twin", "other"], await compare([p], twin, other, []))),
    );
    expect(text).toMatch(/1200 \(int, hex b0040000\)\s+\| 1199 \(int, hex af040000\)/);
  });
});
