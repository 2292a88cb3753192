// Which accelerator QEMU gets by default (src/vm/host.ts): nested KVM is avoided.

import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nestedVirtualization } from "../../src/vm/host.ts";

async function cpuinfo(flags: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "inconf-cpuinfo-"));
  const f = path.join(dir, "cpuinfo");
  await writeFile(f, `processor\t: 0\nmodel name\t: QEMU Virtual CPU\nflags\t\t: ${flags}\n\n`);
  return f;
}

describe("nestedVirtualization", () => {
  it("sees the hypervisor flag of a guest's CPU", async () => {
    expect(await nestedVirtualization(await cpuinfo("fpu vme de pse tsc msr hypervisor lahf_lm"))).toBe(true);
  });

  it("is false on bare metal, and when cpuinfo cannot be read", async () => {
    expect(await nestedVirtualization(await cpuinfo("fpu vme de pse tsc msr vmx lahf_lm"))).toBe(false);
    expect(await nestedVirtualization("/nonexistent/cpuinfo")).toBe(false);
  });
});
