import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createReplayBackend, readTrace, traceFile } from "../../src/backends/replay.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { KernelPanic, type TwinKernel } from "../../src/backends/twin-kernel.ts";
import { decodeTrace } from "../../src/harness/decode.ts";
import { lower } from "../../src/harness/lower.ts";
import { traceCaptures, writeTracePcaps } from "../../src/harness/pcaps.ts";
import { buildReport } from "../../src/harness/report-json.ts";
import { renderJunit } from "../../src/harness/report-junit.ts";
import { renderText } from "../../src/harness/report-text.ts";
import { exitCodeOf } from "../../src/cli/outputs.ts";
import { compare, conform } from "../../src/harness/runner.ts";
import { scenario } from "../../src/harness/scenario.ts";
import { readPcap } from "../../src/wire/pcap.ts";
import { isWireError } from "../../src/wire/error.ts";
import { allScenarios } from "../../suites/index.ts";
import type { RawTrace } from "../../src/harness/ops.ts";

const byId = (id: string) => {
  const p = allScenarios().find((x) => x.id === id);
  if (p === undefined) throw new Error(`no scenario ${id}`);
  return p;
};

async function twinTrace(id: string): Promise<RawTrace> {
  const p = byId(id);
  return createTwinBackend().run(lower(p), p);
}

async function storeTrace(root: string, release: string, trace: RawTrace): Promise<string> {
  const file = traceFile(root, release, trace.program);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(trace));
  return file;
}

describe("twin backend", () => {
  it("records one result per op, the twin's provenance and the ops themselves", async () => {
    const t = await twinTrace("addr/delete-missing");
    expect(t.format).toBe("inconf-trace/1");
    expect(t.provenance.release).toBe("twin");
    expect(t.results).toHaveLength(t.ops.length);
    expect(t.ops).toEqual(lower(byId("addr/delete-missing")));
    expect(t.results.at(-1)?.dumps?.uptime).toBeTypeOf("number");
  });

  it("a failed twin invariant makes the scenario an error, never a pass", async () => {
    const fake: TwinKernel = {
      attachNic: () => 0,
      ioctl: (_c, _cmd, data) => ({ errno: 0, data }),
      sysctl: () => ({ errno: 0, out: new Uint8Array(0) }),
      routeSocketOpen: () => ({ read: () => [], write: () => 0, close: () => {} }),
      inject: () => 0,
      transmitted: [],
      advance: () => {},
      uptime: () => 0,
      checkInvariants: () => ["ifa_refcnt 3, holders 2"],
    };
    const backend = createTwinBackend({ makeKernel: async () => fake });
    const [r] = await conform([byId("addr/delete-missing")], backend, []);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/twin invariant failed after op 0 \(nic\): ifa_refcnt 3, holders 2/);
    // The ops before the failure (none here) stay in the result for `inconf show`.
    expect(r.sides.map((x) => [x.backend, x.trace.ops.length, x.trace.results.length])).toEqual([
      ["twin", 0, 0],
    ]);
  });
});

