// The guest's serial console: QEMU serves it on a unix socket (and also logs it to a file). We
// keep everything received so far, let callers wait for text with a deadline, and type into it.
// Errors always carry the tail of what the console printed: that is where boot problems show.

import net from "node:net";

/** What provisioning needs from a console; the tests provide a scripted one. */
export interface ConsoleLike {
  /** Everything received so far (control characters kept). */
  readonly text: string;
  write(text: string): void;
  /** Resolves with the first match of `re` in text received at or after offset `from`. */
  waitFor(re: RegExp, timeoutMs: number, from?: number): Promise<ConsoleMatch>;
}

export interface ConsoleMatch {
  match: RegExpExecArray;
  /** Offset just past the match, to continue waiting from. */
  end: number;
}

export class ConsoleTimeoutError extends Error {
  constructor(
    readonly waitedFor: string,
    readonly tail: string,
    timeoutMs: number,
  ) {
    super(
      `console: no ${waitedFor} within ${(timeoutMs / 1000).toFixed(1)} s; last console output:\n` +
        indent(tail),
    );
    this.name = "ConsoleTimeoutError";
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  | ${l}`)
    .join("\n");
}

/** Printable tail of console text: escape sequences removed, last `lines` lines. */
export function consoleTail(text: string, lines = 20): string {
  /* eslint-disable no-control-regex -- console text is full of control characters */
  const clean = text
    // CSI and other escape sequences (menus and terminal resets on the serial line)
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_]/g, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
  /* eslint-enable no-control-regex */
  return clean.split("\n").slice(-lines).join("\n");
}

type Waiter = { check: () => boolean };

/** Shared waiting logic over a growing text buffer. */
export abstract class BufferedConsole implements ConsoleLike {
  protected buf = "";
  private waiters = new Set<Waiter>();
  protected closedReason: string | null = null;

  get text(): string {
    return this.buf;
  }

  abstract write(text: string): void;

  protected append(chunk: string): void {
    this.buf += chunk;
    for (const w of [...this.waiters]) w.check();
  }

  protected markClosed(reason: string): void {
    this.closedReason = reason;
    for (const w of [...this.waiters]) w.check();
  }

  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<ConsoleMatch> {
    const flags = re.flags.replace("g", "").replace("y", "");
    const rx = new RegExp(re.source, flags);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const m = rx.exec(this.buf.slice(from));
          if (m) {
            finish();
            resolve({ match: m, end: from + m.index + m[0].length });
            return true;
          }
          if (this.closedReason !== null) {
            finish();
            reject(
              new Error(
                `console closed (${this.closedReason}) while waiting for ${re}; last output:\n` +
                  indent(consoleTail(this.buf)),
              ),
            );
            return true;
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new ConsoleTimeoutError(String(re), consoleTail(this.buf), timeoutMs));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      waiter.check();
    });
  }
}

/** The console of a running QEMU, through its chardev unix socket. */
export class SerialConsole extends BufferedConsole {
  private constructor(private readonly socket: net.Socket) {
    super();
    socket.setEncoding("latin1"); // bytes as-is: consoles print anything
    socket.on("data", (chunk: string) => this.append(chunk));
    socket.on("close", () => this.markClosed("QEMU closed the serial socket"));
    socket.on("error", () => undefined);
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<SerialConsole> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const c = net.createConnection(path);
          c.once("connect", () => resolve(c));
          c.once("error", reject);
        });
        return new SerialConsole(s);
      } catch (e) {
        last = (e as Error).message;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`console: cannot connect to ${path} within ${timeoutMs} ms: ${last}`);
  }

  write(text: string): void {
    if (this.closedReason === null) this.socket.write(text, "latin1");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A FreeBSD kernel panic in console output: "panic: <why>" with the fatal trap line before it
 * and the function names of the KDB backtrace after it; null when there is none. */
export function kernelPanic(text: string): { message: string; complete: boolean } | null {
  const clean = consoleTail(text, Number.MAX_SAFE_INTEGER);
  const m = /^panic: (.*)$/m.exec(clean);
  if (!m) return null;
  const before = clean.slice(0, m.index);
  const trap = [...before.matchAll(/^Fatal trap \d+: (.*)$/gm)].at(-1)?.[1];
  const after = clean.slice(m.index);
  const frames = [...after.matchAll(/^#\d+ 0x[0-9a-f]+ at (\S+?)(?:\+0x[0-9a-f]+)?$/gm)].map((f) => f[1]);
  // KDB prints the backtrace down to the thread's first frame (fork_exit/fork_trampoline), then
  // the reboot countdown or the debugger prompt.
  const complete = /fork_trampoline|fork_exit|^Uptime:|^db>|Automatic reboot/m.test(after);
  const where = frames.filter(
    (f) => !/^(kdb_backtrace|vpanic|panic|trap_fatal|trap_pfault|trap|calltrap)$/.test(f),
  );
  return {
    message:
      `panic: ${m[1].trim()}${trap !== undefined && !m[1].includes(trap) ? ` (fatal trap: ${trap.trim()})` : ""}` +
      (where.length > 0 ? `; backtrace: ${where.join(" < ")}` : ""),
    complete,
  };
}
