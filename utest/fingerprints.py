"""Real-device fingerprints (``utest/data/fingerprints/``) and how a mock's answers compare with them.

Each data file keeps the facts of one public fingerprint document (source repository, path and
commit named in it): the device type code, the route (``direct`` to the inverter's LAN port or
``winet`` through a WiNet-S dongle), the firmware strings, the register dump by **wire** address
and the document's probes (single reads). A dump word is the raw value the device answered,
``None`` where it refused, or ``"withheld"`` where the publisher replaced the answer (the serial).

:func:`compare` cuts each table's dump into bands (runs of consecutive addresses the device either
answered or refused), asks the mock for each band the way a client would (reads of at most 125
registers, and each register alone) and counts two agreements: answered vs refused per band, and
sentinel vs value per word the device and the mock both answered. A register read alone is
expected to answer as its band did, unless a probe of the document read it alone and says
otherwise. The probes are compared too (answered vs refused, sentinel vs value). A band the mock
cannot be expected to match (yet) is counted as pending, with the reason, not compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from SungrowMockLibrary.device import codec
from SungrowMockLibrary.device.catalogue import INPUT, TABLES, Layout, models
from SungrowMockLibrary.vocabulary import MAX_READ, READ_HOLDING, READ_INPUT

DATA = Path(__file__).parent / "data" / "fingerprints"
WITHHELD = "withheld"
READ_FUNCTION = {INPUT: READ_INPUT}
# The words an unsupported register reads (PROTOCOLS §1.5): the U16 and U32 sentinel 0xFFFF, the
# S16 sentinel 0x7FFF, and the S32 sentinel's high word 0x7FFF after its low word 0xFFFF.
SENTINEL_WORDS = frozenset((codec.sentinel("U16"), codec.sentinel("S16")))

Reader = Callable[[str, int, int], "list[int] | None"]  # (table, wire, count) -> words, None if refused


def is_sentinel(word: int) -> bool:
    return word in SENTINEL_WORDS


def sentinel_flags(table: str, wire: int, words: list, layout: Layout) -> list[bool]:
    """Which words read "not available": a word of a documented two-word register when the pair
    is its type's sentinel (a negative S32 also has the high word 0xFFFF), any other word by
    itself. Words that are not numbers (withheld) count as values."""
    flags = [isinstance(word, int) and is_sentinel(word) for word in words]
    for register in layout.registers:
        if register.table != table or register.words != 2 or register.is_text:
            continue
        at = register.number - 1 - wire
        if 0 <= at < len(words) - 1 and all(isinstance(word, int) for word in words[at : at + 2]):
            pair = codec.encode(register.type, codec.sentinel(register.type))
            flags[at] = flags[at + 1] = list(words[at : at + 2]) == pair
    return flags


@dataclass(frozen=True)
class Band:
    """Consecutive wire addresses of one table that the real device all answered, or all refused."""

    table: str
    wire: int
    words: tuple  # raw words, or WITHHELD; all None when refused
    answered: bool

    @property
    def last(self) -> int:
        return self.wire + len(self.words) - 1

    def __str__(self) -> str:  # documented numbers, as users speak
        return f"{self.table} {self.wire + 1}-{self.last + 1}"


@dataclass(frozen=True)
class Document:
    name: str
    data: dict

    @property
    def path(self) -> str:
        return self.data["path"]

    @property
    def type_code(self) -> int:
        return int(self.data["device_type_code"], 16)

    @property
    def read_at(self) -> str:
        """The local time of the reading, as the mock's start time."""
        return self.data["source"]["read_at_local"][:19]

    def model(self) -> str:
        """The catalogue model with the document's device type code, else the document's stand-in."""
        for name, model in models().items():
            if model.type_code == self.type_code:
                return name
        return self.data["stand_in_model"]

    def bands(self) -> list[Band]:
        bands = []
        for table in TABLES:
            for dump in self.data["register_dump"][table]:
                start, run = dump["wire"], []
                for offset, word in enumerate([*dump["words"], ...]):  # the Ellipsis closes the last run
                    if run and (word is ... or (word is None) != (run[0] is None)):
                        bands.append(Band(table, start, tuple(run), run[0] is not None))
                        start, run = dump["wire"] + offset, []
                    run.append(word)
        return bands

    def strings(self) -> list[dict]:
        return self.data["strings"]

    def probes(self) -> list[dict]:
        """The document's single reads: name, table, wire, count, words (None: refused)."""
        return self.data.get("probes", [])

    def alone(self, band: Band) -> list[bool]:
        """Whether each register of ``band`` answers a read of itself alone, as far as the document
        says: as its band, unless a one-register probe of it says otherwise."""
        probed = {p["wire"]: p["words"] is not None for p in self.probes() if p["table"] == band.table and p["count"] == 1}
        return [probed.get(wire, band.answered) for wire in range(band.wire, band.last + 1)]


def load(name: str) -> Document:
    return Document(name, json.loads((DATA / name).read_text(encoding="utf-8")))


