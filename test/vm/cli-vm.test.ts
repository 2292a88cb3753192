// `inconf vm ...` commands as registered on a commander program (no VM needed): listing the
// catalogue, and fetch's errors for bad usage and for an unreachable mirror.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerVmCommands } from "../../src/cli/vm.ts";
import { CliError, EXIT, type ExitCode } from "../../src/cli/exit.ts";
import { freeTcpPort } from "../../src/vm/host.ts";

async function run(args: string[]): Promise<{ code: ExitCode | null; out: string; error: unknown }> {
  let code: ExitCode | null = null;
  const program = new Command("inconf").exitOverride();
  registerVmCommands(program, (c) => (code = c));
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  let error: unknown = null;
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  } finally {
    spy.mockRestore();
  }
  return { code, out, error };
}

describe("inconf vm commands", () => {
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "inconf-cli-"));
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it("lists the catalogue with cache state", async () => {
    const r = await run(["vm", "list", "--cache-dir", cache]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/10\.4-RELEASE +vm +qcow2 +not cached/);
    expect(r.out).toMatch(/11\.0-RELEASE/);
    expect(r.out).toMatch(/14\.\d-RELEASE +basic-ci +raw/);
  });

  it("needs a release to fetch", async () => {
    const r = await run(["vm", "fetch"]);
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).code).toBe(EXIT.usage);
  });

  it("exits 'unavailable' with advice when the mirror cannot be reached", async () => {
    const r = await run([
      "vm",
      "fetch",
      "--release",
      "11.0",
      "--mirror",
      `http://127.0.0.1:${await freeTcpPort()}/`, // free: nothing listens there
      "--cache-dir",
      cache,
    ]);
    expect(r.error).toBeInstanceOf(CliError);
    expect((r.error as CliError).code).toBe(EXIT.unavailable);
    expect((r.error as Error).message).toMatch(
      /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*--image PATH/,
    );
  });
});
