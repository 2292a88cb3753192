// The provisioning state machine on SYNTHETIC console transcripts written for these tests to
// mimic FreeBSD's serial console (beastie menu countdown, loader "OK" prompt, getty login, csh
// prompt of 10.x root, sh). They are not recordings: a real transcript from each release would
// confirm the menu text ("Autoboot in N seconds"), the plain countdown text, and the prompts.
// The same engine logs into the real Linux test guest in testguest.test.ts.

import { describe, expect, it } from "vitest";
import { BufferedConsole } from "../../src/vm/console.ts";
import { runScript, ScriptError, shellCommand } from "../../src/vm/expect.ts";
import {
  freebsdProvisionCommands,
  freebsdProvisionScript,
  linuxLoginScript,
  type FreebsdProvisionOptions,
} from "../../src/vm/provision.ts";

type Responder = { on: RegExp; reply: (typed: string) => string };

/** A console that answers what is typed, like a guest would (asynchronously). */
class ScriptedConsole extends BufferedConsole {
  readonly typed: string[] = [];
  constructor(
    initial: string,
    private readonly responders: Responder[],
  ) {
    super();
    setImmediate(() => this.append(initial));
  }
  write(text: string): void {
    this.typed.push(text);
    const r = this.responders.find((x) => x.on.test(text));
    if (r) setImmediate(() => this.append(r.reply(text)));
  }
}

// SYNTHETIC: the shape of a 10.x/11.x VM image's serial output.
const LOADER_MENU =
  "\x1b[H\x1b[J  ______               ____   _____ _____  \r\n" +
  "                 1. Boot Multi User [Enter]\r\n                 3. Escape to loader prompt\r\n" +
  "   Autoboot in 10 seconds, hit [Enter] to boot or any other key to stop   ";
const PLAIN_COUNTDOWN =
  "\r\nHit [Enter] to boot immediately, or any other key for command prompt.\r\nBooting [/boot/kernel/kernel] in 9 seconds... ";
const KERNEL_BOOT =
  "boot\r\n/boot/kernel/kernel text=0x1000000\r\nCopyright (c) 1992-2017 The FreeBSD Project.\r\n" +
  "FreeBSD 10.4-RELEASE #0 r324094: Fri Sep 29 01:45:44 UTC 2017\r\nvtnet0: <VirtIO Networking Adapter>\r\n" +
  "\r\nFreeBSD/amd64 (freebsd) (ttyu0)\r\n\r\nlogin: ";

function freebsdGuest(opts: { shellFails?: RegExp } = {}): Responder[] {
  return [
    {
      on: /^3$| $/,
      reply: () => "\r\n\r\nType '?' for a list of commands, 'help' for more detailed help.\r\nOK ",
    },
    { on: /^set console/, reply: (t) => `${t.trim()}\r\nOK ` },
    { on: /^boot\r$/, reply: () => KERNEL_BOOT },
    { on: /^root\r$/, reply: () => "root\r\nPassword:" },
    { on: /^\r$/, reply: () => "\r\nFreeBSD 10.4-RELEASE (GENERIC)\r\n\r\nroot@freebsd:~ # " },
    { on: /^exec \/bin\/sh\r$/, reply: () => "exec /bin/sh\r\n# " },
    {
      on: /__INCONF_\d+_RC_\$\?__/,
      reply: (t) => {
        const n = /__INCONF_(\d+)_RC/.exec(t)?.[1];
        const rc = opts.shellFails?.test(t) ? 1 : 0;
        return `${t.replace(/\r$/, "")}\r\n__INCONF_${n}_RC_${rc}__\r\n# `;
      },
    },
  ];
}

const opts: FreebsdProvisionOptions = {
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE9f9RnpdjjD1oKAssXINzbMIqqMWBI7kXY6iLCwyLzx inconf",
  testNics: ["vtnet0", "vtnet1"],
  mgmtNic: "em0",
  mgmtAddr: "10.0.2.15/24",
  mgmtGateway: "10.0.2.2",
  bootTimeoutMs: 2000,
};

