import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

// picocolors decides on colour when it is first loaded, and CI=true turns it on: plain text
// for the assertions below, set before the CLI (and picocolors) load.
process.env.NO_COLOR = "1";
const { runCli } = await import("../../src/cli/main.ts");

/** A stream that keeps what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** The whole command in-process, as the bin runs it but without a process per case. */
async function inconf(...args: string[]) {
  const out = collector();
  const err = collector();
  const exitCode = await runCli(args, { stdout: out.stream, stderr: err.stream });
  return { exitCode, stdout: out.text(), stderr: err.text() };
}

/** Runs the real bin, as a user would: the few cases that keep bin/inconf.js itself covered. */
function bin(...args: string[]) {
  return execa("node", ["bin/inconf.js", ...args], { reject: false, env: { NO_COLOR: "1" } });
}

// Each case starts the real bin (tsx compiles on the fly), so they get more time than unit tests.
describe("bin/inconf.js", { timeout: 120_000 }, () => {
  it("--help teaches with examples and exit codes", async () => {
    const r = await bin("--help");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("inconf diff --a twin --b replay:10.4-RELEASE");
    expect(r.stdout).toContain("3 backend unavailable");
    // The bin ran from its esbuild bundle (a failed build falls back to tsx silently).
    const cache = JSON.parse(await readFile("node_modules/.cache/inconf/cli.json", "utf8")) as {
      bundle: string;
      inputs: Record<string, string>;
    };
    expect(Object.keys(cache.inputs)).toContain("src/cli/main.ts");
    expect((await stat(join("node_modules/.cache/inconf", cache.bundle))).size).toBeGreaterThan(0);
  });

  it("exit 2 on an unknown command", async () => {
    const r = await bin("frobnicate");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("run on the twin: 0 and a JSON report, JUnit and Markdown files, pcaps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-cli-"));
    const junit = join(dir, "j.xml");
    const md = join(dir, "r.md");
    const pcap = join(dir, "pcap");
    const r = await bin(
      "run",
      "arp/static-add",
      "arp/answer-request",
      "--json",
      "--junit",
      junit,
      "--report",
      md,
      "--pcap-dir",
      pcap,
    );
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as { format: string; summary: { total: number; pass: number } };
    expect(report.format).toBe("inconf-report/1");
    expect(report.summary.total).toBe(report.summary.pass);
    expect(await readFile(junit, "utf8")).toContain("<testsuites");
    expect(await readFile(md, "utf8")).toContain("# inconf run: twin");
    expect((await stat(join(pcap, "arp", "answer-request", "twin", "vtnet1.pcap"))).size).toBeGreaterThan(24);
  });
});

