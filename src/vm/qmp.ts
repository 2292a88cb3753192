// A small QMP client: one JSON object per line over QEMU's unix socket. Commands are sent one at
// a time (QMP answers in order); asynchronous events are kept for whoever waits on them. HMP
// commands (savevm/loadvm) go through human-monitor-command, whose errors come back as text
// inside a *successful* reply, so any output text there is treated as failure.

import net from "node:net";

export class QmpError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`QMP ${command}: ${message}`);
    this.name = "QmpError";
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export interface QmpEvent {
  event: string;
  data?: Json;
}

interface Pending {
  command: string;
  resolve: (v: Json) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class QmpClient {
  private buffer = "";
  private queue: Pending[] = [];
  private closedError: Error | null = null;
  readonly events: QmpEvent[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (e) => this.fail(new QmpError("socket", e.message)));
    socket.on("close", () => this.fail(new QmpError("socket", "connection closed (QEMU exited?)")));
  }

  /** Connects (retrying while QEMU creates the socket) and completes the capabilities handshake. */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    let lastError = "";
    while (Date.now() < deadline) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(path);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        const client = new QmpClient(socket);
        await client.greeting(Math.max(1000, deadline - Date.now()));
        await client.execute("qmp_capabilities");
        return client;
      } catch (e) {
        lastError = (e as Error).message;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new QmpError("connect", `no QMP on ${path} after ${timeoutMs} ms: ${lastError}`);
  }

  private greetingWaiter: ((ok: boolean) => void) | null = null;
  private greeted = false;

  private greeting(timeoutMs: number): Promise<void> {
    if (this.greeted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new QmpError("greeting", `no greeting within ${timeoutMs} ms`));
      }, timeoutMs);
      this.greetingWaiter = (ok) => {
        clearTimeout(timer);
        if (ok) resolve();
        else reject(this.closedError ?? new QmpError("greeting", "closed"));
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line === "") continue;
      let msg: { [k: string]: Json };
      try {
        msg = JSON.parse(line) as { [k: string]: Json };
      } catch {
        continue; // QMP only sends JSON; anything else is not ours to interpret
      }
      if ("QMP" in msg) {
        this.greeted = true;
        this.greetingWaiter?.(true);
        this.greetingWaiter = null;
      } else if ("event" in msg) {
        this.events.push({ event: String(msg.event), data: msg.data });
      } else if ("return" in msg || "error" in msg) {
        const p = this.queue.shift();
        if (!p) continue;
        clearTimeout(p.timer);
        if ("error" in msg) {
          const err = msg.error as { [k: string]: Json };
          p.reject(new QmpError(p.command, `${String(err.class)}: ${String(err.desc)}`));
        } else {
          p.resolve(msg.return);
        }
      }
    }
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    this.greetingWaiter?.(false);
    this.greetingWaiter = null;
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  execute(command: string, args?: { [k: string]: Json }, timeoutMs = 30_000): Promise<Json> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.queue.findIndex((p) => p.timer === timer);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new QmpError(command, `no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.queue.push({ command, resolve, reject, timer });
      const msg = args === undefined ? { execute: command } : { execute: command, arguments: args };
      this.socket.write(JSON.stringify(msg) + "\n");
    });
  }

  /** Runs an HMP command; HMP reports errors only as output text, so non-empty output fails. */
  async hmp(commandLine: string, timeoutMs = 60_000): Promise<void> {
    const out = await this.execute("human-monitor-command", { "command-line": commandLine }, timeoutMs);
    const text = typeof out === "string" ? out.trim() : "";
    if (text !== "") throw new QmpError(commandLine, text);
  }

  async status(): Promise<{ running: boolean; status: string }> {
    const r = (await this.execute("query-status")) as { running: boolean; status: string };
    return { running: Boolean(r.running), status: String(r.status) };
  }

  /** savevm under a tag (the VM keeps running afterwards). */
  async saveSnapshot(tag: string): Promise<void> {
    checkTag(tag);
    await this.hmp(`savevm ${tag}`, 120_000);
    // savevm pauses the VM while writing and resumes it; make sure it runs.
    const s = await this.status();
    if (!s.running) await this.execute("cont");
  }

  /** loadvm; a failed loadvm leaves the VM paused, so resume before reporting the error. */
  async loadSnapshot(tag: string): Promise<void> {
    checkTag(tag);
    try {
      await this.hmp(`loadvm ${tag}`, 60_000);
    } catch (e) {
      await this.execute("cont").catch(() => undefined);
      throw e;
    }
    const s = await this.status();
    if (!s.running) await this.execute("cont");
  }

  async quit(): Promise<void> {
    await this.execute("quit", undefined, 5000).catch(() => undefined);
    this.close();
  }

  close(): void {
    this.socket.destroy();
  }
}

function checkTag(tag: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new QmpError("snapshot", `bad snapshot tag "${tag}"`);
}
