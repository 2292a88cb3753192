import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backends/backend.ts";
import { createTwinBackend } from "../../src/backends/twin.ts";
import { createKernel } from "../../src/backends/twin-kernel.ts";
import { IN_ALIASREQ_SIZE } from "../../src/abi/in.ts";
import { EINVAL } from "../../src/abi/errno.ts";
import { SIOCAIFADDR } from "../../src/abi/sockio.ts";
import { explore } from "../../src/explore/explore.ts";
import { generateProgram } from "../../src/explore/generate.ts";
import { mutateProgram } from "../../src/explore/mutate.ts";
import { Rng } from "../../src/explore/rng.ts";
import { shrink } from "../../src/explore/shrink.ts";
import { lowerProgram } from "../../src/harness/lower.ts";
import { loadProgramFile, parseProgram, type Program } from "../../src/harness/program.ts";
import { compare } from "../../src/harness/runner.ts";

const GEN = { maxSteps: 12, guest: false };

describe("generator", () => {
  it("makes Programs the harness's loader accepts and lowers, for the twin and for a guest", () => {
    for (let seed = 0; seed < 300; seed++) {
      const p = generateProgram(new Rng(seed), `explore/s${seed}`, { ...GEN, guest: seed % 2 === 0 });
      expect(() => parseProgram(JSON.parse(JSON.stringify(p)), p.id)).not.toThrow();
      expect(() => lowerProgram(p)).not.toThrow();
      expect(p.steps.length).toBeLessThanOrEqual(GEN.maxSteps);
    }
  });

  it("is deterministic in its seed", () => {
    const one = (s: number) => JSON.stringify(generateProgram(new Rng(s), "explore/x", GEN));
    expect(one(42)).toBe(one(42));
    expect(one(42)).not.toBe(one(43));
  });

  it("reaches every step kind, malformed sockaddrs, credentials and raw bytes", () => {
    const text = Array.from({ length: 400 }, (_, s) =>
      JSON.stringify(generateProgram(new Rng(s), "explore/x", GEN)),
    ).join("\n");
    for (const op of [
      "ioctl",
      "ifflags",
      "ifcreate",
      "ifdestroy",
      "sysctl",
      "route",
      "inject",
      "sleep",
      "observe",
    ])
      expect(text).toContain(`"op":"${op}"`);
    for (const needle of [
      '"cmd":"SIOCAIFADDR"',
      '"cmd":"SIOCDIFADDR"',
      '"cmd":"SIOCSIFNETMASK"',
      '"cmd":"SIOCSIFBRDADDR"',
      '"cmd":"SIOCSIFDSTADDR"',
      '"cmd":"SIOCGIFADDR"',
      '"len":0',
      '"family":',
      "/31",
      "/32",
      '"dstaddr"',
      '"lladdr"',
      '"kind":"garp"',
      '"kind":"hex"',
      '"jail"',
      '"uid":1001',
      '"hex":',
    ])
      expect(text).toContain(needle);
  });

  it("keeps guests' raw ioctls to in_control's commands and their sleeps short", () => {
    for (let seed = 0; seed < 200; seed++) {
      const p = generateProgram(new Rng(seed), "explore/x", { ...GEN, guest: true });
      const slept = p.steps.reduce((t, s) => t + (s.op === "sleep" ? s.seconds : 0), 0);
      expect(slept).toBeLessThanOrEqual(6);
      for (const s of p.steps)
        if (s.op === "ioctl" && s.hex !== undefined)
          expect(typeof s.cmd === "number" && s.cmd > 0).toBe(true);
    }
  });

  it("mutants are valid Programs too", () => {
    const r = new Rng(5);
    let p = generateProgram(r, "explore/m", GEN);
    for (let i = 0; i < 200; i++) {
      p = mutateProgram(r, p, `explore/m${i}`, GEN);
      expect(() => lowerProgram(p)).not.toThrow();
    }
  });
});

describe("shrinker", () => {
  it("reduces to the one step an oracle needs, and drops what that step does not use", async () => {
    const p = generateProgram(new Rng(9), "explore/x", { maxSteps: 12, guest: false });
    const needle = p.steps.length >> 1;
    const target = JSON.stringify({ ...p.steps[needle], as: undefined });
    const keep = (q: Program) => q.steps.some((s) => JSON.stringify({ ...s, as: undefined }) === target);
    const { program } = await shrink(p, async (q) => keep(q));
    expect(program.steps).toHaveLength(1);
    expect(program.sysctls).toBeUndefined();
  });
});

