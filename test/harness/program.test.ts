import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerProgram } from "../../src/harness/lower.ts";
import { loadProgramFile, parseProgram, PROGRAM_FORMAT, ProgramError } from "../../src/harness/program.ts";
import { scenario } from "../../src/harness/scenario.ts";

const base = {
  format: PROGRAM_FORMAT,
  id: "addr/x",
  title: "x",
  family: "addr",
  cites: [],
  nics: [{ name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" }],
};

function problems(input: unknown, file = "p.json"): string[] {
  try {
    parseProgram(input, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ProgramError);
    expect((e as ProgramError).message.startsWith(`${file}: invalid program`)).toBe(true);
    return [...(e as ProgramError).problems];
  }
  throw new Error("expected the program to be rejected");
}

describe("program schema", () => {
  it("accepts what the builder makes", () => {
    const p = scenario("addr/ok", "ok", (s) => {
      s.nic("vtnet1");
      s.aifaddr("vtnet1", "10.0.0.1/24").expect({ errno: "OK" });
    });
    expect(p.format).toBe(PROGRAM_FORMAT);
    expect(p.family).toBe("addr");
    expect(p.nics).toEqual([{ name: "vtnet1", driver: "vtnet", mac: "02:00:00:00:00:01" }]);
    expect(p.steps[0]).toMatchObject({
      op: "ioctl",
      cmd: "SIOCAIFADDR",
      ifname: "vtnet1",
      args: { addr: "10.0.0.1/24" },
    });
  });

  it("names the step index, op and field of a bad address", () => {
    const ps = problems({
      ...base,
      steps: [
        { op: "sleep", seconds: 1 },
        { op: "ioctl", cmd: "SIOCAIFADDR", ifname: "vtnet1", args: { addr: "10.0.0.300" } },
      ],
    });
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatch(/^step 1 \(ioctl\): args\.addr: /);
  });

  it("names an unknown step kind and an unknown field", () => {
    const ps = problems({ ...base, steps: [{ op: "frobnicate" }, { op: "sleep", seconds: 1, extra: true }] });
    expect(ps.some((p) => p.startsWith("step 0 (frobnicate)"))).toBe(true);
    expect(ps.some((p) => p.startsWith("step 1 (sleep)") && p.includes("extra"))).toBe(true);
  });

  it("refuses a MAC on tun and a missing one on vtnet", () => {
    expect(
      problems({ ...base, nics: [{ name: "tun0", driver: "tun", mac: "02:00:00:00:00:01" }], steps: [] })[0],
    ).toMatch(/^nics\.0\.mac: /);
    expect(problems({ ...base, nics: [{ name: "vtnet1", driver: "vtnet" }], steps: [] })[0]).toMatch(
      /^nics\.0\.mac: /,
    );
  });

  it("rejects a wrong format tag at the top level", () => {
    expect(problems({ ...base, format: "inconf-program/0", steps: [] })[0]).toMatch(/^format: /);
  });

  it("reports files that are not JSON or missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-"));
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ nope");
    await expect(loadProgramFile(bad)).rejects.toThrow(/bad\.json: invalid program\n {2}not JSON/);
    await expect(loadProgramFile(join(dir, "missing.json"))).rejects.toThrow(
      /missing\.json: invalid program\n {2}cannot read/,
    );
  });

  it("lowering errors are located as file:step:field", () => {
    const p = parseProgram(
      {
        ...base,
        steps: [
          { op: "route", dst: "10.0.0.0/24" },
          {
            op: "ioctl",
            cmd: "SIOCAIFADDR",
            ifname: "vtnet1",
            args: { broadaddr: "10.0.0.255", dstaddr: "10.0.0.2" },
          },
        ],
      },
      "x.json",
    );
    let err: unknown;
    try {
      lowerProgram(p, "x.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProgramError);
    const ps = (err as ProgramError).problems;
    expect((err as ProgramError).file).toBe("x.json");
    expect(ps[0]).toMatch(/^step 0 \(route\): type: required/);
    expect(ps[1]).toMatch(/^step 1 \(ioctl\): args\.dstaddr: broadaddr and dstaddr share one slot/);
  });
});
