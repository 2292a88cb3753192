import { describe, expect, it } from "vitest";
import { isDecodeError } from "../../src/abi/decode.ts";
import * as ifh from "../../src/abi/if.ts";
import {
  IFREQ_OFFSETS,
  IFREQ_SIZE,
  IF_DATA_OFFSETS,
  IF_DATA_SIZE,
  decodeIfData,
  decodeIfreq,
  emptyIfData,
  encodeIfData,
  encodeIfreq,
  ifrAddr,
  ifrFlags,
  ifrFlagsAll,
  ifrFlagshigh,
  ifrInt,
  ifreqEmpty,
  ifreqWithAddr,
  ifreqWithFlags,
  ifreqWithInt,
} from "../../src/abi/if.ts";
import { sockaddrIn } from "../../src/abi/socket.ts";
import { hexBytes } from "../wire/helpers.ts";

describe("if.h constants", () => {
  it("IFF_* match the header", () => {
    // 10.4 sys/net/if.h IFF_* defines
    expect(ifh.IFF_UP).toBe(0x1);
    expect(ifh.IFF_BROADCAST).toBe(0x2);
    expect(ifh.IFF_DEBUG).toBe(0x4);
    expect(ifh.IFF_LOOPBACK).toBe(0x8);
    expect(ifh.IFF_POINTOPOINT).toBe(0x10);
    expect(ifh.IFF_DRV_RUNNING).toBe(0x40);
    expect(ifh.IFF_NOARP).toBe(0x80);
    expect(ifh.IFF_PROMISC).toBe(0x100);
    expect(ifh.IFF_ALLMULTI).toBe(0x200);
    expect(ifh.IFF_DRV_OACTIVE).toBe(0x400);
    expect(ifh.IFF_SIMPLEX).toBe(0x800);
    expect([ifh.IFF_LINK0, ifh.IFF_LINK1, ifh.IFF_LINK2]).toEqual([0x1000, 0x2000, 0x4000]);
    expect(ifh.IFF_MULTICAST).toBe(0x8000);
    expect(ifh.IFF_CANTCONFIG).toBe(0x10000);
    expect(ifh.IFF_PPROMISC).toBe(0x20000);
    expect(ifh.IFF_MONITOR).toBe(0x40000);
    expect(ifh.IFF_STATICARP).toBe(0x80000);
    expect(ifh.IFF_DYING).toBe(0x200000);
    expect(ifh.IFF_RENAMING).toBe(0x400000);
    // IFF_CANTCHANGE: BROADCAST|POINTOPOINT|DRV_RUNNING|DRV_OACTIVE|SIMPLEX|MULTICAST|ALLMULTI|
    // SMART|PROMISC|DYING|CANTCONFIG = 0x2|0x10|0x40|0x400|0x800|0x8000|0x200|0x20|0x100|
    // 0x200000|0x10000
    expect(ifh.IFF_CANTCHANGE).toBe(0x218f72);
    expect(ifh.IFNAMSIZ).toBe(16);
  });

  it("IFT_* match if_types.h", () => {
    // 10.4 sys/net/if_types.h
    expect(ifh.IFT_OTHER).toBe(0x1);
    expect(ifh.IFT_ETHER).toBe(0x6);
    expect(ifh.IFT_PPP).toBe(0x17);
    expect(ifh.IFT_LOOP).toBe(0x18);
    expect(ifh.IFT_PROPVIRTUAL).toBe(0x35);
    expect(ifh.IFT_TUNNEL).toBe(0x83);
    expect(ifh.IFT_L2VLAN).toBe(0x87);
    expect(ifh.IFT_BRIDGE).toBe(0xd1);
    expect(ifh.IFT_GIF).toBe(0xf0);
  });

  it("formats flags like ifconfig", () => {
    expect(ifh.formatIfFlags(0x8843)).toBe("UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST");
    expect(ifh.formatIfFlags(0x1000000)).toBe("0x1000000");
    expect(ifh.formatIfFlags(0)).toBe("");
  });
});

