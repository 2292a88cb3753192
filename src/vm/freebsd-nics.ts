// The test NICs every FreeBSD guest gets: virtio-net devices that FreeBSD names vtnet0..N-1 in
// PCI order (em0, the management NIC, comes first), with MACs 52:54:00:00:01:10 and up.

export function freebsdTestNicNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `vtnet${i}`);
}

export function freebsdTestNicDevices(count: number): { model: string; mac: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    model: "virtio-net-pci",
    mac: `52:54:00:00:01:${(0x10 + i).toString(16)}`,
  }));
}
