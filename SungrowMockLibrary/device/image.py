"""The register image of one device: two tables of 16-bit words, as they go on the wire.

Each table is a ``bytearray`` of big-endian words indexed by wire address (documented - 1), so
a read is one slice. Everything above this module speaks documented numbers.
"""

from __future__ import annotations

from ..vocabulary import ADDRESS_SPACE, ILLEGAL_ADDRESS
from . import codec
from .catalogue import HOLDING, INPUT, TABLES, Layout, Register

_TABLE_BYTES = 2 * ADDRESS_SPACE
# A word inside a supported block that the model does not implement reads the U16 sentinel
# (PROTOCOLS §1.5, §1.8), as real devices answer it; the registers, and the undocumented words
# a real device answers otherwise, are written over it.
_UNIMPLEMENTED = codec.encode("U16", codec.sentinel("U16"))[0].to_bytes(2, "big")


class RegisterAccessError(Exception):
    """A read or write the device refuses; ``code`` is the Modbus exception code it answers
    (None: it does not answer at all)."""

    def __init__(self, code: int | None, message: str):
        super().__init__(message)
        self.code = code


class RegisterImage:
    """Raw words of the input and holding tables of one model, with its supported blocks."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.tables = {INPUT: bytearray(_TABLE_BYTES), HOLDING: bytearray(_TABLE_BYTES)}
        self.blocks = {table: layout.model.blocks(table) for table in TABLES}
        # Counts the changes of either table: every change goes through put_words. The doors keep
        # an encoded reply while the generation it was built at is still current.
        self.generation = 0
        # What a read outside every block gets: exception 02 from an inverter [OBS: an SG10RT],
        # a device (the battery pack) may say None: no reply.
        self.outside_blocks = getattr(layout.model, "outside_blocks", ILLEGAL_ADDRESS)
        for table, blocks in self.blocks.items():
            for low, high in blocks:
                self.tables[table][2 * (low - 1) : 2 * high] = _UNIMPLEMENTED * (high - low + 1)
        for known in layout.undocumented:
            self.put_words(known.table, known.number, list(known.words))

    # -- raw word access (documented numbers) ---------------------------------------------

    def words(self, table: str, number: int, count: int) -> list[int]:
        data = self.tables[table]
        offset = 2 * (number - 1)
        return [int.from_bytes(data[i : i + 2], "big") for i in range(offset, offset + 2 * count, 2)]

    def put_words(self, table: str, number: int, words: list[int]) -> None:
        offset = 2 * (number - 1)
        self.tables[table][offset : offset + 2 * len(words)] = b"".join(w.to_bytes(2, "big") for w in words)
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
        return bytes(self.tables[table][2 * address : 2 * (address + count)])
