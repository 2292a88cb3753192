// SSH to a guest through its forwarded port on 127.0.0.1 (ssh2, pure JS). The port accepts
// before the guest's sshd runs (QEMU's user-mode forwarder answers), so "connected" means the
// SSH handshake and authentication completed, and connecting retries until a deadline. Guests
// are throwaway VMs on loopback with keys made for them: host keys are not verified.

import { Client, type ClientChannel, type ConnectConfig } from "ssh2";

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer | string;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

export class SshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshError";
  }
}

export class SshSession {
  private closed = false;
  private constructor(private readonly client: Client) {
    client.on("close", () => (this.closed = true));
    client.on("error", () => (this.closed = true));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Connects, retrying until `deadlineMs` (absolute, Date.now() based). `describe` adds context
   * (e.g. the console tail) to the final error.
   */
  static async connect(
    target: SshTarget,
    timeoutMs: number,
    describe: () => Promise<string> = async () => "",
  ): Promise<SshSession> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    let attempt = 0;
    while (Date.now() < deadline) {
      attempt++;
      const left = deadline - Date.now();
      try {
        return await SshSession.connectOnce(target, Math.max(1000, Math.min(left, 20_000)));
      } catch (e) {
        last = (e as Error).message;
        // Authentication failures will not fix themselves; anything else may be a guest still booting.
        if (/authentication methods failed/i.test(last)) break;
        await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1000)));
      }
    }
    const extra = await describe().catch(() => "");
    throw new SshError(
      `ssh root@${target.host}:${target.port}: not ready after ${(timeoutMs / 1000).toFixed(1)} s ` +
        `(${attempt} attempt(s)); last error: ${last}${extra ? `\n${extra}` : ""}`,
    );
  }

  private static connectOnce(target: SshTarget, readyTimeout: number): Promise<SshSession> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout,
        hostVerifier: () => true,
        keepaliveInterval: 0,
      };
      client.once("ready", () => {
        settled = true;
        resolve(new SshSession(client));
      });
      // `on`, not `once`: ssh2 can emit several errors for one failed attempt, and an
      // unhandled one would crash the process.
      client.on("error", (e) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(e);
      });
      client.once("close", () => {
        if (settled) return;
        settled = true;
        reject(new SshError("connection closed before authentication"));
      });
      client.connect(config);
    });
  }

  /** Runs a command to completion, with optional stdin, bounded by timeoutMs. */
  exec(command: string, opts: { stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new SshError(`exec "${command}": connection is closed`));
      this.client.exec(command, (err, ch) => {
        if (err) return reject(new SshError(`exec "${command}": ${err.message}`));
        const out: Buffer[] = [];
        let errText = "";
        let code: number | null = null;
        const timer = setTimeout(() => {
          ch.close();
          reject(new SshError(`exec "${command}": no exit within ${timeoutMs} ms`));
        }, timeoutMs);
        ch.on("data", (d: Buffer) => out.push(d));
        ch.stderr.on("data", (d: Buffer) => (errText += d.toString("utf8")));
        ch.on("exit", (c: number | null) => (code = c));
        ch.on("close", () => {
          clearTimeout(timer);
          resolve({ stdout: Buffer.concat(out), stderr: errText, code });
        });
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  /** Runs a command and fails unless it exits 0; returns stdout as text. */
  async run(command: string, opts: { stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) {
      throw new SshError(`"${command}" exited ${r.code}: ${r.stderr.trim() || r.stdout.toString().trim()}`);
    }
    return r.stdout.toString("utf8");
  }

  /** Starts a long-running command and returns its channel (the agent's stdin/stdout). */
  spawn(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new SshError(`spawn "${command}": connection is closed`));
      this.client.exec(command, (err, ch) => (err ? reject(new SshError(err.message)) : resolve(ch)));
    });
  }

  close(): void {
    this.client.end();
    this.closed = true;
  }
}
