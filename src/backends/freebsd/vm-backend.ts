// A Backend over any snapshot-able guest that runs an agent: the FreeBSD backend is this with a
// FreeBSD machine; inconf's tests use it with the Linux test guest to exercise the reset and
// retry logic for real. Each program: reset (restore the snapshot, fresh SSH, start the agent),
// run the ops with host-side frames, quit. A VM that dies or hangs is restarted and the program
// retried once; the trace's provenance notes say so.

import { KernelPanicTraceError, type Backend, type ProgramRef } from "../backend.ts";
import { TRACE_FORMAT, type Op, type OpResult, type Provenance, type RawTrace } from "../../harness/ops.ts";
import { AgentError } from "../../vm/agent-client.ts";
import type { AgentClient } from "../../vm/agent-client.ts";
import type { QemuVm } from "../../vm/qemu.ts";
import { executeOps, NetdevFrames, UnsupportedOpError } from "./execute.ts";
import { kernelPanic } from "../../vm/console.ts";

/** One program's connection to a guest's agent. */
export interface Session {
  agent: AgentClient;
  /** After the program: an SSH guest quits its agent and closes the connection; a minimal
   * guest keeps both (its next reset restores the snapshot under the same line). */
  end(): Promise<void>;
}

export interface GuestMachine {
  /** Guest interface names of the test NICs, in QEMU's NIC order. */
  readonly testNicNames: readonly string[];
  readonly qemu: QemuVm;
  /** Back to the snapshot, with a running agent. */
  reset(): Promise<Session>;
  /** A new QEMU on the same disk/state, back at the snapshot. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface VmBackendOptions<M extends GuestMachine> {
  name: string;
  /** Boots (and provisions) the machine; called once, on the first program. */
  start(): Promise<M>;
  /** Provenance for a trace made on this machine (date and retry notes are added). */
  provenance(m: M): Omit<Provenance, "date">;
  maxSleepSeconds?: number;
  /** See ExecuteOptions.opTimeoutMs. */
  opTimeoutMs?: number;
  log?: (line: string) => void;
  onClose?: () => Promise<void>;
}

export function createVmBackend<M extends GuestMachine>(o: VmBackendOptions<M>): Backend {
  const log = o.log ?? (() => undefined);
  let machine: M | null = null;
  let starting: Promise<M> | null = null;

  async function ensure(): Promise<M> {
    if (machine) return machine;
    starting ??= o.start();
    try {
      machine = await starting;
    } catch (e) {
      starting = null;
      throw e;
    }
    return machine;
  }

  /** Set after a guest panic: the guest is rebooting, so the next program starts a new QEMU. */
  let needsRestart = false;

  async function runOnce(m: M, ops: readonly Op[], partial: OpResult[]): Promise<void> {
    if (needsRestart) {
      await m.restart();
      needsRestart = false;
    }
    const session = await m.reset();
    const agent = session.agent;
    const watch = watchForPanic(m.qemu);
    try {
      const ports = new Map(m.testNicNames.map((n, i) => [n, m.qemu.nics[i]] as const));
      const run = executeOps(
        agent,
        ops,
        {
          frames: new NetdevFrames(ports),
          ...(o.maxSleepSeconds !== undefined ? { maxSleepSeconds: o.maxSleepSeconds } : {}),
          ...(o.opTimeoutMs !== undefined ? { opTimeoutMs: o.opTimeoutMs } : {}),
        },
        partial,
      );
      // After a panic the pending request never gets its answer; its failure is not news.
      run.catch(() => undefined);
      await Promise.race([run, watch.panicked]);
    } finally {
      watch.stop();
      await session.end();
    }
  }

  function trace(m: M, id: string, ran: Op[], results: OpResult[], notes: readonly string[]): RawTrace {
    const p = o.provenance(m);
    const allNotes = [p.notes, ...notes].filter((n): n is string => n !== undefined && n !== "");
    return {
      format: TRACE_FORMAT,
      program: id,
      backend: o.name,
      provenance: {
        ...p,
        date: new Date().toISOString(),
        ...(allNotes.length > 0 ? { notes: allNotes.join("; ") } : {}),
      },
      ops: ran,
      results,
    };
  }

  return {
    name: o.name,
    async run(ops: readonly Op[], program: ProgramRef): Promise<RawTrace> {
      const m = await ensure();
      const notes: string[] = [];
      let results: OpResult[] = [];
      for (let attempt = 0; ; attempt++) {
        results = [];
        try {
          await runOnce(m, ops, results);
          break;
        } catch (e) {
          if (e instanceof GuestPanic) {
            needsRestart = true;
            log(
              `${program.id}: the guest kernel panicked at op ${results.length} of ${ops.length}: ${e.message}`,
            );
            throw new KernelPanicTraceError(e.message, {
              ...trace(m, program.id, ops.slice(0, results.length), results, notes),
              panic: { op: ops[results.length], message: e.message },
            });
          }
          const refused = e instanceof UnsupportedOpError || (e instanceof AgentError && e.refused);
          if (refused) throw new Error(`${program.id}: ${(e as Error).message}`);
          const tail = await m.qemu.consoleTail(15).catch(() => "");
          if (attempt >= 1) {
            throw new Error(
              `${program.id}: failed again after a VM restart (at op ${results.length} of ${ops.length}): ` +
                `${(e as Error).message}\nconsole:\n${tail}`,
            );
          }
          const exited = await m.qemu.waitExit(1000);
          const state = exited !== null ? `QEMU exited: ${exited}` : "VM hung or unreachable";
          const why = `${state}; at op ${results.length} of ${ops.length}: ${(e as Error).message.split("\n")[0]}`;
          log(`${program.id}: ${why}; restarting the VM and retrying once`);
          notes.push(`retried once after restarting the VM (${why})`);
          await m.restart();
        }
      }
      return trace(m, program.id, [...ops], results, notes);
    },
    async close(): Promise<void> {
      await machine?.stop();
      machine = null;
      await o.onClose?.();
    },
  };
}

/** The guest kernel panicked (its console says so): the program's faithful end, not a VM fault. */
class GuestPanic extends Error {
  override readonly name = "GuestPanic";
}

/** Polls the console for a kernel panic in output that arrives from now on; `panicked` rejects
 * with GuestPanic once the backtrace is printed (or after a few seconds of waiting for it). */
function watchForPanic(vm: QemuVm): { panicked: Promise<never>; stop(): void } {
  const from = vm.console.text.length;
  let timer: NodeJS.Timeout | undefined;
  let seenAt = 0;
  const panicked = new Promise<never>((_, reject) => {
    const poll = (): void => {
      const p = kernelPanic(vm.console.text.slice(from));
      if (p !== null) {
        seenAt ||= Date.now();
        if (p.complete || Date.now() - seenAt > 3000) {
          reject(new GuestPanic(p.message));
          return;
        }
      }
      timer = setTimeout(poll, 100);
    };
    timer = setTimeout(poll, 100);
  });
  panicked.catch(() => undefined);
  return { panicked, stop: () => clearTimeout(timer) };
}
