// A stand-in for the guest agent that speaks the same line protocol but executes ops on the
// twin Kernel. Run behind a real SSH server, it lets the whole FreeBSD-backend path (ssh2
// transport, agent protocol, op execution) be tested here, and a program run twin-direct and
// twin-over-SSH must give identical traces. It owns its frames: inject goes into the Kernel and
// every response carries the frames the Kernel transmitted during the op.
//
//   node --import tsx src/vm/standin-agent.ts [--kernel-module FILE] [--settle MS]
// FILE exports createKernel(opts) (tests pass a fake); default: the twin (src/backends/twin-kernel.ts).

import { crc32 } from "node:zlib";
import { pathToFileURL } from "node:url";
import type { Readable, Writable } from "node:stream";
import type { Op } from "../harness/ops.ts";
import { kernelStepper } from "../backends/twin.ts";
import { createKernel, type KernelOptions, type TwinKernel } from "../backends/twin-kernel.ts";
import {
  AgentProtocolError,
  FrameReader,
  PROTOCOL,
  decodeRequest,
  encodeResponse,
  frame,
  type AgentOk,
  type AgentRequest,
  type FrameEvent,
  type LineStats,
} from "./agent-protocol.ts";

export const STANDIN_VERSION = `inconf-standin/${PROTOCOL}`;

type MakeKernel = (o: KernelOptions) => Promise<TwinKernel>;

function macWithColons(hex12: string): string {
  return hex12.match(/../g)?.join(":") ?? hex12;
}