describe("a kernel panic is its own outcome", () => {
  /** A kernel that panics on its first ioctl, with a message as the twin's cite their source. */
  const panicking = (): TwinKernel => ({
    attachNic: () => 0,
    ioctl: () => {
      throw new KernelPanic("fake.c:1 dereferences NULL");
    },
    sysctl: () => ({ errno: 0, out: new Uint8Array(0) }),
    routeSocketOpen: () => ({ read: () => [], write: () => 0, close: () => {} }),
    inject: () => 0,
    transmitted: [],
    advance: () => {},
    uptime: () => 0,
    checkInvariants: () => [],
  });
  const program = (expectPanic: boolean) =>
    scenario("t/panic", "panics", (s) => {
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect(expectPanic ? { panic: true } : { errno: "OK" });
      s.sleep(1);
    });

  it("unexpected: status panic, the cited source, the partial trace, exit 1 and a JUnit failure", async () => {
    const backend = createTwinBackend({ makeKernel: async () => panicking() });
    const [r] = await conform([program(false)], backend, []);
    expect(r.status).toBe("panic");
    expect(r.reason).toBe("the modelled FreeBSD kernel panics here: fake.c:1 dereferences NULL");
    expect(r.findings).toEqual([]);
    // The nic op ran; the panicking ioctl has no result.
    expect(r.sides.map((x) => [x.trace.ops.length, x.trace.results.length])).toEqual([[1, 1]]);
    const report = buildReport("run", ["twin"], [r]);
    expect(report.summary).toMatchObject({ total: 1, panic: 1, error: 0, fail: 0 });
    expect(exitCodeOf(report)).toBe(1);
    expect(renderText(report)).toContain("1 kernel panics");
    expect(renderJunit(report)).toContain('failures="1" errors="0"');
  });

  it("expected (expect.panic on the step that panics): a pass, later steps not run", async () => {
    const backend = createTwinBackend({ makeKernel: async () => panicking() });
    const [r] = await conform([program(true)], backend, []);
    expect(r.status).toBe("pass");
    expect(r.sides[0].trace.results).toHaveLength(1);
  });

  it("expect.panic on a step that completes is a failing expectation", async () => {
    const [r] = await conform([program(true)], createTwinBackend(), []);
    expect(r.status).toBe("fail");
    expect(r.findings.map((f) => f.finding.message)).toEqual(["panic: expected a kernel panic, got OK"]);
  });

  it("a diff whose twin side panics: a panic finding on that op, the ops before it diffed", async () => {
    const a = createTwinBackend({ makeKernel: async () => panicking() });
    const [r] = await compare([program(false)], a, createTwinBackend(), []);
    expect(r.status).toBe("fail");
    expect(r.findings.map((f) => [f.finding.kind, f.finding.opIndex, f.finding.message])).toEqual([
      ["panic", 1, "kernel panic only in a: fake.c:1 dereferences NULL"],
    ]);
    // Side a keeps its partial trace: the nic op ran, the panicking ioctl has no result.
    expect(r.sides[0].trace.results).toHaveLength(1);
  });

  it("the real twin: a negative vhid without carp panics (K1b's KernelPanic, seed in.c:423)", async () => {
    // The twin's in.ts (seed in.c): `vhid > 0 && carp_attach_p == NULL` is EPROTONOSUPPORT, but a
    // negative vhid gets past it to `if (vhid != 0)` and calls the NULL carp_attach_p.
    const p = (expectPanic: boolean) =>
      scenario("t/negative-vhid", "negative vhid", (s) => {
        s.nic("vtnet1");
        s.aifaddr("vtnet1", "10.0.0.1/24", { vhid: -1 }).expect(expectPanic ? { panic: true } : {});
      });
    const [unexpected, expected] = await conform([p(false), p(true)], createTwinBackend(), []);
    expect(unexpected.status).toBe("panic");
    expect(unexpected.reason).toMatch(/^the modelled FreeBSD kernel panics here: .*in\.c/);
    expect(expected.status).toBe("pass");
  });
});

describe("twin ops performed like the agent performs them", () => {
  it("ifflags is SIOCGIFFLAGS then SIOCSIFFLAGS; its data is the ifreq set", async () => {
    const p = scenario("t/up", "up", (s) => {
      s.nic("vtnet1");
      s.up("vtnet1");
    });
    const t = await createTwinBackend().run(lower(p), p);
    const i = t.ops.findIndex((o) => o.op === "ifflags");
    expect(t.results[i].errno).toBe(0);
    const ifr = Buffer.from(t.results[i].data ?? "", "hex");
    expect(ifr.subarray(0, 6).toString()).toBe("vtnet1");
    expect(ifr.readUInt16LE(16) & 0x1).toBe(1); // IFF_UP set in ifr_flags
  });

  it("an rtsock_write naming an interface that does not exist fails with ENXIO", async () => {
    const p = scenario("t/nxio", "nxio", (s) => {
      s.nic("vtnet1");
      s.arpSet({ missing: "vtnet9" }, "10.0.0.5", "02:00:00:00:00:55");
    });
    const t = await createTwinBackend().run(lower(p), p);
    expect(t.results[t.ops.findIndex((o) => o.op === "rtsock_write")].errno).toBe(6);
  });
});

describe("the first scenarios on the twin", () => {
  // The pipeline's first handful; the suites' own engineer tracks the rest against the catalogue.
  const FIRST = [
    "addr/add-basic",
    "addr/replace",
    "addr/delete-last",
    "addr/delete-missing",
    "addr/malformed-sockaddr",
    "addr/classful-mask",
    "ptp/dstaddr-required",
    "priv/unprivileged-aifaddr",
    "carp/vhid-without-carp",
    "arp/static-add",
    "arp/answer-request",
  ];

  it("the first handful of scenarios pass", async () => {
    const results = await conform(FIRST.map(byId), createTwinBackend(), []);
    const bad = results
      .filter((r) => r.status !== "pass")
      .map((r) => `${r.program.id}: ${r.reason ?? r.findings.map((f) => f.finding.message).join("; ")}`);
    expect(bad).toEqual([]);
    expect(results).toHaveLength(FIRST.length);
  });

  it("a wrong expectation fails (the checks can fail)", async () => {
    const p = scenario("t/wrong", "wrong on purpose", (s) => {
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({
        errno: "EEXIST",
        routes: [{ dst: "10.0.0.0/16" }],
        frames: [{ where: { "arp.operation": 2 } }],
        rtsock: ["RTM_DELETE"],
      });
    });
    const [r] = await conform([p], createTwinBackend(), []);
    expect(r.status).toBe("fail");
    expect(
      r.findings.map((f) => (f.finding.kind === "expect" ? f.finding.check : f.finding.kind)).sort(),
    ).toEqual(["errno", "frames", "routes", "rtsock"]);
  });
});

