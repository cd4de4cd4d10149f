"""What a Go binary says about itself: release, build settings, functions, lines, types.

Everything here is read from the ELF file, never from the running process:

- **Build info** (the ``.go.buildinfo`` section, Go's ``debug/buildinfo`` format):
  the release (``go1.24.11``) and the build settings (``GOARCH``, ``GOEXPERIMENT``),
  which pick the classic or the Swiss function set.
- **pclntab** (``.gopclntab``, the Go 1.20+ layout, magic ``0xfffffff1``): every
  function's entry and name, and the ``pcsp`` / ``pcfile`` / ``pcln`` tables that
  symbolise a return address to function, file and line. Stripped binaries keep it,
  so nothing here needs ``.symtab`` or DWARF.
- **Type descriptors** (``internal/abi.Type`` and its map, struct and array
  extensions, unchanged in layout from Go 1.21 to 1.27): a map's key and element
  types, named (``main.pt``) and spelled structurally for the simulator
  (``struct{A int32; B int64; C [2]uint16}``).
- **Prologues**: the offset just past a function's stack-bound check (``cmp
  rsp|r12, [r14+0x10]; jbe morestack``), where a uprobe fires once per call even when
  the function re-enters through ``morestack``; and the ``pop rbp; ret`` sites of a
  function (for the result of ``makemap`` without a return probe).
"""

from __future__ import annotations

import bisect
import io
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection


class GoBinaryError(ValueError):
    """The file is not a Go binary gomap can record (not ELF, not Go, unsupported)."""


BUILDINFO_MAGIC = b"\xff Go buildinf:"
PCLNTAB_MAGIC_120 = 0xFFFFFFF1  # Go 1.20 and later
TFLAG_EXTRA_STAR = 1 << 1  # abi.TFlagExtraStar: the name string starts with a '*' to drop
KIND_MASK = 0x1F
KIND_NAMES = {1: "bool", 2: "int", 3: "int8", 4: "int16", 5: "int32", 6: "int64", 7: "uint",
              8: "uint8", 9: "uint16", 10: "uint32", 11: "uint64", 12: "uintptr",
              13: "float32", 14: "float64", 15: "complex64", 16: "complex128", 17: "array",
              18: "chan", 19: "func", 20: "interface", 21: "map", 22: "ptr", 23: "slice",
              24: "string", 25: "struct", 26: "unsafe.Pointer"}
"""internal/abi.Kind values (Go 1.21–1.27)."""


def _uvarint(buf: bytes, pos: int) -> tuple[int, int]:
    """Go's ``binary.Uvarint``: (value, next position)."""
    v = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, pos
        shift += 7


def _cstring(buf: bytes, pos: int) -> str:
    end = buf.index(b"\0", pos)
    return buf[pos:end].decode("utf-8", "replace")


@dataclass(frozen=True)
class BuildInfo:
    """The release and build settings of a Go binary."""

    go_version: str  # "go1.24.11"
    settings: dict[str, str]

    @property
    def minor(self) -> int:
        m = re.match(r"go1\.(\d+)", self.go_version)
        if not m:
            raise GoBinaryError(f"cannot read the Go release from {self.go_version!r}")
        return int(m.group(1))

    @property
    def goarch(self) -> str:
        return self.settings.get("GOARCH", "")

    @property
    def experiments(self) -> list[str]:
        return [e for e in self.settings.get("GOEXPERIMENT", "").split(",") if e]

    @property
    def swiss(self) -> bool:
        """Swiss tables: Go 1.24+ unless built with ``GOEXPERIMENT=noswissmap``."""
        return self.minor >= 24 and "noswissmap" not in self.experiments


@dataclass
class Func:
    """One function of the pclntab."""

    entry: int
    end: int
    name: str
    off: int  # offset of its _func record in the pclntab
    pcsp: int
    pcfile: int
    pcln: int
    cu: int


@dataclass
class GoType:
    """A runtime type descriptor, read from the binary."""

    addr: int
    kind: str
    size: int
    name: str  # as the runtime prints it: "main.pt", "int64", "map[string]int"
    expr: str  # structural, for gomap's type parser: "struct{A int32; B int64}"
    parts: tuple[tuple[int, int], ...] = ()  # struct: (offset, field type); array: (n, elem)


