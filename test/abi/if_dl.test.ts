import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import {
  SDL_DATA_SIZE,
  SOCKADDR_DL_OFFSETS,
  SOCKADDR_DL_SIZE,
  decodeSockaddrDl,
  encodeSockaddrDl,
  formatLladdr,
  formatSockaddrDl,
  sockaddrDl,
} from "../../src/abi/if_dl.ts";
import { hexBytes } from "../wire/helpers.ts";

describe("sockaddr_dl (fixed struct)", () => {
  // 10.4 sys/net/if_dl.h struct sockaddr_dl: u_char sdl_len, sdl_family; u_short sdl_index;
  // u_char sdl_type, sdl_nlen, sdl_alen, sdl_slen; char sdl_data[46] -> 8 + 46 = 54 bytes.
  // As seed in.c:1225-1234 (in_lltable_dump) fills it: sdl_len = sizeof(*sdl), the index and
  // type of the interface, sdl_alen = if_addrlen and the MAC at LLADDR (no name: nlen 0).
  const mac = hexBytes("02 00 00 00 00 0a");
  const bytes = new Uint8Array(54);
  bytes.set(hexBytes("36 12 02 00 06 00 06 00"), 0);
  bytes.set(mac, 8);

  it("has the header's size and offsets", () => {
    expect(SOCKADDR_DL_SIZE).toBe(54);
    expect(SDL_DATA_SIZE).toBe(46);
    expect(SOCKADDR_DL_OFFSETS.sdl_index).toBe(2);
    expect(SOCKADDR_DL_OFFSETS.sdl_type).toBe(4);
    expect(SOCKADDR_DL_OFFSETS.sdl_data).toBe(8);
  });

  it("parses and emits", () => {
    const sdl = sockaddrDl({ index: 2, type: 6, lladdr: mac, len: 54 });
    expect(decodeSockaddrDl(bytes)).toEqual(sdl);
    expect(encodeSockaddrDl(sdl)).toEqual(bytes);
    expect(formatSockaddrDl(sdl)).toBe("link#2 02:00:00:00:00:0a");
  });

  it("writes 54 bytes even when sdl_len says less", () => {
    const small = sockaddrDl({ index: 1, type: 6, name: "em0", lladdr: mac });
    expect(small.sdl_len).toBe(8 + 3 + 6);
    const out = encodeSockaddrDl(small);
    expect(out.length).toBe(54);
    expect(out[0]).toBe(17);
    expect(formatSockaddrDl(small)).toBe("link#1 em0 02:00:00:00:00:0a");
    const back = decodeSockaddrDl(out);
    if (isDecodeError(back)) throw new Error(back.message);
    expect(back.sdl_data.subarray(0, 9)).toEqual(small.sdl_data);
  });

  it("errors on truncation", () => {
    expect(isDecodeError(decodeSockaddrDl(bytes.subarray(0, 53)))).toBe(true);
  });
});

describe("formatLladdr", () => {
  it("writes each byte as two lower-case hex digits, colon-separated", () => {
    expect(formatLladdr(hexBytes("52 54 00 12 34 5a"))).toBe("52:54:00:12:34:5a");
    expect(formatLladdr(hexBytes("ff 00 0f f0"))).toBe("ff:00:0f:f0");
    expect(formatLladdr(hexBytes("0a"))).toBe("0a");
    expect(formatLladdr(new Uint8Array(0))).toBe("");
  });
});
