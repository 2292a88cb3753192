// The QEMU command line, without QEMU: what each part of the machine definition turns into.

import { describe, expect, it } from "vitest";
import {
  buildQemuArgs,
  parseQemuVersion,
  supportsDgramNetdev,
  type MachineSpec,
} from "../../src/vm/qemu-args.ts";

const base: MachineSpec = {
  qemu: "qemu-system-x86_64",
  accel: "tcg",
  hasDgramNetdev: true,
  machine: "q35",
  cpus: 2,
  memoryMb: 1024,
  boot: { kind: "disk", overlay: "/w/overlay.qcow2" },
  consoleSocket: "/w/console.sock",
  consoleLog: "/w/console.log",
  qmpSocket: "/w/qmp.sock",
  mgmt: { model: "e1000", sshPort: 2222, mac: "52:54:00:00:00:01" },
  testNics: [
    { model: "virtio-net-pci", mac: "52:54:00:00:01:10", qemuPort: 40001, hostPort: 50001 },
    {
      model: "virtio-net-pci",
      mac: "52:54:00:00:01:11",
      qemuPort: 40002,
      hostPort: 50002,
      pcap: "/w/nic1.pcap",
    },
  ],
};

/** The value following each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

describe("QEMU command line", () => {
  it("boots the overlay with TCG, serial console on a logged socket, QMP, no default devices", () => {
    const a = buildQemuArgs(base);
    expect(a.slice(0, 4)).toEqual(["-nodefaults", "-no-user-config", "-display", "none"]);
    expect(values(a, "-machine")).toEqual(["q35,accel=tcg"]);
    expect(values(a, "-smp")).toEqual(["2"]);
    expect(values(a, "-m")).toEqual(["1024"]);
    expect(a).not.toContain("-cpu");
    expect(values(a, "-drive")).toEqual(["file=/w/overlay.qcow2,format=qcow2,if=virtio,cache=unsafe"]);
    expect(values(a, "-chardev")).toEqual([
      "socket,id=con0,path=/w/console.sock,server=on,wait=off,logfile=/w/console.log,logappend=on",
    ]);
    expect(values(a, "-serial")).toEqual(["chardev:con0"]);
    expect(values(a, "-qmp")).toEqual(["unix:/w/qmp.sock,server=on,wait=off"]);
  });

  it("forwards SSH to 127.0.0.1 only, on an e1000 management NIC (em0, leaving vtnet0.. to tests)", () => {
    const a = buildQemuArgs(base);
    const netdevs = values(a, "-netdev");
    expect(netdevs[0]).toBe("user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:2222-:22");
    expect(values(a, "-device")[0]).toBe("e1000,netdev=mgmt,mac=52:54:00:00:00:01,romfile=");
  });

  it("puts each test NIC on a dgram netdev on loopback, offloads off at the device, optional pcap", () => {
    const a = buildQemuArgs(base);
    const netdevs = values(a, "-netdev");
    expect(netdevs[1]).toBe(
      "dgram,id=test0,local.type=inet,local.host=127.0.0.1,local.port=40001,remote.type=inet,remote.host=127.0.0.1,remote.port=50001",
    );
    const devs = values(a, "-device");
    expect(devs[1]).toMatch(
      /^virtio-net-pci,netdev=test0,mac=52:54:00:00:01:10,romfile=,csum=off,guest_csum=off,/,
    );
    expect(devs[1]).toContain("host_tso4=off");
    expect(values(a, "-object")).toEqual(["filter-dump,id=dump1,netdev=test1,file=/w/nic1.pcap"]);
  });

  it("falls back to the udp socket netdev before QEMU 7.2", () => {
    const a = buildQemuArgs({ ...base, hasDgramNetdev: false });
    expect(values(a, "-netdev")[1]).toBe("socket,id=test0,udp=127.0.0.1:50001,localaddr=127.0.0.1:40001");
    expect(supportsDgramNetdev([7, 1])).toBe(false);
    expect(supportsDgramNetdev([7, 2])).toBe(true);
    expect(supportsDgramNetdev([8, 0])).toBe(true);
    expect(parseQemuVersion("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)")).toEqual([7, 2]);
    expect(() => parseQemuVersion("nope")).toThrow(/QEMU version/);
  });

  it("adds VGA and SeaBIOS's serial console when the loader's video console must reach serial", () => {
    expect(values(buildQemuArgs(base), "-machine")).toEqual(["q35,accel=tcg"]);
    const a = buildQemuArgs({ ...base, pcConsole: true });
    expect(values(a, "-machine")).toEqual(["q35,accel=tcg,graphics=off"]);
    expect(values(a, "-vga")).toEqual(["std"]);
  });

  it("uses the host CPU with KVM", () => {
    const a = buildQemuArgs({ ...base, accel: "kvm" });
    expect(values(a, "-machine")).toEqual(["q35,accel=kvm"]);
    // nested KVM hosts refuse IA32_ARCH_CAPABILITIES and QEMU aborts on it
    expect(values(a, "-cpu")).toEqual(["host,-arch-capabilities"]);
  });

  it("boots a minimal guest's ISO, keeps savevm state on an unattached qcow2, has no way out", () => {
    const a = buildQemuArgs({
      ...base,
      boot: { kind: "cdrom", iso: "/c/guest.iso", stateDisk: "/w/vmstate.qcow2" },
      mgmt: { model: "e1000", sshPort: null, mac: "52:54:00:00:00:01" },
      agentChannel: { socket: "/w/agent.sock", line: "virtio" },
    });
    expect(values(a, "-cdrom")).toEqual(["/c/guest.iso"]);
    expect(values(a, "-boot")).toEqual(["d"]);
    expect(values(a, "-drive")).toEqual([
      "file=/w/vmstate.qcow2,format=qcow2,if=none,id=vmstate,cache=unsafe",
    ]);
    expect(values(a, "-netdev")[0]).toBe("user,id=mgmt,net=10.0.2.0/24,restrict=on");
    expect(values(a, "-chardev")).toContain("socket,id=agent0,path=/w/agent.sock,server=on,wait=off");
    expect(values(a, "-device")).toContain(
      "virtserialport,bus=vser0.0,nr=1,chardev=agent0,name=inconf.agent",
    );
    // the console stays the only serial port
    expect(values(a, "-serial")).toEqual(["chardev:con0"]);
  });

  it("puts the agent on COM2 when the line is serial", () => {
    const a = buildQemuArgs({ ...base, agentChannel: { socket: "/w/agent.sock", line: "serial" } });
    expect(values(a, "-serial")).toEqual(["chardev:con0", "chardev:agent0"]);
    expect(values(a, "-device").some((d) => d.startsWith("virtio-serial"))).toBe(false);
  });

  it("boots a kernel directly with a state-only qcow2 for savevm (the Linux test guest)", () => {
    const a = buildQemuArgs({
      ...base,
      boot: {
        kind: "kernel",
        kernel: "/g/vmlinuz",
        initrd: "/g/initrd",
        append: "console=ttyS0",
        stateDisk: "/w/s.qcow2",
      },
    });
    expect(values(a, "-kernel")).toEqual(["/g/vmlinuz"]);
    expect(values(a, "-initrd")).toEqual(["/g/initrd"]);
    expect(values(a, "-append")).toEqual(["console=ttyS0"]);
    expect(values(a, "-drive")).toEqual(["file=/w/s.qcow2,format=qcow2,if=none,id=vmstate,cache=unsafe"]);
  });

  it("refuses paths with commas (QEMU would split them into options)", () => {
    expect(() => buildQemuArgs({ ...base, consoleLog: "/w/a,b.log" })).toThrow(/comma/);
    expect(() => buildQemuArgs({ ...base, boot: { kind: "disk", overlay: "/w/x,y" } })).toThrow(/comma/);
  });
});