/** The twin with one planted bug (here, never in src/): SIOCAIFADDR with a /31 mask fails with
 * EINVAL, where the real twin (and FreeBSD) accept a /31 like any other mask. */
function plantedTwin(): Backend {
  const twin = createTwinBackend({
    makeKernel: async (o) => {
      const k = await createKernel(o);
      return {
        attachNic: (driver, name, mac) => k.attachNic(driver, name, mac),
        ioctl: (cred, cmd, data) => {
          // in_aliasreq (10.4 netinet/in_var.h): ifra_name, ifra_addr, ifra_broadaddr, then
          // ifra_mask at 48, its sin_addr 4 bytes in.
          const mask = data.length >= 56 ? new DataView(data.buffer, data.byteOffset).getUint32(52) : 0;
          if (cmd === SIOCAIFADDR && data.length === IN_ALIASREQ_SIZE && mask === 0xfffffffe)
            return { errno: EINVAL, data };
          return k.ioctl(cred, cmd, data);
        },
        sysctl: (cred, name, value) => k.sysctl(cred, name, value),
        routeSocketOpen: () => k.routeSocketOpen(),
        inject: (ifname, frame) => k.inject(ifname, frame),
        get transmitted() {
          return k.transmitted;
        },
        advance: (seconds) => k.advance(seconds),
        uptime: () => k.uptime(),
        checkInvariants: () => k.checkInvariants(),
      };
    },
  });
  return { ...twin, name: "twin-planted" };
}

describe("explore", () => {
  it("finds nothing twin against twin", async () => {
    const s = await explore({
      a: createTwinBackend(),
      b: createTwinBackend(),
      seed: 1,
      count: 150,
      gen: GEN,
      catalogue: [],
      shrinkBudget: 100,
      maxFindings: 1,
      command: "test",
    });
    expect(s.programs).toBe(150);
    expect(s.divergences).toBe(0);
    expect(s.findings).toEqual([]);
  });

  it("finds a planted twin bug and shrinks it to at most 3 steps, written as a replayable Program", async () => {
    const out = await mkdtemp(join(tmpdir(), "inconf-explore-"));
    const b = plantedTwin();
    const s = await explore({
      a: createTwinBackend(),
      b,
      seed: 1,
      count: 400,
      gen: GEN,
      catalogue: [],
      shrinkBudget: 500,
      maxFindings: 1,
      outDir: out,
      command: "test",
      reopenB: async () => plantedTwin(),
    });
    expect(s.findings).toHaveLength(1);
    const [f] = s.findings;
    expect(f.signature).toMatchObject({ kind: "errno", op: "ioctl SIOCAIFADDR" });
    expect(f.shrunk.steps.length).toBeLessThanOrEqual(3);
    expect(f.confirmed).toBe(true);
    expect(f.shrunk.steps.length).toBeLessThan(f.original.steps.length + 1);
    // The file is a valid Program that still shows the divergence when diffed again.
    const files = await readdir(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^errno-ioctl-SIOCAIFADDR-[0-9a-f]{10}\.json$/);
    const p = await loadProgramFile(join(out, files[0]));
    expect(p.cites.join(" ")).toContain("reproduce: inconf diff");
    const [r] = await compare([p], createTwinBackend(), plantedTwin(), []);
    expect(r.status).toBe("fail");
    expect(r.findings.map((x) => x.key.kind)).toContain("errno");
  });
});

describe("inconf explore (the command)", () => {
  it("runs twin against twin with coverage guidance and writes report.json", async () => {
    const out = await mkdtemp(join(tmpdir(), "inconf-explore-cli-"));
    const r = await execa(
      "npx",
      ["tsx", "src/cli/main.ts", "explore", "--b", "twin", "--seed", "2", "--count", "60", "--out", out],
      { reject: false, env: { NO_COLOR: "1" } },
    );
    expect(r.stderr).toContain("inconf explore --a twin --b twin --seed 2 --count 60");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("no divergences");
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(report.format).toBe("inconf-report/1");
    expect(report.explore.programs).toBe(60);
    expect(report.explore.branches).toBeGreaterThan(100);
    expect(report.explore.corpus).toBeGreaterThan(0);
  });
});
