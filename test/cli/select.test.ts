import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/exit.ts";
import { exitCodeOf } from "../../src/cli/outputs.ts";
import { idMatches, selectPrograms } from "../../src/cli/select.ts";
import { buildReport } from "../../src/harness/report-json.ts";
import { scenario } from "../../src/harness/scenario.ts";
import type { ScenarioResult } from "../../src/harness/runner.ts";

const prog = (id: string) =>
  scenario(id, id, (s) => {
    s.nic("vtnet1");
    s.sleep(1);
  });

describe("selecting programs", () => {
  it("ids match exactly, by glob, or by family prefix", () => {
    expect(idMatches("addr/replace", "addr/replace")).toBe(true);
    expect(idMatches("addr", "addr/replace")).toBe(true);
    expect(idMatches("addr/", "addr/replace")).toBe(true);
    expect(idMatches("add", "addr/replace")).toBe(false);
    expect(idMatches("*/replace", "addr/replace")).toBe(true);
  });

  it("reads program files, folders of them (not traces), and filters", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-sel-"));
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "a.json"), JSON.stringify(prog("t/a")));
    await writeFile(join(dir, "sub", "b.json"), JSON.stringify(prog("t/b")));
    await writeFile(join(dir, "sub", "b.trace.json"), "{}");
    expect((await selectPrograms([dir])).map((p) => p.id)).toEqual(["t/a", "t/b"]);
    expect((await selectPrograms([dir], "t/b")).map((p) => p.id)).toEqual(["t/b"]);
    expect((await selectPrograms([join(dir, "a.json")])).map((p) => p.id)).toEqual(["t/a"]);
  });

  it("orders a folder's files naturally: h2 before h10", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inconf-sel-"));
    for (const n of ["h10", "h2", "h1", "h11"])
      await writeFile(join(dir, `${n}.json`), JSON.stringify(prog(`t/${n}`)));
    expect((await selectPrograms([dir])).map((p) => p.id)).toEqual(["t/h1", "t/h2", "t/h10", "t/h11"]);
  });

  it("the registry by default; unknown targets and empty selections are usage errors", async () => {
    expect((await selectPrograms([])).length).toBeGreaterThanOrEqual(11);
    await expect(selectPrograms(["no/such-thing"])).rejects.toBeInstanceOf(CliError);
    await expect(selectPrograms([], "zzz-nothing")).rejects.toThrow(
      /no scenario matches --filter "zzz-nothing"/,
    );
  });
});

describe("exit codes from a report", () => {
  const result = (status: ScenarioResult["status"]): ScenarioResult => ({
    program: prog("t/x"),
    status,
    sides: [],
    findings: [],
    durationMs: 0,
  });
  const code = (...st: ScenarioResult["status"][]) =>
    exitCodeOf(buildReport("run", ["twin"], st.map(result)));

  it("0 for passes and known divergences, 1 for failures or errors, 3 when everything was skipped", () => {
    expect(code("pass", "known", "skipped")).toBe(0);
    expect(code("pass", "fail")).toBe(1);
    expect(code("error")).toBe(1);
    expect(code("skipped", "skipped")).toBe(3);
  });
});