@dataclass(eq=False)
class GoBinary:
    """A Go ELF binary opened for recording (see the module docstring)."""

    path: Path
    info: BuildInfo
    funcs: list[Func] = field(repr=False)
    _entries: list[int] = field(repr=False)
    _by_name: dict[str, Func] = field(repr=False)
    _segments: list[tuple[int, int, int, int]] = field(repr=False)  # vaddr, memsz, offset, filesz
    _data: bytes = field(repr=False)
    _pcln: bytes = field(repr=False)
    _hdr: dict[str, int] = field(repr=False)
    types_base: int = 0
    stripped: bool = False

    # --- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> GoBinary:
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise GoBinaryError(f"{p}: cannot read the binary: {e.strerror}") from None
        try:
            elf = ELFFile(io.BytesIO(data))
        except ELFError:
            raise GoBinaryError(f"{p}: not an ELF binary") from None
        segs = [(s["p_vaddr"], s["p_memsz"], s["p_offset"], s["p_filesz"])
                for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        bi = elf.get_section_by_name(".go.buildinfo")
        if bi is None:
            raise GoBinaryError(f"{p}: not a Go binary (no .go.buildinfo section)")
        info = _read_buildinfo(bi.data(), p)
        if elf["e_machine"] != "EM_X86_64" or (info.goarch and info.goarch != "amd64"):
            raise GoBinaryError(f"{p}: architecture {info.goarch or elf['e_machine']} is not "
                                f"supported (gomap record reads Go's amd64 register ABI)")
        pcsec = elf.get_section_by_name(".gopclntab")
        if pcsec is None:
            raise GoBinaryError(f"{p}: no .gopclntab section (not a Go binary gomap can read)")
        pcln = pcsec.data()
        hdr = _read_pcheader(pcln, p)
        if hdr["text"] == 0:  # Go 1.27 no longer stores textStart: runtime.text is .text
            text = elf.get_section_by_name(".text")
            hdr["text"] = text["sh_addr"] if text is not None else 0
        funcs = _read_functab(pcln, hdr)
        symtab = elf.get_section_by_name(".symtab")
        gotype_sec = elf.get_section_by_name(".go.type")  # Go 1.26+: the types, by name
        types_base = gotype_sec["sh_addr"] if gotype_sec is not None else 0
        if not types_base and isinstance(symtab, SymbolTableSection):
            for sym in symtab.iter_symbols():
                if sym.name == "runtime.types":
                    types_base = sym["st_value"]
                    break
        b = cls(path=p, info=info, funcs=funcs, _entries=[f.entry for f in funcs],
                _by_name={f.name: f for f in funcs}, _segments=segs, _data=data,
                _pcln=pcln, _hdr=hdr, stripped=symtab is None)
        b.types_base = types_base or b._types_from_moduledata(pcsec["sh_addr"], elf)
        return b

    # --- memory of the file ---------------------------------------------------------------
    def file_offset(self, vaddr: int) -> int:
        """The file offset of a virtual address (what ``uprobe_events`` wants)."""
        for va, memsz, off, filesz in self._segments:
            if va <= vaddr < va + min(memsz, filesz):
                return vaddr - va + off
        raise GoBinaryError(f"{self.path}: address {vaddr:#x} is not in the file")

    def read(self, vaddr: int, n: int) -> bytes:
        o = self.file_offset(vaddr)
        return self._data[o:o + n]

    def u64(self, vaddr: int) -> int:
        return int(struct.unpack_from("<Q", self._data, self.file_offset(vaddr))[0])

    # --- functions --------------------------------------------------------------------------
    def func(self, name: str) -> Func | None:
        return self._by_name.get(name)

    def func_at(self, pc: int) -> Func | None:
        i = bisect.bisect_right(self._entries, pc) - 1
        if i < 0 or pc >= self.funcs[i].end:
            return None
        return self.funcs[i]

    def _pcvalue(self, f: Func, table: int, target: int) -> int | None:
        """The value of a pc table at ``target`` (Go's runtime.pcvalue)."""
        if table == 0:
            return None
        buf = self._pcln
        pos = self._hdr["pctab"] + table
        pc, val, first = f.entry, -1, True
        minlc = self._hdr["minlc"]
        while True:
            uv, pos = _uvarint(buf, pos)
            if uv == 0 and not first:
                return None
            first = False
            val += ~(uv >> 1) if uv & 1 else uv >> 1
            pcd, pos = _uvarint(buf, pos)
            pc += pcd * minlc
            if target < pc:
                return val

    def _pcvalues(self, f: Func, table: int) -> list[tuple[int, int, int]]:
        """All (start, end, value) runs of a pc table."""
        out: list[tuple[int, int, int]] = []
        buf = self._pcln
        pos = self._hdr["pctab"] + table
        pc, val, first = f.entry, -1, True
        while True:
            uv, pos = _uvarint(buf, pos)
            if uv == 0 and not first:
                return out
            first = False
            val += ~(uv >> 1) if uv & 1 else uv >> 1
            pcd, pos = _uvarint(buf, pos)
            out.append((pc, pc + pcd * self._hdr["minlc"], val))
            pc += pcd * self._hdr["minlc"]

    @lru_cache(maxsize=65536)  # noqa: B019 - one GoBinary per recording, kept for its length
    def symbolize(self, pc: int) -> tuple[str, str, int]:
        """(function, file, line) of a return address (the call instruction before it)."""
        f = self.func_at(pc - 1)
        if f is None:
            return (f"{pc:#x}", "?", 0)
        line = self._pcvalue(f, f.pcln, pc - 1)
        fileno = self._pcvalue(f, f.pcfile, pc - 1)
        fname = "?"
        if fileno is not None and fileno >= 0:
            cut = self._hdr["cu"] + 4 * (f.cu + fileno)
            foff = struct.unpack_from("<I", self._pcln, cut)[0]
            if foff != 0xFFFFFFFF:
                fname = _cstring(self._pcln, self._hdr["filetab"] + foff)
        return (f.name, fname, line or 0)

    # --- prologues and returns ------------------------------------------------------------
    def past_prologue(self, f: Func) -> tuple[int, int | None]:
        """(pc just past the stack-bound check's ``jbe``, the ``jbe``'s target — the
        call to morestack) of a Go function; (entry, None) for a function with no check
        (NOSPLIT: it never re-enters)."""
        code = self.read(f.entry, 48)
        for pat in (b"\x49\x3b\x66\x10", b"\x4d\x3b\x66\x10"):  # cmp rsp|r12, [r14+0x10]
            i = code.find(pat)
            if i < 0 or i > 24:
                continue
            j = i + 4
            if code[j] == 0x76:  # jbe rel8
                rel = struct.unpack_from("<b", code, j + 1)[0]
                return f.entry + j + 2, f.entry + j + 2 + rel
            if code[j:j + 2] == b"\x0f\x86":  # jbe rel32
                rel = struct.unpack_from("<i", code, j + 2)[0]
                return f.entry + j + 6, f.entry + j + 6 + rel
        return f.entry, None

    def returns(self, f: Func) -> list[int]:
        """The pcs of ``ret`` instructions that end the frame (``pop rbp; ret`` where
        the pcsp table says the frame is gone)."""
        code = self.read(f.entry, f.end - f.entry)
        sp0 = {start for start, end, v in self._pcvalues(f, f.pcsp) if v == 0 for start in
               range(start, end)}
        out = []
        for m in re.finditer(b"\x5d\xc3", code):
            pc = f.entry + m.start() + 1
            if pc in sp0:
                out.append(pc)
        return out

    # --- types ------------------------------------------------------------------------------
    def _name(self, addr: int) -> str:
        """An abi.Name at ``addr``: flags byte, uvarint length, bytes."""
        head = self.read(addr, 12)
        n, pos = _uvarint(head, 1)
        return self.read(addr + pos, n).decode("utf-8", "replace")

    @lru_cache(maxsize=4096)  # noqa: B019
    def gotype(self, addr: int) -> GoType:
        """The type descriptor at ``addr`` (an abi.Type), named and spelled."""
        raw = self.read(addr, 48)
        size = struct.unpack_from("<Q", raw, 0)[0]
        tflag, kindb = raw[20], raw[23]
        nameoff = struct.unpack_from("<i", raw, 40)[0]
        kind = KIND_NAMES.get(kindb & KIND_MASK, "?")
        name = self._name(self.types_base + nameoff) if self.types_base else "?"
        if tflag & TFLAG_EXTRA_STAR and name.startswith("*"):
            name = name[1:]
        parts: tuple[tuple[int, int], ...] = ()
        if kind == "struct":
            fptr, flen = struct.unpack_from("<QQ", self.read(addr + 56, 16))
            fields = []
            names = []
            for i in range(flen):
                nptr, typ, off = struct.unpack_from("<QQQ", self.read(fptr + 24 * i, 24))
                fields.append((off, typ))
                names.append(f"{self._name(nptr) if nptr else f'f{i}'} {self.gotype(typ).expr}")
            return GoType(addr, kind, size, name, "struct{" + "; ".join(names) + "}",
                          tuple(fields))
        if kind == "array":
            elem, _slice, n = struct.unpack_from("<QQQ", self.read(addr + 48, 24))
            parts = ((n, elem),)
            return GoType(addr, kind, size, name, f"[{n}]{self.gotype(elem).expr}", parts)
        return GoType(addr, kind, size, name, self._expr(kind))

    def canonical(self, t: GoType, raw: bytes) -> bytes:
        """A key's bytes as Go's ``==`` sees them: struct padding left out, ``-0.0``
        as ``+0.0``."""
        if t.kind == "struct":
            return b"".join(self.canonical(ft, raw[off:off + ft.size])
                            for off, ft in ((o, self.gotype(a)) for o, a in t.parts))
        if t.kind == "array" and t.parts:
            n, ea = t.parts[0]
            et = self.gotype(ea)
            return b"".join(self.canonical(et, raw[i * et.size:(i + 1) * et.size])
                            for i in range(n))
        if t.kind in ("float32", "float64") and not any(raw[:t.size - 1]) and \
                raw[t.size - 1] in (0, 0x80):
            return bytes(len(raw))  # -0.0 == +0.0
        return raw[:t.size]

    def compares_through_pointers(self, t: GoType) -> bool:
        """Whether Go's ``==`` on ``t`` follows pointers the key's bytes hold: a string or
        interface inside a struct or array (a top-level string is read by value)."""
        if t.kind == "struct":
            return any(self._indirect(self.gotype(a)) for _, a in t.parts)
        if t.kind == "array" and t.parts:
            return self._indirect(self.gotype(t.parts[0][1]))
        return t.kind == "interface"

    def _indirect(self, t: GoType) -> bool:
        return t.kind in ("string", "interface") or self.compares_through_pointers(t)

    def _expr(self, kind: str) -> str:
        if kind == "interface":
            return "any"
        if kind == "ptr":
            return "*byte"
        if kind in ("chan", "func", "map", "slice", "unsafe.Pointer"):
            return "uintptr" if kind == "unsafe.Pointer" else "*byte"
        return kind  # the basic kinds are their own spelling

    def map_types(self, maptype: int) -> tuple[GoType, GoType]:
        """(key, elem) of a map type descriptor (abi.MapType / SwissMapType: Key at 48,
        Elem at 56 in every release 1.21–1.27)."""
        key, elem = struct.unpack_from("<QQ", self.read(maptype + 48, 16))
        return self.gotype(key), self.gotype(elem)

    def _types_from_moduledata(self, pclntab_addr: int, elf: ELFFile) -> int:
        """runtime.firstmoduledata.types for a stripped binary: moduledata's first word
        points at the pclntab header; ``types`` is its word 37 (Go 1.20–1.27)."""
        needle = struct.pack("<Q", pclntab_addr)
        for name in (".go.module", ".noptrdata", ".data"):
            sec = elf.get_section_by_name(name)
            if sec is None:
                continue
            d = sec.data()
            i = d.find(needle)
            while i >= 0:
                if i % 8 == 0 and i + 8 * 38 <= len(d):
                    types = struct.unpack_from("<Q", d, i + 8 * 37)[0]
                    if types:
                        return int(types)
                i = d.find(needle, i + 1)
        return 0


def _read_buildinfo(data: bytes, path: Path) -> BuildInfo:
    if not data.startswith(BUILDINFO_MAGIC):
        raise GoBinaryError(f"{path}: bad .go.buildinfo section")
    flags = data[15]
    if not flags & 2:
        raise GoBinaryError(f"{path}: build info of a Go release before 1.18 is not supported")
    pos = 32
    n, pos = _uvarint(data, pos)
    version = data[pos:pos + n].decode()
    pos += n
    n, pos = _uvarint(data, pos)
    mod = data[pos:pos + n].decode("utf-8", "replace")
    settings: dict[str, str] = {}
    for line in mod.splitlines():
        if line.startswith("build\t"):
            k, _, v = line[6:].partition("=")
            settings[k] = v
    return BuildInfo(version, settings)


def _read_pcheader(pcln: bytes, path: Path) -> dict[str, int]:
    magic, _p1, _p2, minlc, ptrsize = struct.unpack_from("<IBBBB", pcln, 0)
    if magic != PCLNTAB_MAGIC_120 or ptrsize != 8:
        raise GoBinaryError(f"{path}: pclntab magic {magic:#x} (gomap reads the Go 1.20+ "
                            f"layout, 64-bit)")
    nfunc, _nfiles, text, funcname, cu, filetab, pctab, pcln_off = struct.unpack_from(
        "<8Q", pcln, 8)
    return {"minlc": minlc, "nfunc": nfunc, "text": text, "funcname": funcname, "cu": cu,
            "filetab": filetab, "pctab": pctab, "pcln": pcln_off}


def _read_functab(pcln: bytes, hdr: dict[str, int]) -> list[Func]:
    base = hdr["pcln"]
    n = hdr["nfunc"]
    tab = struct.unpack_from(f"<{2 * (n + 1)}I", pcln, base)
    out: list[Func] = []
    for i in range(n):
        entryoff, funcoff = tab[2 * i], tab[2 * i + 1]
        nextoff = tab[2 * i + 2]
        fo = base + funcoff
        (_e, nameoff, _args, _dr, pcsp, pcfile, pcln_t, _npc, cu) = struct.unpack_from(
            "<IiiIIIIII", pcln, fo)
        out.append(Func(hdr["text"] + entryoff, hdr["text"] + nextoff,
                        _cstring(pcln, hdr["funcname"] + nameoff), fo, pcsp, pcfile, pcln_t,
                        cu))
    return out
