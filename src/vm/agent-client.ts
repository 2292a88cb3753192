// Client of the guest agent over any byte stream pair (an SSH channel to inconf-agent, or a local
// child process in tests): writes request lines, matches response lines by id, one at a time.
// A dead stream or a silent agent fails the pending request with a clear error.

import type { Readable, Writable } from "node:stream";
import {
  AgentProtocolError,
  decodeResponse,
  encodeRequest,
  parseReadyLine,
  type AgentOk,
  type AgentRequest,
} from "./agent-protocol.ts";

export class AgentError extends Error {
  /** The agent answered and refused the request (a bad request, not a dead guest). */
  readonly refused: boolean;
  constructor(message: string, refused = false) {
    super(message);
    this.name = "AgentError";
    this.refused = refused;
  }
}

export interface AgentStreams {
  stdin: Writable;
  stdout: Readable;
  stderr?: Readable;
}

export class AgentClient {
  private buf = "";
  private lines: string[] = [];
  private wake: (() => void) | null = null;
  private ended: string | null = null;
  private stderrTail = "";
  private nextId = 1;
  version = "";
  settleMs = 0;

  private constructor(private readonly io: AgentStreams) {
    io.stdout.setEncoding("utf8");
    io.stdout.on("data", (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.wake?.();
    });
    const end = (why: string) => (): void => {
      this.ended ??= why;
      this.wake?.();
    };
    io.stdout.on("end", end("agent closed its output"));
    io.stdout.on("close", end("agent stream closed"));
    io.stdout.on("error", (e: Error) => end(`agent stream error: ${e.message}`)());
    io.stderr?.setEncoding("utf8");
    io.stderr?.on("data", (c: string) => (this.stderrTail = (this.stderrTail + c).slice(-2000)));
  }

  /** Waits for the agent's ready line. */
  static async start(io: AgentStreams, timeoutMs = 15_000): Promise<AgentClient> {
    const c = new AgentClient(io);
    const line = await c.nextLine(timeoutMs, "the agent's ready line");
    const ready = parseReadyLine(line);
    if (!ready) throw new AgentError(`agent did not announce itself; first line: "${line.slice(0, 200)}"`);
    c.version = ready.version;
    c.settleMs = ready.settleMs;
    return c;
  }

  /** A client for an agent that is already running and idle (a guest restored from a snapshot
   * taken after its ready line): no ready line will come. */
  static attach(io: AgentStreams, version: string, settleMs: number): AgentClient {
    const c = new AgentClient(io);
    c.version = version;
    c.settleMs = settleMs;
    return c;
  }

  private async nextLine(timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = this.lines.shift();
      if (l !== undefined) return l;
      if (this.ended !== null)
        throw new AgentError(`${this.ended} while waiting for ${what}${this.describeStderr()}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new AgentError(
          `no answer within ${timeoutMs} ms while waiting for ${what}${this.describeStderr()}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  private describeStderr(): string {
    const t = this.stderrTail.trim();
    return t ? `; agent stderr: ${t}` : "";
  }

  get alive(): boolean {
    return this.ended === null;
  }

  /** Sends one request and returns its ok response; an agent-level error is thrown. */
  async request(req: AgentRequest, timeoutMs = 60_000): Promise<AgentOk> {
    const id = this.nextId++;
    const line = encodeRequest(id, req);
    if (this.ended !== null) throw new AgentError(`${this.ended}${this.describeStderr()}`);
    this.io.stdin.write(line + "\n");
    for (;;) {
      const reply = await this.nextLine(timeoutMs, `the answer to "${line.slice(0, 80)}"`);
      let parsed;
      try {
        parsed = decodeResponse(reply);
      } catch (e) {
        throw new AgentError(`${(e as AgentProtocolError).message} (request "${line.slice(0, 80)}")`);
      }
      if (parsed.id !== String(id)) {
        if (parsed.id === "-" && !parsed.res.ok) throw new AgentError(`agent: ${parsed.res.message}`);
        continue; // a stale answer to an earlier, timed-out request
      }
      if (!parsed.res.ok) {
        throw new AgentError(`agent refused "${line.slice(0, 80)}": ${parsed.res.message}`, true);
      }
      return parsed.res;
    }
  }

  async quit(): Promise<void> {
    if (this.ended === null) {
      await this.request({ kind: "quit" }, 5000).catch(() => undefined);
    }
    this.io.stdin.end();
  }
}
