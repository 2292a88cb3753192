// The agent line under damage: a few thousand requests (up to the largest the protocol allows)
// through a line that flips, drops, duplicates and inserts bytes and splits the stream at
// random, against the real C agent (its Linux lint build) and the stand-in agent. Every answer
// must be the right one, none may be lost, and the agent must have run each request exactly
// once. bench/line.ts runs the same for 100,000 requests.

import { execa } from "execa";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../src/vm/agent-client.ts";
import { serveStandin } from "../../src/vm/standin-agent.ts";
import { createKernel as createFakeKernel } from "./fake-kernel.ts";
import { noisyLine, stressLine } from "./noisy-line.ts";

const FAST = { ackTimeoutMs: 50, pollMs: 300, stallMs: 30 };
const ENOSYS = 38;
const ENXIO = 6;

const gcc = await execa("gcc", ["--version"], { reject: false }).catch(() => ({ exitCode: 1 }));
const noGcc = gcc.exitCode !== 0 ? "gcc not installed" : false;
if (noGcc) console.warn(`test/vm/agent-line: C agent part skipped: ${noGcc}`);

describe.skipIf(noGcc)("the C agent's line under damage (Linux lint build)", () => {
  let dir: string;
  let bin: string;
  const procs: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inconf-agent-line-"));
    bin = path.join(dir, "inconf-agent");
    await execa("gcc", [
      "-DINCONF_LINT_ON_LINUX",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-O1",
      "-o",
      bin,
      path.resolve(import.meta.dirname, "../../vm/agent/inconf-agent.c"),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 3000 requests right through a line that damages 2% of its pieces", async () => {
    const p = spawn(bin, ["-s", "0"]);
    procs.push(p);
    const line = noisyLine(p, 20261203, { rate: 0.02, cleanBytes: 80 });
    const agent = await AgentClient.start({ stdin: line.stdin, stdout: line.stdout }, 10_000, FAST);
    const r = await stressLine(agent, 3000, 42, ENOSYS);
    expect(r.firstProblem).toBeUndefined();
    expect({ wrong: r.wrong, lost: r.lost, ran: r.ran }).toEqual({ wrong: 0, lost: 0, ran: 3000 });
    // the run did reach the limit and the line did damage both directions
    expect(r.largest).toBeGreaterThan(20_000);
    expect(line.up.flipped + line.up.dropped + line.up.duplicated + line.up.inserted).toBeGreaterThan(20);
    expect(line.down.flipped + line.down.dropped + line.down.duplicated + line.down.inserted).toBeGreaterThan(
      20,
    );
    expect(agent.counters.resends).toBeGreaterThan(0);
  }, 120_000);

  it("still gets every answer when a tenth of the pieces are damaged", async () => {
    const p = spawn(bin, ["-s", "0"]);
    procs.push(p);
    const line = noisyLine(p, 7, { rate: 0.1, cleanBytes: 80 });
    const agent = await AgentClient.start({ stdin: line.stdin, stdout: line.stdout }, 10_000, FAST);
    const r = await stressLine(agent, 400, 43, ENOSYS);
    expect({ wrong: r.wrong, lost: r.lost, ran: r.ran }).toEqual({ wrong: 0, lost: 0, ran: 400 });
  }, 120_000);
});

describe("the stand-in agent's line under damage", () => {
  it("answers 2000 requests right and runs each once", async () => {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    const served = serveStandin(toAgent, fromAgent, createFakeKernel);
    const line = noisyLine({ stdin: toAgent, stdout: fromAgent }, 99, { rate: 0.02, cleanBytes: 80 });
    const agent = await AgentClient.start({ stdin: line.stdin, stdout: line.stdout }, 10_000, FAST);
    const r = await stressLine(agent, 2000, 44, ENXIO);
    expect(r.firstProblem).toBeUndefined();
    expect({ wrong: r.wrong, lost: r.lost, ran: r.ran }).toEqual({ wrong: 0, lost: 0, ran: 2000 });
    await agent.quit();
    await served;
  }, 120_000);
});
