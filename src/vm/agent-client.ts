// Client of the guest agent over any byte stream pair (a serial or virtio-console chardev socket,
// an SSH channel to inconf-agent, or a local child process in tests): one request at a time,
// framed (agent-protocol.ts, "Framing"). The line may damage, drop or split bytes: a damaged
// request is NAKed and sent again, a request with no receipt within ackTimeoutMs is sent again,
// an answer that arrives damaged (or not at all within pollMs of the receipt) is asked for again
// with the same request, which the agent answers from its cache without running the op twice.
// A dead stream or an agent that never answers fails the request with a clear error.

import { randomInt } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import {
  AgentProtocolError,
  PROTOCOL,
  FrameReader,
  decodeResponse,
  encodeRequest,
  frame,
  parseReadyLine,
  type AgentOk,
  type AgentRequest,
  type FrameEvent,
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

export interface LineOptions {
  /** Resend a request whose receipt has not come within this (plus 1 ms per 100 bytes). */
  ackTimeoutMs?: number;
  /** Once received, ask again for an answer that has not come within this. */
  pollMs?: number;
  /** Drop a partial frame that has not grown for this long (its end was lost). */
  stallMs?: number;
}

/** What the client saw on the line (all requests so far). */
export interface LineCounters {
  requests: number;
  /** Requests sent again (after a NAK, damaged input, or a missing receipt or answer). */
  resends: number;
  naks: number;
  /** Stretches of input that were not good frames. */
  damaged: number;
}

const DEFAULTS: Required<LineOptions> = { ackTimeoutMs: 2000, pollMs: 10_000, stallMs: 1000 };

export class AgentClient {
  private readonly reader = new FrameReader();
  private events: FrameEvent[] = [];
  private wake: (() => void) | null = null;
  private ended: string | null = null;
  private stderrTail = "";
  private lastInput = 0;
  /** Ids are unique per client (a restored guest's agent remembers an earlier client's last). */
  private nextId = randomInt(1, 2 ** 31);
  private readonly o: Required<LineOptions>;
  readonly counters: LineCounters = { requests: 0, resends: 0, naks: 0, damaged: 0 };
  version = "";
  settleMs = 0;

  private constructor(
    private readonly io: AgentStreams,
    opts: LineOptions,
  ) {
    this.o = { ...DEFAULTS, ...opts };
    io.stdout.setEncoding("latin1");
    io.stdout.on("data", (chunk: string) => {
      this.reader.push(chunk);
      this.lastInput = Date.now();
      for (let e = this.reader.next(); e !== null; e = this.reader.next()) this.events.push(e);
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

  /** Waits for the agent's ready frame. */
  static async start(io: AgentStreams, timeoutMs = 15_000, opts: LineOptions = {}): Promise<AgentClient> {
    const c = new AgentClient(io, opts);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await c.nextEvent(deadline, timeoutMs, "the agent's ready line");
      if (e.kind === "damaged") {
        const old = /^- ready (\S+)/.exec(e.text);
        if (old) {
          throw new AgentError(
            `the agent announced "${old[1]}" without framing; this client speaks inconf-agent/${PROTOCOL} (rebuild the agent)`,
          );
        }
        continue; // boot noise, or a ready line the line damaged (the agent keeps listening)
      }
      const ready = parseReadyLine(e.payload);
      if (!ready)
        throw new AgentError(`agent did not announce itself; first frame: "${e.payload.slice(0, 200)}"`);
      if (ready.protocol !== PROTOCOL) {
        throw new AgentError(`the agent speaks ${ready.version}; this client speaks protocol ${PROTOCOL}`);
      }
      c.version = ready.version;
      c.settleMs = ready.settleMs;
      return c;
    }
  }

  /** A client for an agent that is already running and idle (a guest restored from a snapshot
   * taken after its ready line): no ready line will come. */
  static attach(io: AgentStreams, version: string, settleMs: number, opts: LineOptions = {}): AgentClient {
    const c = new AgentClient(io, opts);
    c.version = version;
    c.settleMs = settleMs;
    return c;
  }

  /** The next event before deadline; a partial frame that stopped growing counts as damaged. */
  private async nextEvent(
    deadline: number,
    timeoutMs: number,
    what: string,
    until = deadline,
  ): Promise<FrameEvent> {
    for (;;) {
      const e = this.events.shift();
      if (e !== undefined) return e;
      if (this.ended !== null)
        throw new AgentError(`${this.ended} while waiting for ${what}${this.describeStderr()}`);
      const now = Date.now();
      if (this.reader.pending > 0 && now - this.lastInput >= this.o.stallMs) {
        const d = this.reader.discard();
        if (d) return d;
      }
      if (now >= deadline)
        throw new AgentError(
          `no answer within ${timeoutMs} ms while waiting for ${what}${this.describeStderr()}`,
        );
      if (now >= until) return { kind: "damaged", text: "" }; // the caller's own timer
      let wait = Math.min(deadline, until) - now;
      if (this.reader.pending > 0) wait = Math.min(wait, Math.max(1, this.lastInput + this.o.stallMs - now));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
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
    if (this.nextId >= 2 ** 31) this.nextId = 1;
    const payload = encodeRequest(id, req);
    const wire = frame(payload);
    const what = `the answer to "${payload.slice(0, 80)}"`;
    const ackMs = this.o.ackTimeoutMs + Math.ceil(wire.length / 100);
    const deadline = Date.now() + timeoutMs;
    const ackPrefix = `${id} ack`;
    const prefix = `${id} `;
    let acked = false;
    let sentAt = 0;
    const send = (): void => {
      if (this.ended !== null) throw new AgentError(`${this.ended}${this.describeStderr()}`);
      this.io.stdin.write(wire);
      sentAt = Date.now();
    };
    const resend = (): void => {
      this.counters.resends++;
      send();
    };
    this.counters.requests++;
    send();
    for (;;) {
      const until = sentAt + (acked ? this.o.pollMs : ackMs);
      const e = await this.nextEvent(deadline, timeoutMs, what, until);
      if (e.kind === "damaged") {
        if (e.text !== "") this.counters.damaged++;
        resend(); // whatever it was, the agent answers a repeat from its cache
        continue;
      }
      const p = e.payload;
      if (p === "- nak") {
        this.counters.naks++;
        resend();
        continue;
      }
      if (p === ackPrefix) {
        acked = true;
        continue;
      }
      if (p.startsWith("- ready ")) {
        throw new AgentError(`the agent restarted while waiting for ${what}${this.describeStderr()}`);
      }
      if (!p.startsWith(prefix) && !p.startsWith("- error")) continue; // a stale answer or receipt
      let parsed;
      try {
        parsed = decodeResponse(p);
      } catch (err) {
        throw new AgentError(`${(err as AgentProtocolError).message} (request "${payload.slice(0, 80)}")`);
      }
      if (parsed.id === "-") {
        if (!parsed.res.ok) throw new AgentError(`agent: ${parsed.res.message}`);
        continue;
      }
      if (!parsed.res.ok) {
        throw new AgentError(`agent refused "${payload.slice(0, 80)}": ${parsed.res.message}`, true);
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
