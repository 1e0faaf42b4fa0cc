#!/usr/bin/env python3
"""Writes the seed corpus of the ELF harness (tests/fuzz/elf.c) into
tests/fuzz/elf/corpus/: a handful of tiny, valid static executables in
the shapes the loader accepts, small enough for the fuzzer to mutate.
Rerun it (and commit the output) when the accepted format changes."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
EM = {"x86_64": 62, "aarch64": 183, "riscv64": 243}
PF_X, PF_W, PF_R = 1, 2, 4


def elf(machine, segs, entry, flags=0, sections=0, extra_ph=()):
    """segs: (flags, file offset, vaddr, file bytes, memsz, align)."""
    phs = list(segs) + list(extra_ph)
    phoff = 64
    hdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    size = max([o + len(d) for (_, o, _, d, _, _) in segs] + [0x100])
    shoff = 0
    if sections:
        shoff = (size + 7) & ~7
        size = shoff + 64 * sections
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, EM[machine], 1, entry, phoff,
                       shoff, flags, 64, 56, len(phs), 64 if sections else 0,
                       sections, sections - 1 if sections else 0)
    img = bytearray(size)
    img[:64] = hdr
    for i, p in enumerate(phs):
        if len(p) == 6:
            fl, off, va, data, memsz, align = p
            ptype = 1
        else:
            ptype, fl, off, va, data, memsz, align = p
        struct.pack_into("<IIQQQQQQ", img, phoff + 56 * i, ptype, fl, off,
                         va, va, len(data), memsz, align)
        img[off:off + len(data)] = data
    return bytes(img)


def main():
    os.makedirs(OUT, exist_ok=True)
    text = b"\xc3" * 16
    seeds = {
        # text only, page-aligned
        "x86_64-text": elf("x86_64", [(PF_R | PF_X, 0x1000, 0x400000,
                                       text, 16, 0x1000)], 0x400000),
        # text + data with bss + GNU_STACK
        "x86_64-text-data-bss": elf(
            "x86_64",
            [(PF_R | PF_X, 0x1000, 0x401000, text, 16, 0x1000),
             (PF_R | PF_W, 0x1010, 0x402010, b"data", 0x3000, 0x1000)],
            0x401008, extra_ph=[(0x6474e551, PF_R | PF_W, 0, 0, b"", 0, 16)]),
        # unaligned segments (align 1), a NOTE, section headers
        "x86_64-note-sections": elf(
            "x86_64",
            [(PF_R | PF_X, 0x200, 0x10200, text, 0x20, 1)],
            0x10210, sections=3,
            extra_ph=[(4, PF_R, 0x180, 0, b"\x04\0\0\0", 4, 4)]),
        # RISC-V with RVC, soft float
        "riscv64-text": elf("riscv64", [(PF_R | PF_X, 0x1000, 0x10000,
                                         b"\x13\0\0\0" * 4, 16, 0x1000)],
                            0x10000, flags=1),
        "aarch64-text-rodata": elf(
            "aarch64",
            [(PF_R | PF_X, 0x1000, 0x400000, b"\x1f\x20\x03\xd5" * 4, 16,
              0x1000),
             (PF_R, 0x1100, 0x410100, b"rodata", 6, 0x1000)], 0x400004),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


main()