/** The op a request stands for (the inverse of the backend's op → request mapping). */
export function requestOp(r: AgentRequest): Op | null {
  switch (r.kind) {
    case "nic":
      return {
        op: "nic",
        name: r.name,
        driver: r.driver as "vtnet" | "epair" | "tun",
        ...(r.mac === undefined ? {} : { mac: macWithColons(r.mac) }),
      };
    case "module":
      return { op: "module", name: r.name as "carp" };
    case "ioctl":
      return { op: "ioctl", cred: r.cred, cmd: r.cmd, data: r.data };
    case "ifflags":
      return { op: "ifflags", cred: r.cred, ifname: r.ifname, set: r.set, clear: r.clear };
    case "sysctl":
      return r.value === undefined
        ? { op: "sysctl", cred: r.cred, name: r.name }
        : { op: "sysctl", cred: r.cred, name: r.name, value: r.value };
    case "rtsock":
      return r.ifindex
        ? { op: "rtsock_write", cred: r.cred, msg: r.msg, ifindex: r.ifindex }
        : { op: "rtsock_write", cred: r.cred, msg: r.msg };
    case "sleep":
      return { op: "sleep", seconds: r.seconds };
    case "inject":
      return { op: "inject", ifname: r.ifname, frame: r.frame };
    case "dump":
      return { op: "checkpoint", label: "agent" };
    case "version":
    case "drain":
    case "reset":
    case "quit":
    case "echo":
    case "stats":
    case "settle":
      return null;
    default: {
      const never: never = r;
      throw new AgentProtocolError(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

/** Frames from a stream, in order, until it ends (null). */
function frameEvents(input: Readable): () => Promise<FrameEvent | null> {
  const reader = new FrameReader();
  const queue: FrameEvent[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  input.setEncoding("latin1");
  input.on("data", (chunk: string) => {
    reader.push(chunk);
    for (let e = reader.next(); e !== null; e = reader.next()) queue.push(e);
    wake?.();
  });
  const end = (): void => {
    ended = true;
    wake?.();
  };
  input.on("end", end);
  input.on("close", end);
  input.on("error", end);
  return async () => {
    for (;;) {
      const e = queue.shift();
      if (e !== undefined) return e;
      if (ended) return null;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  };
}

/**
 * The agent's side of the line (inconf-agent.c does the same): NAK for damaged input, a receipt
 * for each new request, and a request repeated byte for byte answered from the cache of the
 * last answer without running it again. `handle` returns the answer's payload, or null to stop.
 */
export async function serveFrames(
  input: Readable,
  output: Writable,
  ready: string,
  handle: (payload: string, stats: LineStats) => Promise<{ answer: string; stop?: boolean }>,
): Promise<void> {
  const next = frameEvents(input);
  const stats: LineStats = { frames: 0, naks: 0, repeats: 0, ops: 0 };
  const send = (payload: string): void => void output.write(frame(payload));
  let cache: { id: string; crc: number; len: number; answer: string } | null = null;
  send(ready);
  for (let e = await next(); e !== null; e = await next()) {
    if (e.kind === "damaged") {
      stats.naks++;
      send("- nak");
      continue;
    }
    stats.frames++;
    const p = e.payload;
    const id = p.slice(0, p.indexOf(" ") < 0 ? p.length : p.indexOf(" "));
    const crc = crc32(Buffer.from(p, "latin1"));
    if (cache && cache.id === id && cache.crc === crc && cache.len === p.length) {
      stats.repeats++;
      send(cache.answer);
      continue;
    }
    if (/^[A-Za-z0-9_.-]{1,31}$/.test(id)) send(`${id} ack`);
    stats.ops++;
    const r = await handle(p, stats);
    cache = { id, crc, len: p.length, answer: r.answer };
    send(r.answer);
    if (r.stop) break;
  }
  output.end();
}

/** Serves the protocol on a pair of streams until EOF or quit. */
export async function serveStandin(
  input: Readable,
  output: Writable,
  makeKernel: MakeKernel = createKernel,
): Promise<void> {
  let kernel: TwinKernel | null = null;
  let step: ((op: Op) => ReturnType<ReturnType<typeof kernelStepper>>) | null = null;
  let carp = false;
  const ok = (id: number, res: Omit<AgentOk, "ok"> = { errno: 0, rt: [] }): { answer: string } => ({
    answer: encodeResponse(id, { ok: true, ...res }),
  });
  await serveFrames(input, output, `- ready ${STANDIN_VERSION} settle=0`, async (line, stats) => {
    let id: number | "-" = "-";
    try {
      const { id: rid, req } = decodeRequest(line);
      id = rid;
      switch (req.kind) {
        case "quit":
          return { ...ok(id), stop: true };
        case "version":
          return ok(id, { errno: 0, rt: [], version: `${STANDIN_VERSION} twin` });
        case "echo":
          return ok(id, { errno: 0, rt: [], data: req.data });
        case "stats":
          return ok(id, { errno: 0, rt: [], stats: { ...stats } });
        case "settle":
          return ok(id); // the twin delivers routing messages synchronously: nothing to wait for
        case "reset":
          kernel = null;
          step = null;
          carp = false;
          return ok(id);
        default:
          break;
      }
      if (req.kind === "module" && kernel === null) carp ||= req.name === "carp";
      const op = requestOp(req);
      if (kernel === null || step === null) {
        // made at the first op that is not a module load: modules are Kernel options
        if (op?.op === "module") return ok(id, { errno: 0, rt: [], frames: [] });
        kernel = await makeKernel({ carp });
        step = kernelStepper(kernel);
      }
      // drain: the twin delivers routing messages synchronously, nothing is ever pending
      if (op === null) return ok(id, { errno: 0, rt: [], frames: [] });
      const r = step(op);
      const res: Omit<AgentOk, "ok"> = { errno: r.errno, rt: r.rtsock, frames: r.frames };
      if (r.data !== undefined) res.data = r.data;
      if (r.dumps !== undefined) res.dumps = r.dumps;
      return ok(id, res);
    } catch (e) {
      // the C agent's behaviour: report and carry on; a twin invariant failure is reported too
      return { answer: encodeResponse(id, { ok: false, message: (e as Error).message }) };
    }
  });
}

async function main(argv: string[]): Promise<void> {
  let makeKernel: MakeKernel = createKernel;
  const i = argv.indexOf("--kernel-module");
  if (i >= 0) {
    const file = argv[i + 1];
    if (!file) throw new Error("--kernel-module needs a file");
    const mod = (await import(pathToFileURL(file).href)) as { createKernel?: MakeKernel };
    if (typeof mod.createKernel !== "function") throw new Error(`${file} does not export createKernel`);
    makeKernel = mod.createKernel;
  }
  await serveStandin(process.stdin, process.stdout, makeKernel);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`inconf-standin: ${e.message}\n`);
    process.exit(1);
  });
}
