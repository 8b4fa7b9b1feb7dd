"""The register image of one device: two tables of 16-bit words, as they go on the wire.

Each table is a dict of pages of ``PAGE_WORDS`` big-endian words (immutable ``bytes``) by wire
address (documented - 1) >> ``PAGE_SHIFT``, allocated only where something other than 0 was
stored: the model's blocks (their words read the sentinel), its undocumented words and whatever
is written later. A missing page reads 0, as the whole table did when it was one flat
``bytearray`` (128 KiB per table, most of it never read; decisions §34). Everything above this
module speaks documented numbers.
"""

from __future__ import annotations

from struct import pack, unpack

from ..vocabulary import ADDRESS_SPACE, ILLEGAL_ADDRESS
from . import codec
from .catalogue import HOLDING, INPUT, TABLES, Layout, Register

# 128 words: a Modbus read (at most vocabulary.MAX_READ = 125 registers) spans one page or two, so
# a read is one slice or one join of two; a page is a small object for Python's allocator.
PAGE_SHIFT = 7
PAGE_WORDS = 1 << PAGE_SHIFT
_PAGE_BYTES = 2 * PAGE_WORDS
_IN_PAGE = PAGE_WORDS - 1
_ZERO_PAGE = bytes(_PAGE_BYTES)  # what every missing page reads, shared
# A word inside a supported block that the model does not implement reads the U16 sentinel
# (PROTOCOLS §1.5, §1.8), as real devices answer it; the registers, and the undocumented words
# a real device answers otherwise, are written over it.
_UNIMPLEMENTED = codec.encode("U16", codec.sentinel("U16"))[0].to_bytes(2, "big")


def _blocks(layout: Layout) -> dict[str, tuple[tuple[int, int], ...]]:
    return {table: layout.model.blocks(table) for table in TABLES}


class RegisterAccessError(Exception):
    """A read or write the device refuses; ``code`` is the Modbus exception code it answers
    (None: it does not answer at all)."""

    def __init__(self, code: int | None, message: str):
        super().__init__(message)
        self.code = code


