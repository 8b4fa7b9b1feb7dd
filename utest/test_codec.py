import pytest
from hypothesis import given
from hypothesis import strategies as st

from SungrowMockLibrary.device import codec


def test_u32_is_sent_low_word_first():
    assert codec.encode("U32", 0x01020304) == [0x0304, 0x0102]
    assert codec.decode("U32", [0x0304, 0x0102]) == 0x01020304


def test_signed_values_use_twos_complement():
    assert codec.encode("S16", -1) == [0xFFFF]
    assert codec.encode("S32", -2) == [0xFFFE, 0xFFFF]
    assert codec.decode("S16", [0x8000]) == -32768
    assert codec.decode("S32", [0xFFFE, 0xFFFF]) == -2


def test_text_is_two_characters_per_word_zero_padded():
    assert codec.encode("UTF8", "121212001", 10) == [0x3132, 0x3132, 0x3132, 0x3030, 0x3100] + [0] * 5
    assert codec.decode("UTF8", [0x3132, 0x3100, 0, 0]) == "121"


@pytest.mark.parametrize(
    "datatype, value", [("U16", -1), ("U16", 0x10000), ("S16", 0x8000), ("U32", 1 << 32), ("S32", -(1 << 31) - 1)]
)
def test_values_outside_the_type_are_refused(datatype, value):
    with pytest.raises(codec.CodecError, match=datatype):
        codec.encode(datatype, value)


def test_too_long_text_is_refused():
    with pytest.raises(codec.CodecError, match="at most 4 fit"):
        codec.encode("UTF8", "12345", 2)


def test_sentinels_match_the_protocol():
    assert codec.sentinel("U16") == 0xFFFF
    assert codec.sentinel("S16") == 0x7FFF
    assert codec.encode("U32", codec.sentinel("U32")) == [0xFFFF, 0xFFFF]
    assert codec.encode("S32", codec.sentinel("S32")) == [0xFFFF, 0x7FFF]


@given(st.sampled_from(codec.NUMERIC_TYPES), st.data())
def test_numeric_round_trip(datatype, data):
    low, high = codec.limits(datatype)
    value = data.draw(st.integers(low, high))
    words = codec.encode(datatype, value)
    assert all(0 <= w <= 0xFFFF for w in words)
    assert codec.decode(datatype, words) == value


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20))
def test_text_round_trip(text):
    assert codec.decode("UTF8", codec.encode("UTF8", text, 10)) == text
