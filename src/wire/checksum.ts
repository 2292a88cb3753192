// The Internet checksum (RFC 1071) and the IPv4 pseudo-header sum that UDP adds (RFC 768).

/** End-around carry until the sum fits 16 bits. */
function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Folded sum of big-endian 16-bit words; an odd last byte is padded with zero. */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (even !== bytes.length) sum += bytes[even] << 8;
  return fold(sum);
}

/** The checksum field value: one's complement of the folded sum. */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff;
}

/** True when bytes that include their checksum field sum to 0xffff (checksum over them is 0). */
export function checksumVerifies(bytes: Uint8Array, initial = 0): boolean {
  return internetChecksum(bytes, initial) === 0;
}

/** Folded sum of the IPv4 pseudo-header: source, destination, zero + protocol, upper-layer length. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  const s = src >>> 0;
  const d = dst >>> 0;
  return fold((s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + (protocol & 0xff) + (length & 0xffff));
}
