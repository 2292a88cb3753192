// Test-only helpers for test/wire and test/abi: an Internet checksum computed a different way
// from src/wire/checksum.ts, a seeded PRNG, and hex literals.

/**
 * RFC 1071 section 2(B): the one's complement sum equals the plain sum modulo 0xffff (with a
 * non-zero sum that is a multiple of 0xffff folding to 0xffff). No carry folding loop here.
 */
export function referenceChecksum(bytes: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < bytes.length; i++) total += i % 2 === 0 ? bytes[i] * 256 : bytes[i];
  const folded = total === 0 ? 0 : ((total - 1) % 0xffff) + 1;
  return 0xffff - folded;
}

/** Bytes of "45 00 00 73" style text; whitespace ignored, "#" starts a comment to end of line. */
export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, "").replace(/\s/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${text}`);
  return new Uint8Array(clean.match(/../g)!.map((h) => parseInt(h, 16)));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** IPv4 pseudo-header bytes (RFC 768): src, dst, zero, protocol, length. */
export function pseudoHeaderBytes(src: number, dst: number, protocol: number, length: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, src, false);
  v.setUint32(4, dst, false);
  b[9] = protocol;
  v.setUint16(10, length, false);
  return b;
}
