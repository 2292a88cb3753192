// A stand-in for the guest agent that speaks the same line protocol but executes ops on the
// twin Kernel. Run behind a real SSH server, it lets the whole FreeBSD-backend path (ssh2
// transport, agent protocol, op execution) be tested here, and a program run twin-direct and
// twin-over-SSH must give identical traces. It owns its frames: inject goes into the Kernel and
// every response carries the frames the Kernel transmitted during the op.
//
//   node --import tsx src/vm/standin-agent.ts [--kernel-module FILE] [--settle MS]
// FILE exports createKernel(opts) (tests pass a fake); default: the twin (src/backends/twin-kernel.ts).

import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { Readable, Writable } from "node:stream";
import type { Op } from "../harness/ops.ts";
import { kernelStepper } from "../backends/twin.ts";
import { createKernel, type KernelOptions, type TwinKernel } from "../backends/twin-kernel.ts";
import {
  AgentProtocolError,
  decodeRequest,
  encodeResponse,
  type AgentOk,
  type AgentRequest,
} from "./agent-protocol.ts";

export const STANDIN_VERSION = "inconf-standin/1";

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
      return null;
    default: {
      const never: never = r;
      throw new AgentProtocolError(`unknown request ${JSON.stringify(never)}`);
    }
  }
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
  const send = (line: string): void => void output.write(line + "\n");
  send(`- ready ${STANDIN_VERSION} settle=0`);
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    let id: number | "-" = "-";
    try {
      const { id: rid, req } = decodeRequest(line);
      id = rid;
      if (req.kind === "quit") {
        send(encodeResponse(id, { ok: true, errno: 0, rt: [] }));
        break;
      }
      if (req.kind === "version") {
        send(encodeResponse(id, { ok: true, errno: 0, rt: [], version: `${STANDIN_VERSION} twin` }));
        continue;
      }
      if (req.kind === "reset") {
        kernel = null;
        step = null;
        carp = false;
        send(encodeResponse(id, { ok: true, errno: 0, rt: [] }));
        continue;
      }
      if (req.kind === "module" && kernel === null) carp ||= req.name === "carp";
      const op = requestOp(req);
      if (kernel === null || step === null) {
        // made at the first op that is not a module load: modules are Kernel options
        if (op?.op === "module") {
          send(encodeResponse(id, { ok: true, errno: 0, rt: [], frames: [] }));
          continue;
        }
        kernel = await makeKernel({ carp });
        step = kernelStepper(kernel);
      }
      if (op === null) {
        // drain: the twin delivers routing messages synchronously, nothing is ever pending
        send(encodeResponse(id, { ok: true, errno: 0, rt: [], frames: [] }));
        continue;
      }
      const r = step(op);
      const res: AgentOk = { ok: true, errno: r.errno, rt: r.rtsock, frames: r.frames };
      if (r.data !== undefined) res.data = r.data;
      if (r.dumps !== undefined) res.dumps = r.dumps;
      send(encodeResponse(id, res));
    } catch (e) {
      // the C agent's behaviour: report and carry on; a twin invariant failure is reported too
      send(encodeResponse(id, { ok: false, message: (e as Error).message }));
    }
  }
  output.end();
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
