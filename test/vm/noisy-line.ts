// A line that damages bytes (seeded, so a failing run can be replayed), and a stress run of the
// agent protocol through it: what the framing must survive on a real serial line (uart(4)
// overruns drop runs of bytes under TCG) and worse. Used by test/vm/agent-line.test.ts and
// bench/line.ts.

import { PassThrough, type Readable, type Writable } from "node:stream";
import type { AgentClient } from "../../src/vm/agent-client.ts";
import { MAX_REQUEST_BYTES, encodeRequest, type AgentRequest } from "../../src/vm/agent-protocol.ts";
/** Uniform in [0, 1), seeded: xorshift32 (test/kernel/dev/nic_helpers.ts has one too, but it
 * loads vitest, which bench/line.ts runs without). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export interface NoiseOptions {
  /** Chance that one piece of the stream (1..maxPiece bytes) is damaged. */
  rate: number;
  maxPiece?: number;
  /** Bytes at the start of each direction that pass undamaged (the agent's ready line is the
   * one frame nobody can ask for again). */
  cleanBytes?: number;
}

export interface NoiseCounters {
  bytes: number;
  flipped: number;
  dropped: number;
  duplicated: number;
  inserted: number;
}

const GARBAGE = "#:0123456789abcdef\n -x";

/** Copies src to dst in random pieces, damaging some: a flipped byte, a dropped run (up to a
 * whole piece), a duplicated run, or inserted garbage that may look like framing. */
function damage(src: Readable, dst: Writable, rnd: () => number, o: NoiseOptions, n: NoiseCounters): void {
  const maxPiece = o.maxPiece ?? 2048;
  src.on("data", (chunk: Buffer) => {
    n.bytes += chunk.length;
    for (let at = 0; at < chunk.length;) {
      const len = Math.min(chunk.length - at, 1 + Math.floor(rnd() * maxPiece));
      let piece = chunk.subarray(at, at + len);
      at += len;
      if (rnd() < o.rate && n.bytes - chunk.length + at > (o.cleanBytes ?? 0)) {
        const k = Math.floor(rnd() * piece.length);
        const run = 1 + Math.floor(rnd() * Math.min(piece.length - k, 300));
        switch (Math.floor(rnd() * 4)) {
          case 0: {
            piece = Buffer.from(piece);
            piece[k] ^= 1 + Math.floor(rnd() * 255);
            n.flipped++;
            break;
          }
          case 1:
            piece = Buffer.concat([piece.subarray(0, k), piece.subarray(k + run)]);
            n.dropped++;
            break;
          case 2:
            piece = Buffer.concat([
              piece.subarray(0, k + run),
              piece.subarray(k, k + run),
              piece.subarray(k + run),
            ]);
            n.duplicated++;
            break;
          default: {
            const g = Array.from(
              { length: 1 + Math.floor(rnd() * 20) },
              () => GARBAGE[Math.floor(rnd() * GARBAGE.length)],
            );
            piece = Buffer.concat([
              piece.subarray(0, k),
              Buffer.from(g.join(""), "latin1"),
              piece.subarray(k),
            ]);
            n.inserted++;
          }
        }
      }
      if (piece.length > 0) dst.write(piece);
    }
  });
  src.on("end", () => dst.end());
}

/** The two ends a client gets for an agent whose stdin/stdout go through the noisy line. */
export function noisyLine(
  agent: { stdin: Writable; stdout: Readable },
  seed: number,
  o: NoiseOptions,
): { stdin: PassThrough; stdout: PassThrough; up: NoiseCounters; down: NoiseCounters } {
  const zero = (): NoiseCounters => ({ bytes: 0, flipped: 0, dropped: 0, duplicated: 0, inserted: 0 });
  const up = zero();
  const down = zero();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  damage(stdin, agent.stdin, random(seed), o, up);
  damage(agent.stdout, stdout, random(seed ^ 0x5bd1e995), o, down);
  return { stdin, stdout, up, down };
}

export interface StressResult {
  requests: number;
  /** Answers that came back but were not what was sent (must be 0). */
  wrong: number;
  /** Requests that failed (must be 0). */
  lost: number;
  /** Requests the agent ran (its stats: must equal requests). */
  ran: number;
  /** Payload bytes of all requests, as first sent. */
  requestBytes: number;
  /** Hex digits of the largest echo. */
  largest: number;
  ms: number;
  firstProblem?: string;
}

function hexBytes(rnd: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++)
    s += Math.floor(rnd() * 256)
      .toString(16)
      .padStart(2, "0");
  return s;
}

/** Overhead of "<id> echo " with a 10-digit id, so echo payloads reach the protocol's limit. */
const ECHO_ROOM = Math.floor((MAX_REQUEST_BYTES - "2147483647 echo ".length) / 2);

/** A request of a random size (mostly small, some at the protocol's limit) and the check of its
 * answer. `expectErrno` is what the agent answers for ops that run nothing (lint build: ENOSYS). */
function pick(
  rnd: () => number,
  expectErrno: number,
): { req: AgentRequest; check: (r: { errno: number; data?: string }) => boolean } {
  const u = rnd();
  const size =
    u < 0.7
      ? Math.floor(rnd() * 200)
      : u < 0.95
        ? Math.floor(rnd() * 3000)
        : ECHO_ROOM - Math.floor(rnd() * 64);
  if (rnd() < 0.85) {
    const data = hexBytes(rnd, size);
    return { req: { kind: "echo", data }, check: (r) => r.errno === 0 && (r.data ?? "") === data };
  }
  // an ioctl carrying up to 8 KB (IOCPARM_MAX), the largest real request
  const data = hexBytes(rnd, Math.min(size, 8192));
  return {
    req: { kind: "ioctl", cred: { uid: 0 }, cmd: 0xc0206911, data },
    check: (r) => r.errno === expectErrno,
  };
}

/** n requests through `agent`, each answer checked; the agent's own count of requests run
 * must come out at exactly n (nothing run twice, nothing lost). */
export async function stressLine(
  agent: AgentClient,
  n: number,
  seed: number,
  expectErrno: number,
  timeoutMs = 30_000,
): Promise<StressResult> {
  const rnd = random(seed);
  const res: StressResult = { requests: n, wrong: 0, lost: 0, ran: 0, requestBytes: 0, largest: 0, ms: 0 };
  const before = (await agent.request({ kind: "stats" }, timeoutMs)).stats;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const { req, check } = pick(rnd, expectErrno);
    res.requestBytes += encodeRequest(1, req).length;
    try {
      const r = await agent.request(req, timeoutMs);
      if (!check(r)) {
        res.wrong++;
        res.firstProblem ??= `request ${i} (${req.kind}): unexpected answer errno=${r.errno} data=${(r.data ?? "").slice(0, 40)}`;
      }
    } catch (e) {
      res.lost++;
      res.firstProblem ??= `request ${i} (${req.kind}): ${(e as Error).message.slice(0, 200)}`;
    }
    if (req.kind === "echo") res.largest = Math.max(res.largest, req.data.length);
  }
  res.ms = performance.now() - t0;
  const after = (await agent.request({ kind: "stats" }, timeoutMs)).stats;
  if (before && after) res.ran = after.ops - before.ops - 1; // the second stats request itself
  return res;
}
