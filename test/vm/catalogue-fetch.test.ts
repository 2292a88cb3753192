// The image catalogue and the fetcher. The download tests use a local HTTP server on 127.0.0.1
// serving TEST DATA (a small xz file that is not a FreeBSD image) with a checksum file written
// the way sha512(1) writes them; nothing leaves the machine.

import { createHash } from "node:crypto";
import http from "node:http";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  catalogueEntry,
  loadCatalogue,
  normalizeRelease,
  parseChecksumFile,
  type Catalogue,
} from "../../src/vm/catalogue.ts";
import { explainFsError, fetchImage, FetchError, localImage, type Progress } from "../../src/vm/fetch.ts";

describe("image catalogue", () => {
  const cat = loadCatalogue();

  it("lists 10.4 and 11.0 on the archive mirror and a current 14.x with a BASIC-CI image", () => {
    const r104 = catalogueEntry(cat, "10.4");
    expect(r104.baseUrl).toBe(
      "http://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases/VM-IMAGES/10.4-RELEASE/amd64/Latest/",
    );
    expect(r104.files).toEqual(["FreeBSD-10.4-RELEASE-amd64.qcow2.xz"]);
    expect(r104.format).toBe("qcow2");
    expect(r104.derived).toBe(false);
    expect(catalogueEntry(cat, "11.0-RELEASE").mirror).toBe("archive");
    const r14 = cat.releases.find((r) => r.release.startsWith("14."));
    expect(r14).toBeDefined();
    const ci = catalogueEntry(cat, r14!.release, "basic-ci");
    expect(ci.baseUrl).toMatch(
      /^https:\/\/download\.freebsd\.org\/releases\/CI-IMAGES\/14\.\d+-RELEASE\/amd64\/Latest\/$/,
    );
    expect(ci.format).toBe("raw");
    for (const r of cat.releases) for (const i of r.images) expect(i.checksums[0]).toBe("CHECKSUM.SHA512");
  });

  it("derives the published layout for releases it does not list, and says so", () => {
    const d = catalogueEntry(cat, "13.2");
    expect(d.derived).toBe(true);
    expect(d.files).toContain("FreeBSD-13.2-RELEASE-amd64.qcow2.xz");
    expect(() => catalogueEntry(cat, "10.4", "basic-ci")).toThrow(/no "basic-ci" image/);
  });

  it("normalizes release names and refuses others", () => {
    expect(normalizeRelease("14.3")).toBe("14.3-RELEASE");
    expect(normalizeRelease("11.0-release")).toBe("11.0-RELEASE");
    expect(() => normalizeRelease("current")).toThrow(/not a FreeBSD release/);
  });

  it("reads BSD-style and GNU-style checksum lines", () => {
    const a = "a".repeat(128);
    const b = "b".repeat(64);
    const lines = parseChecksumFile(`SHA512 (x.qcow2.xz) = ${a}\n${b}  y.raw.xz\ngarbage\n`, "sha256");
    expect(lines).toEqual([
      { algo: "sha512", file: "x.qcow2.xz", hex: a },
      { algo: "sha256", file: "y.raw.xz", hex: b },
    ]);
  });

  it("explains a full disk", () => {
    const e = explainFsError("/cache/x", Object.assign(new Error("write"), { code: "ENOSPC" }));
    expect(e).toBeInstanceOf(FetchError);
    expect(e.message).toMatch(/disk full/);
  });
});

const xz = await execa("xz", ["--version"], { reject: false }).catch(() => ({ exitCode: 1 }));
const noXz = xz.exitCode !== 0 ? "xz not installed" : false;

