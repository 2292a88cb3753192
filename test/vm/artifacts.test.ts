// The vendored FreeBSD 10.4 guest artifacts (vm/freebsd/10.4/): every file the minimal guests
// are built from is listed in SHA256SUMS, each listed file has that digest, and PROVENANCE.md
// names the digest of every binary it describes, so neither can go stale silently.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = join(import.meta.dirname, "..", "..", "vm", "freebsd", "10.4");

/** What the guests are made of: the kernels, modules, sysroot and the sources they use. */
const required = [
  "kernel.gz",
  "kernel-seedin.gz",
  "sysroot.tar.xz",
  "carp.ko",
  "carp-seedin.ko",
  "INCONF",
  "seedin.patch",
  "crtstuff.c",
  "init.c",
];

/** The binaries PROVENANCE.md describes by digest. */
const binaries = ["kernel.gz", "kernel-seedin.gz", "sysroot.tar.xz", "carp.ko", "carp-seedin.ko"];

/** SHA256SUMS as sha256sum(1) writes it: "<64 hex digits>  <name>" per line. */
function readSums(): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of readFileSync(join(dir, "SHA256SUMS"), "utf8").split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) {2}([^/\s]+)$/.exec(line);
    if (m === null) throw new Error(`SHA256SUMS: malformed line ${JSON.stringify(line)}`);
    if (sums.has(m[2])) throw new Error(`SHA256SUMS: ${m[2]} listed twice`);
    sums.set(m[2], m[1]);
  }
  return sums;
}

function sha256(name: string): string {
  return createHash("sha256")
    .update(readFileSync(join(dir, name)))
    .digest("hex");
}

describe("vm/freebsd/10.4 artifacts", () => {
  const sums = readSums();

  it("lists every file the guests are built from", () => {
    expect([...sums.keys()].sort()).toEqual(expect.arrayContaining(required));
  });

  it.each([...sums.keys()])("%s has the digest SHA256SUMS gives", (name) => {
    expect(sha256(name)).toBe(sums.get(name));
  });

  it("PROVENANCE.md names the digest of each binary", () => {
    const provenance = readFileSync(join(dir, "PROVENANCE.md"), "utf8");
    for (const name of binaries) expect(provenance, name).toContain(sums.get(name));
  });
});