describe("inconf CLI (in-process)", () => {
  it("--help goes to stdout with exit 0", async () => {
    const r = await inconf("--help");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stderr).toBe("");
  });

  it("list prints ids; --json is machine-readable", async () => {
    const r = await inconf("list", "--json");
    expect(r.exitCode).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; steps: number }[];
    expect(list.map((x) => x.id)).toContain("addr/replace");
    expect((await inconf("list", "arp")).stdout).toMatch(/^arp\/static-add\s+\d+\s+arp -s/m);
  });

  it("exit 1 on a failing expectation, with the finding in the text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-cli-"));
    const file = join(dir, "p.json");
    const p = JSON.parse((await inconf("show", "addr/delete-missing", "--program")).stdout) as {
      steps: { expect?: object }[];
    };
    p.steps[1].expect = { errno: "OK" };
    await writeFile(file, JSON.stringify(p));
    const r = await inconf("run", file);
    const e = await inconf("exec", file);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/FAIL errno: expected OK, got EADDRNOTAVAIL/);
    expect(e.exitCode).toBe(1);
    expect(e.stdout).toContain("ioctl SIOCDIFADDR");
  });

  it("exit 2 on usage and input errors, naming file:step:field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-cli-"));
    const file = join(dir, "broken.json");
    const p = JSON.parse((await inconf("show", "addr/replace", "--program")).stdout) as {
      steps: Record<string, unknown>[];
    };
    p.steps[2] = { ...p.steps[2], args: { addr: "10.0.0.999/24" } };
    await writeFile(file, JSON.stringify(p));
    const r = await inconf("exec", file);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}: invalid program`);
    expect(r.stderr).toMatch(/step 2 \(ioctl\): args\.addr: /);
    const noScenario = await inconf("run", "no-such-scenario");
    const badReport = await inconf("run", "--report", join(dir, "r.txt"));
    const badCommand = await inconf("frobnicate");
    const missingOption = await inconf("diff", "--a", "twin");
    const replayNoRelease = await inconf("run", "--backend", "replay");
    const twinIntoReference = await inconf("run", "addr/replace", "--save-traces", "reference/twin");
    expect(noScenario.exitCode).toBe(2);
    expect(noScenario.stderr).toMatch(/"no-such-scenario" is neither a program file nor a scenario id/);
    expect(badReport.exitCode).toBe(2);
    expect(badReport.stderr).toMatch(/must end in \.md or \.html/);
    expect(badCommand.exitCode).toBe(2);
    expect(missingOption.exitCode).toBe(2);
    expect(replayNoRelease.exitCode).toBe(2);
    expect(replayNoRelease.stderr).toMatch(/replay needs a release/);
    expect(twinIntoReference.exitCode).toBe(2);
    expect(twinIntoReference.stderr).toMatch(/holds only traces recorded on a real FreeBSD/);
  });

  it("exit 3 when the backend has nothing to run (no traces for that release)", async () => {
    const r = await inconf("run", "addr/replace", "--backend", "replay:0.0-NONE");
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/skipped addr\/replace/);
  });

  it("exit 3 with one message when the --image file is missing, before any scenario runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-cli-"));
    const missing = join(dir, "FreeBSD-10.4-RELEASE-amd64.qcow2");
    const r = await inconf("run", "addr/replace", "lo", "--backend", "freebsd", "--image", missing);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`inconf: backend freebsd unavailable: --image ${missing}: no such image file\n`);
  });

  it("show --ops prints the lowered ops a backend executes", async () => {
    const r = await inconf("show", "arp/static-add", "--ops");
    expect(r.exitCode).toBe(0);
    const ops = JSON.parse(r.stdout) as { op: string }[];
    expect(ops[0]).toEqual({ op: "nic", name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" });
    expect(ops.map((o) => o.op)).toContain("rtsock_write");
    expect(ops.at(-1)).toEqual({ op: "checkpoint", label: "end" });
  });

  it("diff against a twin-made fixture: the replay backend refuses it outside tests", async () => {
    const r = await inconf(
      "diff",
      "addr/delete-missing",
      "--a",
      "twin",
      "--b",
      "replay:twin-made",
      "--reference-dir",
      "test/fixtures/traces",
      "--json",
    );
    // The replay backend refuses twin-made traces outside tests: an error result, exit 1.
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as { scenarios: { status: string; reason: string }[] };
    expect(report.scenarios[0]).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/made by the twin/),
    });
  });
});

describe("programs that could pass while checking nothing are usage errors (exit 2)", () => {
  const base = {
    format: "inconf-program/1",
    id: "t/vacuous",
    title: "vacuous",
    family: "t",
    cites: [],
    nics: [{ name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" }],
  };
  const up = { op: "ifflags", ifname: "vtnet1", set: ["IFF_UP"], clear: [] };
  const add = { op: "ioctl", cmd: "SIOCAIFADDR", ifname: "vtnet1", args: { addr: "10.0.0.1/24" } };
  const cases: [string, object, RegExp][] = [
    [
      "host bits in a route key",
      { ...add, expect: { routes: [{ dst: "10.0.0.1/24", absent: true }] } },
      /step 1 \(ioctl\): expect\.routes\.0\.dst: .*did you mean 10\.0\.0\.0\/24\?/,
    ],
    [
      "a misspelt frame field",
      { ...add, expect: { frames: [{ where: { "arp.opcode": 1 }, count: 0 }] } },
      /step 1 \(ioctl\): expect\.frames\.0\.where\.arp\.opcode: .*did you mean arp\.operation\?/,
    ],
    [
      "an unknown RTM type with absent",
      { ...add, expect: { rtsock: [{ type: "RTM_NEWADR", absent: true }] } },
      /step 1 \(ioctl\): expect\.rtsock\.0\.type: .*did you mean RTM_NEWADDR\?/,
    ],
    [
      "an undeclared NIC",
      { ...add, ifname: "vtnet9" },
      /step 1 \(ioctl\): ifname: "vtnet9" is not an interface of this program/,
    ],
    [
      "a misspelt errno",
      { ...add, expect: { errno: "EADDRNOTAVIL" } },
      /step 1 \(ioctl\): expect\.errno: .*did you mean EADDRNOTAVAIL\?/,
    ],
    [
      "an unknown ioctl",
      { ...add, cmd: "SIOCAIFADR" },
      /step 1 \(ioctl\): cmd: .*did you mean SIOCAIFADDR\?/,
    ],
  ];
  for (const [what, step, message] of cases) {
    it(`${what}: run, list and exec refuse the file, naming file, step and field`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "inconf-vac-"));
      const file = join(dir, "p.json");
      await writeFile(file, JSON.stringify({ ...base, steps: [up, step] }));
      for (const cmd of ["run", "list", "exec"]) {
        const r = await inconf(cmd, file);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toContain(`${file}: invalid program`);
        expect(r.stderr).toMatch(message);
      }
    });
  }

  it("list and run accept the same targets: a folder lists and runs the same programs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-same-"));
    for (const n of ["h2", "h10"])
      await writeFile(join(dir, `${n}.json`), JSON.stringify({ ...base, id: `t/${n}`, steps: [up, add] }));
    const list = JSON.parse((await inconf("list", dir, "--json")).stdout) as { id: string }[];
    // An empty reference folder: no catalogue, nothing else read.
    const run = JSON.parse((await inconf("run", dir, "--json", "--reference-dir", dir)).stdout) as {
      scenarios: { id: string }[];
    };
    expect(list.map((p) => p.id)).toEqual(["t/h2", "t/h10"]);
    expect(run.scenarios.map((s) => s.id)).toEqual(list.map((p) => p.id));
  });
});

describe("show prints values decoded", () => {
  it("sysctl values by their type, with the hex beside them", async () => {
    const ref = await mkdtemp(join(tmpdir(), "inconf-ref-"));
    const r = await inconf("show", "addr/no-same-prefix-sysctl", "--reference-dir", ref);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("sysctl net.inet.ip.no_same_prefix = 1 (int, hex 01000000) → OK");
    expect(r.stdout).toContain("old value 1 (int, hex 01000000)");
  });

  it("-v: what each ioctl copied out, its fields decoded and as hex", async () => {
    const ref = await mkdtemp(join(tmpdir(), "inconf-ref-"));
    const r = await inconf("show", "addr/delete-missing", "-v", "--reference-dir", ref);
    // SIOCDIFADDR's ifreq read as ifr_addr, SIOCAIFADDR's in_aliasreq, ifflags' ifreq as flags.
    expect(r.stdout).toContain("copyout ifreq vtnet1 ifr_addr 10.0.0.9 (len 16, family 2)");
    expect(r.stdout).toContain("hex 76746e65743100000000000000000000100200000a0000090000000000000000");
    expect(r.stdout).toMatch(/copyout vtnet1 addr 10\.0\.0\.1 mask 255\.255\.255\.0/);
    const flags = await inconf("show", "addr/replace", "-v", "--reference-dir", ref);
    expect(flags.stdout).toMatch(/copyout ifreq vtnet1 ifr_flags <UP,/);
    const plain = await inconf("show", "addr/delete-missing", "--reference-dir", ref);
    expect(plain.stdout).not.toContain("copyout");
  });
});
