// Console scripts: FreeBSD provisioning (from the boot loader to a guest reachable over SSH with
// quiet test NICs) and the Linux test guest's console login.
//
// FreeBSD facts used (sources):
//   - VM-IMAGES print the boot loader on the serial line but the kernel console is the video
//     console unless the loader is told `set console="comconsole"` (google/syzkaller
//     docs/freebsd/README.md: escape to the loader prompt, set console, boot; then persist it in
//     /boot/loader.conf).
//   - root has an empty password on VM-IMAGES (console login); BASIC-CI images run sshd with
//     root/empty password and a serial console (release/tools/basic-ci.conf).
//   - VM images set ifconfig_DEFAULT="DHCP" in rc.conf (release/tools/vmimage.subr), so every NIC,
//     test NICs included, would run dhclient and devd would restart it on link up: we drop that
//     and stop devd, or the test NICs would emit DHCP frames of their own.
//   - vtnet offloads checksums/TSO/LRO (REFERENCES.md): turned off per test NIC.

import { shellSequence, type Script } from "./expect.ts";

export interface FreebsdProvisionOptions {
  /** OpenSSH public key line installed for root. */
  publicKey: string;
  /** Test NIC names in the guest (vtnet0, vtnet1 when the management NIC is em0). */
  testNics: string[];
  /** Management NIC and its static address on QEMU's user network. */
  mgmtNic: string;
  mgmtAddr: string;
  mgmtGateway: string;
  /** Upper bound for booting to the login prompt (TCG boots of 10.x take minutes). */
  bootTimeoutMs: number;
}

const SHORT = 30_000;

/** FreeBSD's tty drops input beyond MAX_INPUT (255) bytes per canonical line; keep well under. */
export const MAX_TYPED_LINE = 200;

/** A prompt at the end of the console output, allowing terminal queries after it (busybox ash
 * asks for the cursor position, ESC [6n, right after printing its prompt). */