class RegisterImage:
    """Raw words of the input and holding tables of one model, with its supported blocks."""

    __slots__ = ("blocks", "generation", "layout", "outside_blocks", "pages")

    def __init__(self, layout: Layout):
        self.layout = layout
        # table -> page number (wire address >> PAGE_SHIFT) -> the page's bytes
        self.pages: dict[str, dict[int, bytes]] = {INPUT: {}, HOLDING: {}}
        self.blocks = layout.shared(_blocks)
        # Counts the changes of either table: every change goes through put_words; a write of the
        # words already there is no change (a battery that follows its inverter rewrites them). The doors keep
        # an encoded reply while the generation it was built at is still current.
        self.generation = 0
        # What a read outside every block gets: exception 02 from an inverter [OBS: an SG10RT],
        # a device (the battery pack) may say None: no reply.
        self.outside_blocks = getattr(layout.model, "outside_blocks", ILLEGAL_ADDRESS)
        for table, blocks in self.blocks.items():
            for low, high in blocks:
                self._store(self.pages[table], low - 1, _UNIMPLEMENTED * (high - low + 1))
        for known in layout.undocumented:
            self.put_words(known.table, known.number, list(known.words))

    # -- pages ------------------------------------------------------------------------------

    @staticmethod
    def _load(pages: dict[int, bytes], address: int, count: int) -> bytes:
        """``count`` words from wire ``address`` (a missing page reads 0)."""
        index = address >> PAGE_SHIFT
        start = 2 * (address & _IN_PAGE)
        end = start + 2 * count
        if end <= _PAGE_BYTES:
            return pages.get(index, _ZERO_PAGE)[start:end]
        if end <= 2 * _PAGE_BYTES:  # as far as any Modbus read reaches
            return pages.get(index, _ZERO_PAGE)[start:] + pages.get(index + 1, _ZERO_PAGE)[: end - _PAGE_BYTES]
        parts = []
        while end > 0:
            parts.append(pages.get(index, _ZERO_PAGE)[start : min(end, _PAGE_BYTES)])
            index, start, end = index + 1, 0, end - _PAGE_BYTES
        return b"".join(parts)

    @staticmethod
    def _store(pages: dict[int, bytes], address: int, data: bytes) -> None:
        """Write ``data`` (whole words) at wire ``address``. A page is immutable ``bytes`` (a read
        is then one slice); a write replaces the pages it changes, and allocates none for zeros
        where a missing page reads zeros."""
        index = address >> PAGE_SHIFT
        start = 2 * (address & _IN_PAGE)
        done = 0
        while done < len(data):
            chunk = data[done : done + _PAGE_BYTES - start]
            page = pages.get(index)
            if page is None and any(chunk):
                page = _ZERO_PAGE
            if page is not None:
                pages[index] = page[:start] + chunk + page[start + len(chunk) :]
            index, start, done = index + 1, 0, done + len(chunk)

    def allocated(self) -> int:
        """Bytes of register words this image holds (its pages)."""
        return _PAGE_BYTES * sum(len(pages) for pages in self.pages.values())

    def dump(self, table: str) -> bytes:
        """The whole table as flat bytes, wire address 0 first (for comparing whole images)."""
        return self._load(self.pages[table], 0, ADDRESS_SPACE)

    # -- raw word access (documented numbers) ---------------------------------------------

    def words(self, table: str, number: int, count: int) -> list[int]:
        return list(unpack(f">{count}H", self._load(self.pages[table], number - 1, count)))

    def put_words(self, table: str, number: int, words: list[int]) -> None:
        data = pack(f">{len(words)}H", *words)  # before any change: a bad word changes nothing
        address = number - 1
        start = 2 * (address & _IN_PAGE)
        end = start + len(data)
        pages = self.pages[table]
        page = pages.get(address >> PAGE_SHIFT)
        if end <= _PAGE_BYTES and page is not None:  # the usual write: one register of a block
            if page[start:end] == data:
                return  # nothing changed: the replies kept at this generation stay right
            pages[address >> PAGE_SHIFT] = page[:start] + data + page[end:]
        elif self._load(pages, address, len(words)) == data:
            return
        else:
            self._store(pages, address, data)
        self.generation += 1

    def get_raw(self, register: Register) -> int | str:
        return codec.decode(register.type, self.words(register.table, register.number, register.words))

    def put_raw(self, register: Register, raw: int | str) -> None:
        self.put_words(register.table, register.number, codec.encode(register.type, raw, register.words))

    # -- wire access ----------------------------------------------------------------------

    def supports(self, table: str, first: int, last: int) -> bool:
        """Whether documented range ``first..last`` touches a block the model answers."""
        for low, high in self.blocks[table]:  # noqa: SIM110 (a plain loop: every read asks)
            if first <= high and last >= low:
                return True
        return False

    def read_wire(self, table: str, address: int, count: int) -> bytes:
        """The reply payload of a read at wire ``address``; raises for unsupported ranges."""
        if address + count > ADDRESS_SPACE or not self.supports(table, address + 1, address + count):
            raise RegisterAccessError(
                self.outside_blocks, f"{table} {address + 1}..{address + count} is outside every supported block"
            )
        # _load's two usual cases inline (every read not answered from a kept reply runs this)
        start = 2 * (address & _IN_PAGE)
        end = start + 2 * count
        pages = self.pages[table]
        if end <= _PAGE_BYTES:  # inside one page: one slice, as the flat table was
            return pages.get(address >> PAGE_SHIFT, _ZERO_PAGE)[start:end]
        if end <= 2 * _PAGE_BYTES:  # across two pages
            index = address >> PAGE_SHIFT
            return pages.get(index, _ZERO_PAGE)[start:] + pages.get(index + 1, _ZERO_PAGE)[: end - _PAGE_BYTES]
        return self._load(pages, address, count)
