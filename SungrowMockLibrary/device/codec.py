"""Sungrow register datatypes: raw values to 16-bit words and back.

Facts from PROTOCOLS §1.4 and §1.5: U16/S16 are one big-endian word, U32/S32 are two words with
the **low word first**, UTF-8 strings carry two characters per word (first in the high byte)
and are padded with 0x00.
"""

from __future__ import annotations

NUMERIC_TYPES = ("U16", "S16", "U32", "S32")
STRING_TYPE = "UTF8"
TYPES = (*NUMERIC_TYPES, STRING_TYPE)

_WORDS = {"U16": 1, "S16": 1, "U32": 2, "S32": 2}
_LIMITS = {
    "U16": (0, 0xFFFF),
    "S16": (-0x8000, 0x7FFF),
    "U32": (0, 0xFFFFFFFF),
    "S32": (-0x80000000, 0x7FFFFFFF),
}
# What a real inverter returns for a register the model does not have (PROTOCOLS §1.5).
_SENTINELS = {"U16": 0xFFFF, "S16": 0x7FFF, "U32": 0xFFFFFFFF, "S32": 0x7FFFFFFF}


class CodecError(ValueError):
    """A value that cannot be represented in a register's datatype."""


def word_count(datatype: str, words: int | None = None) -> int:
    """Number of 16-bit registers a value of ``datatype`` occupies."""
    if datatype == STRING_TYPE:
        if not words or words < 1:
            raise CodecError("UTF8 registers need an explicit word count")
        return words
    try:
        return _WORDS[datatype]
    except KeyError:
        raise CodecError(f"unknown datatype {datatype!r}; valid: {', '.join(TYPES)}") from None


def limits(datatype: str) -> tuple[int, int]:
    """Smallest and largest raw value of a numeric datatype."""
    return _LIMITS[datatype]


def sentinel(datatype: str) -> int | str:
    """The "not available" raw value of a datatype."""
    return "" if datatype == STRING_TYPE else _SENTINELS[datatype]


def encode(datatype: str, value: int | str, words: int | None = None) -> list[int]:
    """Encode a raw value (an integer, or text for UTF8) as register words."""
    if datatype == STRING_TYPE:
        return _encode_text(str(value), word_count(datatype, words))
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"{datatype} needs an integer raw value, got {value!r}")
    low, high = _LIMITS.get(datatype, (None, None))
    if low is None:
        raise CodecError(f"unknown datatype {datatype!r}; valid: {', '.join(TYPES)}")
    if not low <= value <= high:
        raise CodecError(f"{value} does not fit {datatype} ({low}..{high})")
    unsigned = value & 0xFFFFFFFF
    if _WORDS[datatype] == 1:
        return [unsigned & 0xFFFF]
    return [unsigned & 0xFFFF, unsigned >> 16]


def decode(datatype: str, words: list[int] | tuple[int, ...]) -> int | str:
    """Decode register words into the raw value (an integer, or text for UTF8)."""
    if datatype == STRING_TYPE:
        data = b"".join(w.to_bytes(2, "big") for w in words)
        return data.split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    value = words[0] if datatype in ("U16", "S16") else words[0] | words[1] << 16
    if datatype == "S16" and value >= 0x8000:
        value -= 0x10000
    elif datatype == "S32" and value >= 0x80000000:
        value -= 0x100000000
    return value


def _encode_text(text: str, words: int) -> list[int]:
    data = text.encode("utf-8")
    if len(data) > 2 * words:
        raise CodecError(f"{text!r} is {len(data)} bytes; at most {2 * words} fit in {words} registers")
    data = data.ljust(2 * words, b"\x00")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