describe.skipIf(noXz)("fetching from a local test server", () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  const files = new Map<string, Buffer>();
  const hits: string[] = [];
  const payload = Buffer.from("inconf TEST DATA: not a FreeBSD image\n".repeat(2000));
  let xzBytes: Buffer;
  let cat: Catalogue;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inconf-fetch-"));
    await writeFile(path.join(dir, "img"), payload);
    await execa("xz", ["-z", "-k", path.join(dir, "img")]);
    xzBytes = await readFile(path.join(dir, "img.xz"));
    const sha512 = createHash("sha512").update(xzBytes).digest("hex");
    const good = "VM-IMAGES/10.4-RELEASE/amd64/Latest/";
    files.set(good + "FreeBSD-10.4-RELEASE-amd64.qcow2.xz", xzBytes);
    files.set(
      good + "CHECKSUM.SHA512",
      Buffer.from(`SHA512 (FreeBSD-10.4-RELEASE-amd64.qcow2.xz) = ${sha512}\n`),
    );
    // 11.0 publishes a checksum that does not match what it serves
    const bad = "VM-IMAGES/11.0-RELEASE/amd64/Latest/";
    files.set(bad + "FreeBSD-11.0-RELEASE-amd64.qcow2.xz", xzBytes);
    files.set(
      bad + "CHECKSUM.SHA512",
      Buffer.from(`SHA512 (FreeBSD-11.0-RELEASE-amd64.qcow2.xz) = ${"0".repeat(128)}\n`),
    );
    server = http.createServer((req, res) => {
      const p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/mirror\//, "");
      hits.push(p);
      const body = files.get(p);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/mirror/`;
    cat = loadCatalogue();
  });

  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("downloads with progress, verifies SHA512, decompresses, and then serves from cache", async () => {
    const cache = path.join(dir, "cache");
    const seen: { total: number | null; last: number; stopped: boolean } = {
      total: -1,
      last: 0,
      stopped: false,
    };
    const progress: Progress = {
      start: (t) => (seen.total = t),
      update: (d) => (seen.last = d),
      stop: () => (seen.stopped = true),
    };
    const rec = await fetchImage(catalogueEntry(cat, "10.4", "vm", base), { cacheDir: cache, progress });
    expect(seen).toEqual({ total: xzBytes.length, last: xzBytes.length, stopped: true });
    expect(rec.checksum.algo).toBe("sha512");
    expect(rec.path).toBe(path.join(cache, "10.4-RELEASE", "FreeBSD-10.4-RELEASE-amd64.qcow2"));
    expect(await readFile(rec.path)).toEqual(payload);
    expect(rec.imageSha256).toBe(createHash("sha256").update(payload).digest("hex"));
    const before = hits.filter((h) => h.endsWith(".qcow2.xz")).length;
    const again = await fetchImage(catalogueEntry(cat, "10.4", "vm", base), { cacheDir: cache });
    expect(again.path).toBe(rec.path);
    expect(hits.filter((h) => h.endsWith(".qcow2.xz")).length).toBe(before);
  });

  it("rejects a download whose checksum does not match and leaves nothing behind", async () => {
    const cache = path.join(dir, "cache-bad");
    await expect(fetchImage(catalogueEntry(cat, "11.0", "vm", base), { cacheDir: cache })).rejects.toThrow(
      /checksum mismatch for FreeBSD-11\.0-RELEASE-amd64\.qcow2\.xz/,
    );
    expect(await readdir(path.join(cache, "11.0-RELEASE"))).toEqual([]);
  });

  it("says which checksum files it tried when none lists the image", async () => {
    await expect(
      fetchImage(catalogueEntry(cat, "13.2", "vm", base), { cacheDir: path.join(dir, "c3") }),
    ).rejects.toThrow(/no published checksum for 13\.2-RELEASE vm: tried .*CHECKSUM\.SHA512 \(404\)/);
  });

  it("reports an unreachable mirror as offline, with what to do", async () => {
    // a port nothing listens on, on loopback
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const addr = closed.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      fetchImage(catalogueEntry(cat, "10.4", "vm", `http://127.0.0.1:${port}/`), {
        cacheDir: path.join(dir, "c4"),
      }),
    ).rejects.toThrow(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*--image PATH/);
  });
});

const qemuImg = await execa("qemu-img", ["--version"], { reject: false }).catch(() => ({ exitCode: 1 }));
const noQemuImg = qemuImg.exitCode !== 0 || noXz ? "qemu-img or xz not installed" : false;

describe.skipIf(noQemuImg)("local images (--image PATH)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "inconf-local-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("probes the format, hashes the file, and says it was not verified against a published checksum", async () => {
    const img = path.join(dir, "FreeBSD-11.0-RELEASE-amd64.qcow2");
    await execa("qemu-img", ["create", "-q", "-f", "qcow2", img, "16M"]);
    const rec = await localImage(img, { cacheDir: path.join(dir, "cache") });
    expect(rec.format).toBe("qcow2");
    expect(rec.release).toBe("11.0-RELEASE");
    expect(rec.imageSha256).toBe(
      createHash("sha256")
        .update(await readFile(img))
        .digest("hex"),
    );
    expect(rec.checksum.source).toMatch(/not verified/);
  });

  it("decompresses an .xz image into the cache first", async () => {
    const raw = path.join(dir, "disk.raw");
    await writeFile(raw, Buffer.alloc(1 << 20));
    await execa("xz", ["-z", "-k", raw]);
    const rec = await localImage(`${raw}.xz`, { cacheDir: path.join(dir, "cache") });
    expect(rec.format).toBe("raw");
    expect(rec.path).toBe(path.join(dir, "cache", "local", "disk.raw"));
    expect(rec.release).toBe("unknown");
  });

  it("names a missing file", async () => {
    await expect(localImage(path.join(dir, "nope.qcow2"))).rejects.toThrow(/does not exist/);
  });
});