def documents() -> list[str]:
    return sorted(p.name for p in DATA.glob("*.json"))


@dataclass
class Agreement:
    """How one mock's answers compare with one document, band by band and word by word."""

    document: str
    model: str
    bands: int = 0
    bands_agreeing: int = 0
    words: int = 0
    words_agreeing: int = 0
    probes: int = 0
    probes_agreeing: int = 0
    pending: dict[str, list[str]] = field(default_factory=dict)  # reason -> bands
    disagreements: list[str] = field(default_factory=list)

    @staticmethod
    def percent(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 100.0

    @property
    def answered_percent(self) -> float:
        return self.percent(self.bands_agreeing, self.bands)

    @property
    def sentinel_percent(self) -> float:
        return self.percent(self.words_agreeing, self.words)

    def summary(self) -> str:
        pending = sum(len(bands) for bands in self.pending.values())
        return (
            f"{self.document} as {self.model}: {self.bands} bands, answered-agree "
            f"{self.bands_agreeing}/{self.bands} ({self.answered_percent} %), sentinel-agree "
            f"{self.words_agreeing}/{self.words} words ({self.sentinel_percent} %), probes-agree "
            f"{self.probes_agreeing}/{self.probes}, {pending} bands pending"
        )


def read_band(reader: Reader, band: Band) -> tuple[list[int] | None, list[bool]]:
    """The mock's words for the band as a client reads them (requests of at most 125 registers;
    None when any is refused), and whether each of the band's registers answers a read of itself."""
    words: list[int] | None = []
    for first in range(band.wire, band.last + 1, MAX_READ):
        answer = reader(band.table, first, min(MAX_READ, band.last + 1 - first))
        words = None if answer is None or words is None else words + answer
    alone = [reader(band.table, wire, 1) is not None for wire in range(band.wire, band.last + 1)]
    return words, alone


def compare(
    document: Document, reader: Reader, layout: Layout, pending: Callable[[Band], str | None] = lambda band: None
) -> Agreement:
    """Compare the mock behind ``reader`` (a model of ``layout``) with ``document``; ``pending``
    names why a band is not compared yet (or returns None to compare it)."""
    agreement = Agreement(document.name, layout.model.name)
    for band in document.bands():
        reason = pending(band)
        if reason:
            agreement.pending.setdefault(reason, []).append(str(band))
            continue
        agreement.bands += 1
        mock, alone = read_band(reader, band)
        size, expected = len(band.words), document.alone(band)
        if (mock is not None) == band.answered and alone == expected:
            agreement.bands_agreeing += 1
        else:
            answered = sum(alone)
            what = "answers" if mock is not None and all(alone) else "refuses" if mock is None and not any(alone) else (
                f"answers {answered} of {size} registers read alone")
            device = "answers" if band.answered else "refuses"
            if expected != [band.answered] * size:
                device += f" ({sum(expected)} of {size} registers read alone)"
            agreement.disagreements.append(f"{band}: the device {device}, the mock {what}")
        if not band.answered or mock is None:
            continue
        real_flags = sentinel_flags(band.table, band.wire, list(band.words), layout)
        mock_flags = sentinel_flags(band.table, band.wire, mock, layout)
        for offset, (real, ours) in enumerate(zip(band.words, mock, strict=True)):
            if real == WITHHELD:
                continue
            agreement.words += 1
            if real_flags[offset] == mock_flags[offset]:
                agreement.words_agreeing += 1
            else:
                agreement.disagreements.append(
                    f"{band.table} {band.wire + offset + 1}: the device reads {real:#06x}, the mock {ours:#06x}"
                )
    for probe in document.probes():
        agreement.probes += 1
        real, ours = probe["words"], reader(probe["table"], probe["wire"], probe["count"])
        where = f"probe {probe['name']} ({probe['table']} {probe['wire'] + 1} x{probe['count']})"
        if (real is None) != (ours is None):
            agreement.disagreements.append(f"{where}: the device {'refuses' if real is None else 'answers'}, the mock "
                                           f"{'refuses' if ours is None else 'answers'}")  # fmt: skip
        elif real is not None and sentinel_flags(probe["table"], probe["wire"], real, layout) != sentinel_flags(
            probe["table"], probe["wire"], ours, layout
        ):
            agreement.disagreements.append(f"{where}: the device reads {real}, the mock {ours}")
        else:
            agreement.probes_agreeing += 1
    return agreement


def modbus_reader(client, unit: int = 1) -> Reader:
    """A :data:`Reader` over a door client of ``door_clients`` (FC 03 / FC 04)."""

    def read(table: str, wire: int, count: int) -> list[int] | None:
        function = READ_FUNCTION.get(table, READ_HOLDING)
        reply = client.ask(unit, bytes((function,)) + wire.to_bytes(2, "big") + count.to_bytes(2, "big"))
        if reply[0] & 0x80:
            return None
        assert reply[:2] == bytes((function, 2 * count)), reply.hex()
        return [int.from_bytes(reply[i : i + 2], "big") for i in range(2, len(reply), 2)]

    return read
