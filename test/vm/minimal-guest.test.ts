// The minimal FreeBSD guest for real: the ISO built from vm/freebsd/10.4 (agent and init
// cross-compiled), a 10.4-seedin boot, the agent on its virtio-console line, a program through
// the VM backend, the seed kernel's garp_rexmit panic as a result, and the guest restarted
// after it. Needs qemu-system-x86, qemu-utils, clang, lld, grub-pc-bin, grub-common, xorriso and
// mtools (.ci/run installs them); skips naming what is missing otherwise.

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KernelPanicTraceError, type Backend } from "../../src/backends/backend.ts";
import { createMinimalBackend } from "../../src/backends/freebsd/minimal.ts";
import { decodeTrace } from "../../src/harness/decode.ts";
import { lower } from "../../src/harness/lower.ts";
import {
  ARTIFACTS_DIR,
  buildMinimalGuest,
  minimalGuest,
  type MinimalGuest,
} from "../../src/vm/minimal-guest.ts";
import { allScenarios } from "../../suites/index.ts";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const TOOLS: [string, string][] = [
  ["qemu-system-x86_64", "qemu-system-x86"],
  ["qemu-img", "qemu-utils"],
  ["clang", "clang"],
  ["ld.lld", "lld"],
  ["grub-mkrescue", "grub-common grub-pc-bin"],
  ["xorriso", "xorriso"],
  ["mformat", "mtools"],
];

async function missingTools(): Promise<string | false> {
  const missing: string[] = [];
  for (const [tool, pkg] of TOOLS) {
    const r = await execa("sh", ["-c", `command -v ${tool}`], { reject: false });
    if (r.exitCode !== 0) missing.push(`${tool} (apt-get install ${pkg})`);
  }
  return missing.length > 0 ? `needs ${missing.join(", ")}` : false;
}

const skip = await missingTools();
if (skip) console.warn(`test/vm/minimal-guest: skipped: ${skip}`);

/** The vendored kernel's checksum as vm/freebsd/10.4/SHA256SUMS records it. */
function recordedSha256(file: string): string {
  const sums = readFileSync(path.join(ARTIFACTS_DIR, "SHA256SUMS"), "utf8");
  const line = sums.split("\n").find((l) => l.endsWith(`  ${file}`));
  if (line === undefined) throw new Error(`SHA256SUMS has no line for ${file}`);
  return line.slice(0, 64);
}

const byId = (id: string) => {
  const p = allScenarios().find((x) => x.id === id);
  if (p === undefined) throw new Error(`no scenario ${id}`);
  return p;
};

describe.skipIf(skip)("the 10.4-seedin minimal guest", () => {
  let cache: string;
  let backend: Backend;
  const guest = minimalGuest("10.4-seedin") as MinimalGuest;

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), "inconf-guest-test-"));
    backend = createMinimalBackend(guest, { cacheDir: cache, log: () => undefined });
  });

  afterAll(async () => {
    await backend?.close();
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it("builds the ISO once per set of inputs", async () => {
    const a = await buildMinimalGuest(guest, { cacheDir: cache });
    const b = await buildMinimalGuest(guest, { cacheDir: cache });
    expect(b.iso).toBe(a.iso);
    expect(a.kernelSha256).toBe(recordedSha256(guest.kernel));
    const other = await buildMinimalGuest(minimalGuest("10.4") as MinimalGuest, { cacheDir: cache });
    expect(other.iso).not.toBe(a.iso);
  });

  it("runs a program on the seed kernel and names it in the provenance", async () => {
    const p = byId("addr/add-basic");
    const trace = await backend.run(lower(p), p);
    expect(trace.provenance.release).toBe("10.4-seedin");
    expect(trace.provenance.uname).toMatch(/^FreeBSD 10\.4-RELEASE .*INCONF-SEED amd64$/);
    expect(trace.provenance.kernelSha256).toBe(recordedSha256(guest.kernel));
    expect(trace.provenance.accel).toBe("tcg");
    expect(trace.results.map((r) => r.errno)).toEqual(trace.results.map(() => 0));
    const obs = decodeTrace(trace, p);
    const last = obs.ops[obs.ops.length - 1];
    expect(last.state?.addrs.map((a) => `${a.ifname} ${a.addr}`)).toContain("vtnet1 10.0.0.1");
  });

  it("ends a program at the kernel's panic, then restarts the guest for the next one", async () => {
    const p = byId("arp/garp-retransmit");
    const ops = lower(p);
    const err = await backend.run(ops, p).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KernelPanicTraceError);
    const partial = (err as KernelPanicTraceError).partial;
    expect(partial.panic?.message).toMatch(/^panic: page fault.*garp_rexmit < softclock_call_cc/);
    // the panicking op is the 1 s sleep that reaches the first retransmission
    expect(partial.panic?.op).toEqual(ops[partial.results.length]);
    expect(partial.panic?.op.op).toBe("sleep");
    const again = byId("addr/add-basic");
    const trace = await backend.run(lower(again), again);
    expect(trace.results.every((r) => r.errno === 0)).toBe(true);
  });
});