describe("replay backend (twin-made traces, for the format only)", () => {
  it("round-trips a twin trace: replaying it diffs clean against the twin", async () => {
    const root = await mkdtemp(join(tmpdir(), "inconf-replay-"));
    await storeTrace(root, "twin-made", await twinTrace("arp/answer-request"));
    const replay = createReplayBackend({ release: "twin-made", root, allowTwinMade: true });
    const [r] = await compare([byId("arp/answer-request")], createTwinBackend(), replay, []);
    expect(r.findings.map((f) => f.finding.message)).toEqual([]);
    expect(r.status).toBe("pass");
    expect(r.sides.map((s) => s.backend)).toEqual(["twin", "replay:twin-made"]);
  });

  it("a tampered replay is a finding", async () => {
    const root = await mkdtemp(join(tmpdir(), "inconf-replay-"));
    const t = await twinTrace("addr/delete-missing");
    const i = t.ops.findIndex((o) => o.op === "ioctl" && t.results[t.ops.indexOf(o)].errno !== 0);
    t.results[i].errno = 0;
    await storeTrace(root, "twin-made", t);
    const replay = createReplayBackend({ release: "twin-made", root, allowTwinMade: true });
    const [r] = await compare([byId("addr/delete-missing")], createTwinBackend(), replay, []);
    expect(r.status).toBe("fail");
    expect(r.findings[0].finding).toMatchObject({ kind: "errno", a: 49, b: 0 });
  });

  it("refuses twin-made traces unless allowed, traces without an image checksum, and stale ones", async () => {
    const root = await mkdtemp(join(tmpdir(), "inconf-replay-"));
    const p = byId("addr/delete-missing");
    const t = await twinTrace(p.id);
    await storeTrace(root, "R", t);
    const [twinMade] = await conform([p], createReplayBackend({ release: "R", root }), []);
    expect(twinMade.status).toBe("error");
    expect(twinMade.reason).toMatch(/was made by the twin; reference traces must come from a real FreeBSD/);

    await storeTrace(root, "R", {
      ...t,
      backend: "freebsd",
      provenance: { release: "10.4-RELEASE", uname: "FreeBSD 10.4", date: "x" },
    });
    const [noImage] = await conform([p], createReplayBackend({ release: "R", root }), []);
    expect(noImage.reason).toMatch(/lacks imageSha256/);

    await storeTrace(root, "R", {
      ...t,
      ops: t.ops.map((o) => (o.op === "sleep" ? { ...o, seconds: 9 } : o)).slice(1),
      results: t.results.slice(1),
    });
    const [stale] = await conform([p], createReplayBackend({ release: "R", root, allowTwinMade: true }), []);
    expect(stale.reason).toMatch(/recorded from different ops \(first difference at op 0\)/);

    const [missing] = await conform([byId("addr/replace")], createReplayBackend({ release: "R", root }), []);
    expect(missing.status).toBe("skipped");
    expect(missing.reason).toMatch(/no trace recorded for addr\/replace on R/);
  });

  it("the committed twin-made fixture still parses and decodes", async () => {
    const file = "test/fixtures/traces/twin-made/addr/delete-missing.trace.json";
    const t = readTrace(file, await readFile(file, "utf8"), true);
    expect(t.provenance.release).toBe("twin");
    const obs = decodeTrace(t, byId("addr/delete-missing"));
    const step1 = obs.ops.find((o) => o.origin.role === "step" && o.origin.step === 1);
    expect(step1?.errno).toBe(49); // EADDRNOTAVAIL
    expect(obs.ops.every((o) => o.decodeErrors.length === 0)).toBe(true);
  });
});

describe("pcaps", () => {
  it("one capture per interface with injected and emitted frames in order", async () => {
    const t = await twinTrace("arp/answer-request");
    const caps = traceCaptures(t);
    expect(caps.map((c) => c.ifname)).toEqual(["vtnet1"]);
    const injected = t.ops.find((o) => o.op === "inject");
    expect(caps[0].packets.length).toBeGreaterThanOrEqual(2);
    expect(
      Buffer.from(
        caps[0].packets.find(
          (pk) => Buffer.from(pk.bytes).toString("hex") === (injected as { frame: string }).frame,
        )?.bytes ?? [],
      ).length,
    ).toBeGreaterThan(0);
    const dir = await mkdtemp(join(tmpdir(), "inconf-pcap-"));
    const [path] = await writeTracePcaps(dir, t);
    expect(path).toBe(join(dir, "arp", "answer-request", "twin", "vtnet1.pcap"));
    const parsed = readPcap(new Uint8Array(await readFile(path)));
    if (isWireError(parsed)) throw new Error(parsed.message);
    expect(parsed.records.length).toBe(caps[0].packets.length);
  });
});
