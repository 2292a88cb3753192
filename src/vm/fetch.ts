// Downloads an official image into the cache, verifies it against the release's published
// checksum file, and decompresses it once. The pristine image is never written afterwards (VMs
// boot qcow2 overlays over it). Errors say what to do: offline, checksum mismatch, disk full.

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { execa } from "execa";
import { parseChecksumFile, type ChecksumLine, type ResolvedImage } from "./catalogue.ts";

export class FetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FetchError";
  }
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
  return path.join(base, "inconf", "images");
}

export interface Progress {
  start(total: number | null, label: string): void;
  update(done: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, stop() {} };

/** What is recorded next to a fetched image (and in trace provenance). */
export interface ImageRecord {
  release: string;
  variant: string;
  url: string;
  file: string;
  format: "qcow2" | "raw";
  /** The published checksum of the compressed file, as verified. */
  checksum: { algo: "sha512" | "sha256"; hex: string; source: string };
  /** sha256 of the decompressed image (what QEMU boots). */
  imageSha256: string;
  path: string;
  fetchedAt: string;
}

function explainNetworkError(url: string, e: unknown): FetchError {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? "";
  const host = new URL(url).host;
  if (
    [
      "ENOTFOUND",
      "EAI_AGAIN",
      "ECONNREFUSED",
      "ENETUNREACH",
      "EHOSTUNREACH",
      "ETIMEDOUT",
      "ECONNRESET",
    ].includes(code)
  ) {
    return new FetchError(
      `cannot reach ${host} (${code}): this machine looks offline or the mirror is down. ` +
        `Download the image elsewhere and pass it with --image PATH, or set --mirror to a reachable copy.`,
    );
  }
  return new FetchError(`downloading ${url} failed: ${err.cause?.message ?? err.message ?? String(e)}`);
}

export function explainFsError(where: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  if (code === "ENOSPC") {
    return new FetchError(
      `disk full while writing ${where}: free space there (images need ~5 GB) or set XDG_CACHE_HOME`,
    );
  }
  if (code === "EACCES" || code === "EROFS")
    return new FetchError(`cannot write ${where} (${code}): set XDG_CACHE_HOME`);
  return e as Error;
}

async function fetchText(url: string, timeoutMs: number): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw explainNetworkError(url, e);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new FetchError(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** Finds the published checksum of the first candidate file the release's checksum files list. */
export async function publishedChecksum(
  img: ResolvedImage,
  timeoutMs = 30_000,
): Promise<{ file: string; line: ChecksumLine; source: string }> {
  const tried: string[] = [];
  for (const name of img.checksums) {
    const url = new URL(name, img.baseUrl).href;
    const text = await fetchText(url, timeoutMs);
    tried.push(url + (text === null ? " (404)" : ""));
    if (text === null) continue;
    const lines = parseChecksumFile(text, name.endsWith("SHA512") ? "sha512" : "sha256");
    for (const file of img.files) {
      const line = lines.find((l) => l.file === file);
      if (line) return { file, line, source: url };
    }
    tried[tried.length - 1] += ` (lists none of ${img.files.join(", ")})`;
  }
  throw new FetchError(`no published checksum for ${img.release} ${img.variant}: tried ${tried.join("; ")}`);
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(file), h);
  return h.digest("hex");
}

export interface FetchOptions {
  cacheDir?: string;
  progress?: Progress;
  /** Re-download even if a verified copy is cached. */
  force?: boolean;
  timeoutMs?: number;
}

/** A verified copy already in the cache, found without the network (offline runs). */
export async function cachedImage(
  img: ResolvedImage,
  cacheDir = defaultCacheDir(),
): Promise<ImageRecord | null> {
  for (const file of img.files) {
    const imagePath = path.join(cacheDir, img.release, file.replace(/\.xz$/, ""));
    try {
      const rec = JSON.parse(await readFile(`${imagePath}.inconf.json`, "utf8")) as ImageRecord;
      if ((await stat(imagePath)).isFile()) return rec;
    } catch {
      // not this candidate
    }
  }
  return null;
}

/** Downloads (or finds cached), verifies and decompresses the image; returns its record. */
export async function fetchImage(img: ResolvedImage, opts: FetchOptions = {}): Promise<ImageRecord> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const progress = opts.progress ?? silentProgress;
  const { file, line, source } = await publishedChecksum(img, opts.timeoutMs ?? 30_000);
  const dir = path.join(cacheDir, img.release);
  const imagePath = path.join(dir, file.replace(/\.xz$/, ""));
  const recordPath = `${imagePath}.inconf.json`;

