// The QEMU command line for one inconf guest, as a pure function of a machine description so it
// can be unit-tested without QEMU. The layout:
//   - a disk (a qcow2 overlay over the pristine image, or a direct kernel + initramfs boot with a
//     small qcow2 drive only to hold savevm state),
//   - the serial console on a unix socket (typed into by provisioning) with a log file,
//   - a QMP socket (savevm/loadvm/quit),
//   - a management NIC on user-mode networking with SSH forwarded to 127.0.0.1,
//   - test NICs, each on its own `-netdev dgram` (QEMU >= 7.2) or legacy `-netdev socket,udp=`
//     on 127.0.0.1, so the host reads and writes their raw Ethernet frames.

export type Accel = "kvm" | "tcg";

export interface TestNicSpec {
  /** QEMU device model: "virtio-net-pci" (vtnet(4) in FreeBSD, eth* in Linux). */
  model: string;
  mac: string;
  /** UDP port QEMU binds on 127.0.0.1 (frames the host sends arrive here). */
  qemuPort: number;
  /** UDP port the host binds on 127.0.0.1 (frames the guest emits are sent here). */
  hostPort: number;
  /** Write a pcap of this NIC's traffic (QEMU filter-dump). */
  pcap?: string;
}

export type BootSpec =
  | { kind: "disk"; overlay: string }
  | { kind: "kernel"; kernel: string; initrd: string; append: string; stateDisk: string }
  /** A bootable ISO (the minimal FreeBSD guests), with a qcow2 drive only for savevm state. */
  | { kind: "cdrom"; iso: string; stateDisk: string };

/** The unix socket the guest agent is reached on: a virtio-console port (/dev/ttyV0.1 in a
 * FreeBSD guest, flow controlled by its virtqueue) or COM2 (/dev/cuau1, a 16550 without usable
 * flow control). */
export interface AgentChannel {
  socket: string;
  line: "virtio" | "serial";
}

export interface MachineSpec {
  qemu: string;
  accel: Accel;
  /** QEMU >= 7.2 has `-netdev dgram`; older ones get the legacy socket netdev. */
  hasDgramNetdev: boolean;
  machine: string;
  cpus: number;
  memoryMb: number;
  boot: BootSpec;
  consoleSocket: string;
  consoleLog: string;
  qmpSocket: string;
  /** sshPort null: no host forwarding and no way out (`restrict=on`); the NIC still exists so
   * the guest's interface indexes are those of the SSH layout (em0 first). */
  mgmt: { model: string; sshPort: number | null; mac: string };
  agentChannel?: AgentChannel;
  testNics: TestNicSpec[];
  /** A standard VGA plus SeaBIOS's serial console (`graphics=off`, which replaces the deprecated
   * sgabios), mirroring BIOS text output to the serial line and serial input to the BIOS
   * keyboard: a boot loader that only knows the video console (FreeBSD's loader before
   * `console="comconsole"`) is then readable and typeable on serial. */
  pcConsole?: boolean;
}

/** Offloads off at the device, so the guest never sees checksum/TSO features to enable: frames
 * then carry full checksums whatever the guest driver's defaults (the guest also turns them off). */
const NO_OFFLOAD_VIRTIO =
  "csum=off,guest_csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,guest_ufo=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off,mrg_rxbuf=off";

function deviceArgs(model: string, netdev: string, mac: string, noOffload: boolean): string {
  // romfile= skips iPXE option ROMs: nothing boots from the network, and it saves boot time.
  const extra = model.startsWith("virtio-net") && noOffload ? `,${NO_OFFLOAD_VIRTIO}` : "";
  return `${model},netdev=${netdev},mac=${mac},romfile=${extra}`;
}

function assertNoComma(what: string, value: string): void {
  // QEMU option values split on commas; a comma in a path would silently change the meaning.
  if (value.includes(",")) throw new Error(`${what} must not contain a comma: ${value}`);
}