function atEnd(text: string): RegExp {
  return new RegExp(`${text}(?:\\x1b\\[[0-9;?]*[A-Za-z])*$`);
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Commands typed on the FreeBSD console after login, in /bin/sh. */
export function freebsdProvisionCommands(o: FreebsdProvisionOptions): { cmd: string; timeoutMs: number }[] {
  if (!/^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+( [^'\n]*)?$/.test(o.publicKey.trim())) {
    throw new Error(`not an OpenSSH public key line: ${o.publicKey.slice(0, 40)}…`);
  }
  for (const n of [...o.testNics, o.mgmtNic]) {
    if (!/^[a-z]+[0-9]+$/.test(n)) throw new Error(`bad interface name "${n}"`);
  }
  const cmds: { cmd: string; timeoutMs: number }[] = [
    // Serial console and a short autoboot from now on (the snapshot makes reboots rare anyway).
    {
      cmd: `printf '%s\\n' 'console="comconsole"' 'autoboot_delay="1"' >> /boot/loader.conf`,
      timeoutMs: SHORT,
    },
    { cmd: `mkdir -p /root/.ssh && chmod 700 /root/.ssh`, timeoutMs: SHORT },
    {
      cmd: `echo ${shq(o.publicKey.trim())} > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys`,
      timeoutMs: SHORT,
    },
    {
      cmd: `grep -q '^PermitRootLogin without-password' /etc/ssh/sshd_config || echo 'PermitRootLogin without-password' >> /etc/ssh/sshd_config`,
      timeoutMs: SHORT,
    },
    // No DHCP anywhere: the management NIC gets a static address, test NICs stay silent.
    { cmd: `sysrc -x ifconfig_DEFAULT >/dev/null 2>&1; sysrc sshd_enable=YES >/dev/null`, timeoutMs: SHORT },
    { cmd: `(service devd onestop; pkill dhclient) >/dev/null 2>&1; true`, timeoutMs: SHORT },
    {
      cmd: `ifconfig ${o.mgmtNic} inet ${o.mgmtAddr} up && (route -q delete default; route -q add default ${o.mgmtGateway}) >/dev/null 2>&1; true`,
      timeoutMs: SHORT,
    },
  ];
  for (const nic of o.testNics) {
    cmds.push(
      { cmd: `ifconfig ${nic} -txcsum -rxcsum -tso -lro inet6 -accept_rtadv ifdisabled`, timeoutMs: SHORT },
      {
        cmd: `for a in $(ifconfig ${nic} | awk '$1=="inet"{print $2}'); do ifconfig ${nic} inet $a -alias; done`,
        timeoutMs: SHORT,
      },
      { cmd: `ifconfig ${nic} down`, timeoutMs: SHORT },
    );
  }
  // First start generates host keys: slow without KVM.
  cmds.push({ cmd: `service sshd onerestart >/dev/null 2>&1 || service sshd onestart`, timeoutMs: 600_000 });
  for (const c of cmds) {
    // + the exit-status marker shellCommand appends
    if (c.cmd.length + 30 > MAX_TYPED_LINE)
      throw new Error(`provisioning line too long to type: ${c.cmd.slice(0, 60)}…`);
  }
  return cmds;
}

/**
 * From power-on to a shell that ran the provisioning commands. Works for VM-IMAGES (console on the
 * video console until the loader is told otherwise) and for BASIC-CI images (serial already).
 */
export function freebsdProvisionScript(o: FreebsdProvisionOptions): Script {
  return {
    start: "loader",
    states: {
      loader: {
        rules: [
          // beastie menu (10.x and later): option 3 is "Escape to loader prompt"
          { on: /Autoboot in \d+ second/, send: "3", next: "loaderPrompt" },
          // menu disabled: the plain countdown takes any key but Enter
          { on: /Hit \[Enter\] to boot immediately, or any other key/, send: " ", next: "loaderPrompt" },
          { on: atEnd("login: ?"), send: "root\r", next: "password" },
          { on: atEnd("[#%$] "), send: "exec /bin/sh\r", next: "shell" },
        ],
        timeoutMs: o.bootTimeoutMs,
      },
      loaderPrompt: {
        rules: [{ on: atEnd("OK "), send: `set console="comconsole"\r`, next: "loaderBoot" }],
        timeoutMs: SHORT,
      },
      loaderBoot: {
        rules: [{ on: atEnd("OK "), send: "boot\r", next: "login" }],
        timeoutMs: SHORT,
      },
      login: {
        rules: [
          { on: atEnd("login: ?"), send: "root\r", next: "password" },
          // a console that logs root in by itself (autologin): straight to sh
          { on: atEnd("[#%$] "), send: "exec /bin/sh\r", next: "shell" },
          { on: /panic:/, fail: "the guest kernel panicked" },
        ],
        timeoutMs: o.bootTimeoutMs,
      },
      password: {
        rules: [
          { on: atEnd("Password: ?"), send: "\r", next: "password" },
          { on: /Login incorrect/, fail: "root login refused (not an image with an empty root password?)" },
          // csh (10.x root) or sh prompt: switch to sh so the command markers work the same
          { on: atEnd("[#%$] "), send: "exec /bin/sh\r", next: "shell" },
        ],
        timeoutMs: SHORT,
      },
      shell: {
        rules: [{ on: atEnd("# "), next: "cmd0" }],
        timeoutMs: SHORT,
      },
      ...shellSequence("cmd", freebsdProvisionCommands(o), "done"),
    },
  };
}

/** Console login on the Linux test guest (busybox getty, root with an empty password). */
export function linuxLoginScript(bootTimeoutMs: number, commands: string[]): Script {
  return {
    start: "login",
    states: {
      login: {
        // getty may already have printed its prompt before we looked: a newline asks again
        enter: "\r",
        rules: [{ on: atEnd("login: ?"), send: "root\r", next: "shell" }],
        timeoutMs: bootTimeoutMs,
      },
      shell: {
        rules: [
          { on: atEnd("Password: ?"), send: "\r", next: "shell" },
          { on: /Login incorrect/, fail: "root login refused" },
          { on: atEnd("# "), next: commands.length > 0 ? "cmd0" : "done" },
        ],
        timeoutMs: SHORT,
      },
      ...shellSequence(
        "cmd",
        commands.map((cmd) => ({ cmd, timeoutMs: SHORT })),
        "done",
      ),
    },
  };
}