describe("ifreq", () => {
  // 10.4 sys/net/if.h struct ifreq: ifr_name[16] + union ifr_ifru, whose largest members are
  // struct sockaddr (16) and struct ifreq_buffer (size_t + pointer = 16): 32 bytes on amd64.
  const addrBytes = hexBytes(`
    6c 6f 30 00 00 00 00 00 00 00 00 00 00 00 00 00
    10 02 00 00 7f 00 00 01 00 00 00 00 00 00 00 00`);

  it("has the header's size and offsets", () => {
    expect(IFREQ_SIZE).toBe(32);
    expect(IFREQ_OFFSETS.ifr_addr).toBe(16);
    // ifr_flags = ifru_flags[0], ifr_flagshigh = ifru_flags[1] (short[2])
    expect(IFREQ_OFFSETS.ifr_flags).toBe(16);
    expect(IFREQ_OFFSETS.ifr_flagshigh).toBe(18);
    // ifr_reqcap = ifru_cap[0], ifr_curcap = ifru_cap[1] (int[2])
    expect(IFREQ_OFFSETS.ifr_curcap).toBe(20);
  });

  it("parses, emits and views ifr_addr", () => {
    const ifr = decodeIfreq(addrBytes);
    expect(isDecodeError(ifr)).toBe(false);
    if (isDecodeError(ifr)) return;
    expect(ifr.ifr_name).toBe("lo0");
    expect(ifrAddr(ifr)).toEqual(sockaddrIn(0x7f000001));
    expect(encodeIfreq(ifr)).toEqual(addrBytes);
    expect(encodeIfreq(ifreqWithAddr("lo0", sockaddrIn(0x7f000001)))).toEqual(addrBytes);
  });

  it("splits 32-bit flags into ifr_flags and ifr_flagshigh", () => {
    // 10.4 sys/net/if.c ifhwioctl SIOCSIFFLAGS combines (ifr_flags & 0xffff) | (ifr_flagshigh << 16)
    const ifr = ifreqWithFlags("vtnet0", ifh.IFF_UP | ifh.IFF_PPROMISC | ifh.IFF_MULTICAST);
    const bytes = encodeIfreq(ifr);
    expect(bytes.subarray(16, 20)).toEqual(hexBytes("01 80 02 00"));
    const back = decodeIfreq(bytes);
    if (isDecodeError(back)) throw new Error(back.message);
    expect(ifrFlags(back)).toBe(-0x7fff); // 0x8001 as a C short
    expect(ifrFlagshigh(back)).toBe(2);
    expect(ifrFlagsAll(back)).toBe(0x28001);
  });

  it("carries an int (ifr_mtu, ifr_metric)", () => {
    const bytes = encodeIfreq(ifreqWithInt("vtnet0", 1500));
    expect(bytes.subarray(16, 20)).toEqual(hexBytes("dc 05 00 00"));
    const ifr = decodeIfreq(bytes);
    if (isDecodeError(ifr)) throw new Error(ifr.message);
    expect(ifrInt(ifr)).toBe(1500);
    expect(ifreqEmpty("x").ifr_ifru).toEqual(new Uint8Array(16));
  });

  it("a 16-character name fills ifr_name without a NUL", () => {
    const ifr = { ifr_name: "abcdefghijklmnop", ifr_ifru: new Uint8Array(16) };
    const back = decodeIfreq(encodeIfreq(ifr));
    expect(back).toEqual(ifr);
  });

  it("errors on truncation", () => {
    expect(isDecodeError(decodeIfreq(addrBytes.subarray(0, 31)))).toBe(true);
  });
});

describe("if_data", () => {
  it("has the amd64 layout: 8 u_char, u_longs, hwassist, epoch, timeval = 152", () => {
    // 10.4 sys/net/if.h struct if_data: 8 x u_char (0..7), 14 x u_long (8..119),
    // uint64_t ifi_hwassist (120), time_t ifi_epoch (128), struct timeval ifi_lastchange (136,
    // 16 bytes) -> 152
    expect(IF_DATA_SIZE).toBe(152);
    expect(IF_DATA_OFFSETS.ifi_mtu).toBe(8);
    expect(IF_DATA_OFFSETS.ifi_noproto).toBe(112);
    expect(IF_DATA_OFFSETS.ifi_hwassist).toBe(120);
    expect(IF_DATA_OFFSETS.ifi_lastchange).toBe(136);
  });

  it("an empty if_data has every field of the struct, all zero", () => {
    const d = emptyIfData();
    expect(Object.keys(d).sort()).toEqual(Object.keys(IF_DATA_OFFSETS).sort());
    expect(encodeIfData(d)).toEqual(new Uint8Array(IF_DATA_SIZE));
  });

  it("parses and emits", () => {
    const d = emptyIfData();
    d.ifi_type = ifh.IFT_ETHER;
    d.ifi_addrlen = 6;
    d.ifi_hdrlen = 14;
    d.ifi_link_state = ifh.LINK_STATE_UP;
    d.ifi_datalen = 152;
    d.ifi_mtu = 1500n;
    d.ifi_ipackets = 7n;
    d.ifi_lastchange = { tv_sec: 1234n, tv_usec: 5n };
    const bytes = encodeIfData(d);
    expect(bytes.length).toBe(152);
    expect(bytes.subarray(0, 8)).toEqual(hexBytes("06 00 06 0e 02 00 00 98"));
    expect(bytes.subarray(8, 16)).toEqual(hexBytes("dc 05 00 00 00 00 00 00"));
    expect(bytes.subarray(136, 144)).toEqual(hexBytes("d2 04 00 00 00 00 00 00"));
    expect(decodeIfData(bytes)).toEqual(d);
  });

  it("decodes every u_long exactly, even all ones; time_t and timeval are signed; rejects truncation", () => {
    // if.h: u_long ifi_ipackets at 32, time_t ifi_epoch at 128, struct timeval at 136.
    const bytes = encodeIfData(emptyIfData());
    bytes.fill(0xff, 32, 40);
    bytes.fill(0xff, 128, 152);
    const d = decodeIfData(bytes);
    if (isDecodeError(d)) throw new Error(d.message);
    expect(d.ifi_ipackets).toBe(2n ** 64n - 1n);
    expect(d.ifi_epoch).toBe(-1n);
    expect(d.ifi_lastchange).toEqual({ tv_sec: -1n, tv_usec: -1n });
    expect(encodeIfData(d)).toEqual(bytes);
    expect(isDecodeError(decodeIfData(bytes.subarray(0, 151)))).toBe(true);
  });
});