export function buildQemuArgs(spec: MachineSpec): string[] {
  for (const [what, p] of [
    ["console socket", spec.consoleSocket],
    ["console log", spec.consoleLog],
    ["QMP socket", spec.qmpSocket],
  ] as const) {
    assertNoComma(what, p);
  }
  const args: string[] = [
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-machine",
    `${spec.machine},accel=${spec.accel}${spec.pcConsole ? ",graphics=off" : ""}`,
    "-smp",
    String(spec.cpus),
    "-m",
    String(spec.memoryMb),
  ];
  // Nested KVM hosts refuse MSR IA32_ARCH_CAPABILITIES, which QEMU then aborts on; guests here
  // never need it.
  if (spec.accel === "kvm") args.push("-cpu", "host,-arch-capabilities");
  if (spec.pcConsole) args.push("-vga", "std");

  const boot = spec.boot;
  switch (boot.kind) {
    case "disk":
      assertNoComma("disk overlay", boot.overlay);
      args.push("-drive", `file=${boot.overlay},format=qcow2,if=virtio,cache=unsafe`);
      break;
    case "kernel":
      assertNoComma("state disk", boot.stateDisk);
      args.push("-kernel", boot.kernel, "-initrd", boot.initrd, "-append", boot.append);
      // Not attached to any device: it only gives savevm a qcow2 to write the VM state into.
      args.push("-drive", `file=${boot.stateDisk},format=qcow2,if=none,id=vmstate,cache=unsafe`);
      break;
    case "cdrom":
      assertNoComma("ISO", boot.iso);
      assertNoComma("state disk", boot.stateDisk);
      args.push("-cdrom", boot.iso, "-boot", "d");
      args.push("-drive", `file=${boot.stateDisk},format=qcow2,if=none,id=vmstate,cache=unsafe`);
      break;
    default: {
      const never: never = boot;
      throw new Error(`unknown boot kind ${JSON.stringify(never)}`);
    }
  }

  args.push(
    "-chardev",
    `socket,id=con0,path=${spec.consoleSocket},server=on,wait=off,logfile=${spec.consoleLog},logappend=on`,
    "-serial",
    "chardev:con0",
    "-qmp",
    `unix:${spec.qmpSocket},server=on,wait=off`,
  );

  const ch = spec.agentChannel;
  if (ch) {
    assertNoComma("agent socket", ch.socket);
    args.push("-chardev", `socket,id=agent0,path=${ch.socket},server=on,wait=off`);
    if (ch.line === "serial") args.push("-serial", "chardev:agent0");
    else
      args.push(
        "-device",
        "virtio-serial-pci,id=vser0",
        "-device",
        "virtserialport,bus=vser0.0,nr=1,chardev=agent0,name=inconf.agent",
      );
  }

  const fwd = spec.mgmt.sshPort === null ? "restrict=on" : `hostfwd=tcp:127.0.0.1:${spec.mgmt.sshPort}-:22`;
  args.push(
    "-netdev",
    `user,id=mgmt,net=10.0.2.0/24,${fwd}`,
    "-device",
    deviceArgs(spec.mgmt.model, "mgmt", spec.mgmt.mac, false),
  );

  spec.testNics.forEach((nic, i) => {
    const id = `test${i}`;
    const netdev = spec.hasDgramNetdev
      ? `dgram,id=${id},local.type=inet,local.host=127.0.0.1,local.port=${nic.qemuPort},` +
        `remote.type=inet,remote.host=127.0.0.1,remote.port=${nic.hostPort}`
      : `socket,id=${id},udp=127.0.0.1:${nic.hostPort},localaddr=127.0.0.1:${nic.qemuPort}`;
    args.push("-netdev", netdev, "-device", deviceArgs(nic.model, id, nic.mac, true));
    if (nic.pcap !== undefined) {
      assertNoComma("pcap path", nic.pcap);
      args.push("-object", `filter-dump,id=dump${i},netdev=${id},file=${nic.pcap}`);
    }
  });
  return args;
}

/** QEMU prints "QEMU emulator version 7.2.22 (Debian ...)"; returns [major, minor]. */
export function parseQemuVersion(text: string): [number, number] {
  const m = /version (\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`cannot read the QEMU version from: ${text.slice(0, 200)}`);
  return [Number(m[1]), Number(m[2])];
}

export function supportsDgramNetdev([major, minor]: [number, number]): boolean {
  return major > 7 || (major === 7 && minor >= 2);
}