  if (!opts.force) {
    try {
      const rec = JSON.parse(await readFile(recordPath, "utf8")) as ImageRecord;
      if (rec.checksum.hex === line.hex && (await stat(imagePath)).isFile()) return rec;
    } catch {
      // not cached (or unreadable record): fetch again
    }
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw explainFsError(dir, e);
  }

  const url = new URL(file, img.baseUrl).href;
  const xzPath = path.join(dir, `${file}.part`);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw explainNetworkError(url, e);
  }
  if (!res.ok || !res.body) throw new FetchError(`${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || null;
  const hash = createHash(line.algo);
  let done = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      done += chunk.length;
      progress.update(done);
      cb(null, chunk);
    },
  });
  progress.start(total, file);
  try {
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      meter,
      createWriteStream(xzPath),
    );
  } catch (e) {
    await rm(xzPath, { force: true });
    const fsErr = explainFsError(xzPath, e);
    throw fsErr instanceof FetchError ? fsErr : explainNetworkError(url, e);
  } finally {
    progress.stop();
  }
  const got = hash.digest("hex");
  if (got !== line.hex) {
    await rm(xzPath, { force: true });
    throw new FetchError(
      `checksum mismatch for ${file}: ${line.algo} is ${got}, ${source} publishes ${line.hex}. ` +
        `The download was deleted; try again, or another mirror.`,
    );
  }

  await decompressXz(xzPath, imagePath);
  await rm(xzPath, { force: true });
  const rec: ImageRecord = {
    release: img.release,
    variant: img.variant,
    url,
    file,
    format: img.format,
    checksum: { algo: line.algo, hex: line.hex, source },
    imageSha256: await sha256File(imagePath),
    path: imagePath,
    fetchedAt: new Date().toISOString(),
  };
  await writeFile(recordPath, JSON.stringify(rec, null, 2) + "\n");
  return rec;
}

/** xz -dc into `out` (via a temporary name, so a failure never leaves a half image). */
export async function decompressXz(xzPath: string, out: string): Promise<void> {
  const tmp = `${out}.part`;
  try {
    await execa("xz", ["-dc", xzPath], { stdout: { file: tmp }, stderr: "pipe" });
  } catch (e) {
    await rm(tmp, { force: true });
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === "ENOENT") throw new FetchError("xz is not installed: apt-get install -y xz-utils");
    if (/No space left/i.test(err.stderr ?? "")) {
      throw new FetchError(
        `disk full while decompressing to ${out}: free space (images need ~5 GB) or set XDG_CACHE_HOME`,
      );
    }
    throw new FetchError(`decompressing ${xzPath} failed: ${(err.stderr ?? err.message).trim()}`);
  }
  await rename(tmp, out);
}

/** A user's own image (--image PATH): decompressed if .xz, format probed, hashed for provenance. */
export async function localImage(file: string, opts: { cacheDir?: string } = {}): Promise<ImageRecord> {
  let p = path.resolve(file);
  try {
    await stat(p);
  } catch {
    throw new FetchError(`image ${p} does not exist`);
  }
  if (p.endsWith(".xz")) {
    const out = path.join(opts.cacheDir ?? defaultCacheDir(), "local", path.basename(p, ".xz"));
    await mkdir(path.dirname(out), { recursive: true });
    try {
      await stat(out);
    } catch {
      await decompressXz(p, out);
    }
    p = out;
  }
  let format: "qcow2" | "raw";
  try {
    const info = JSON.parse((await execa("qemu-img", ["info", "--output=json", p])).stdout) as {
      format: string;
    };
    if (info.format !== "qcow2" && info.format !== "raw")
      throw new FetchError(`image ${p} is ${info.format}; use qcow2 or raw`);
    format = info.format;
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(`qemu-img cannot read ${p}: ${(e as Error).message.split("\n")[0]}`);
  }
  const m = /FreeBSD-(\d+\.\d+-RELEASE)/.exec(path.basename(p));
  return {
    release: m ? m[1] : "unknown",
    variant: "local",
    url: `file://${p}`,
    file: path.basename(p),
    format,
    checksum: { algo: "sha256", hex: "", source: "local file (not verified against a published checksum)" },
    imageSha256: await sha256File(p),
    path: p,
    fetchedAt: new Date().toISOString(),
  };
}