describe("FreeBSD provisioning script (synthetic transcripts)", () => {
  it("escapes the beastie menu, sets the serial console, logs in and runs every command", async () => {
    const con = new ScriptedConsole(LOADER_MENU, freebsdGuest());
    const r = await runScript(con, freebsdProvisionScript(opts));
    const n = freebsdProvisionCommands(opts).length;
    expect(r.trail.slice(0, 6)).toEqual([
      "loader",
      "loaderPrompt",
      "loaderBoot",
      "login",
      "password",
      "password",
    ]);
    expect(r.trail.filter((s) => s.startsWith("cmd"))).toHaveLength(n);
    expect(con.typed.slice(0, 6)).toEqual([
      "3",
      'set console="comconsole"\r',
      "boot\r",
      "root\r",
      "\r",
      "exec /bin/sh\r",
    ]);
    const typed = con.typed.join("");
    expect(typed).toContain(`echo '${opts.publicKey}' > /root/.ssh/authorized_keys`);
    expect(typed).toContain("ifconfig vtnet0 -txcsum -rxcsum -tso -lro");
    expect(typed).toContain("ifconfig vtnet1 -txcsum -rxcsum -tso -lro");
    expect(typed).toContain("service sshd onerestart");
    expect(typed).toContain("service devd onestop");
  });

  it("takes the plain countdown (menu disabled) with a space", async () => {
    const con = new ScriptedConsole(PLAIN_COUNTDOWN, freebsdGuest());
    await runScript(con, freebsdProvisionScript(opts));
    expect(con.typed[0]).toBe(" ");
  });

  it("goes straight to login when the console is already serial (BASIC-CI)", async () => {
    const con = new ScriptedConsole("\r\nFreeBSD/amd64 (freebsd) (ttyu0)\r\n\r\nlogin: ", freebsdGuest());
    const r = await runScript(con, freebsdProvisionScript(opts));
    expect(r.trail[0]).toBe("loader");
    expect(r.trail[1]).toBe("password");
    expect(con.typed[0]).toBe("root\r");
  });

  it("stops with the failing command and the console tail", async () => {
    const con = new ScriptedConsole(LOADER_MENU, freebsdGuest({ shellFails: /service sshd/ }));
    const err = await runScript(con, freebsdProvisionScript(opts)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect((err as Error).message).toMatch(
      /command failed: service sshd onerestart[\s\S]*__INCONF_\d+_RC_1__/,
    );
  });

  it("times out with the state it was in and what it waited for", async () => {
    const con = new ScriptedConsole(
      "BTX loader 1.00  BTX version is 1.02\r\nConsoles: internal video/keyboard\r\n",
      [],
    );
    const err = await runScript(con, freebsdProvisionScript({ ...opts, bootTimeoutMs: 200 })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /stuck in state "loader"[\s\S]*Autoboot[\s\S]*Consoles: internal video\/keyboard/,
    );
  });

  it("reports a kernel panic while waiting for login", async () => {
    const con = new ScriptedConsole(LOADER_MENU, [
      ...freebsdGuest().slice(0, 2),
      { on: /^boot\r$/, reply: () => "boot\r\npanic: page fault\r\ncpuid = 0\r\n" },
    ]);
    await expect(runScript(con, freebsdProvisionScript(opts))).rejects.toThrow(/kernel panicked/);
  });

  it("sees a prompt followed by a terminal query (busybox ash sends ESC [6n after it)", async () => {
    const con = new ScriptedConsole("\r\nlogin: \x1b[6n", [
      { on: /^root\r$/, reply: () => "root\r\n~ # \x1b[6n" },
    ]);
    const r = await runScript(con, linuxLoginScript(1000, []));
    expect(r.trail).toEqual(["login", "shell"]);
  });

  it("takes a console that logs root in by itself straight to sh", async () => {
    const con = new ScriptedConsole(
      "\r\nFreeBSD/amd64 (freebsd) (ttyu0)\r\n\r\nroot@freebsd:~ # ",
      freebsdGuest(),
    );
    const r = await runScript(con, freebsdProvisionScript(opts));
    expect(r.trail.slice(0, 3)).toEqual(["loader", "shell", "cmd0"]);
  });

  it("keeps every typed line under FreeBSD's canonical-mode input limit", () => {
    for (const c of freebsdProvisionCommands({ ...opts, testNics: ["vtnet0", "vtnet1", "vtnet2"] })) {
      expect(c.cmd.length + 30, c.cmd).toBeLessThanOrEqual(200);
    }
  });

  it("refuses a malformed key or interface name before typing anything", () => {
    expect(() => freebsdProvisionCommands({ ...opts, publicKey: "not a key; rm -rf /" })).toThrow(
      /public key/,
    );
    expect(() => freebsdProvisionCommands({ ...opts, testNics: ["vtnet0;reboot"] })).toThrow(
      /interface name/,
    );
  });

  it("never takes a command's own echo for its exit status", async () => {
    // The guest echoes the typed line (which contains the literal `$?`) long before the status.
    const state = shellCommand("true", "done", 300);
    const typed: string[] = [];
    class EchoOnly extends BufferedConsole {
      write(t: string): void {
        typed.push(t);
        setImmediate(() => this.append(t + "\r\n"));
      }
    }
    const con = new EchoOnly();
    await expect(runScript(con, { start: "s", states: { s: state } })).rejects.toThrow(/stuck in state "s"/);
    expect(typed[0]).toMatch(/^true; echo __INCONF_\d+_RC_\$\?__\r$/);
  });
});
