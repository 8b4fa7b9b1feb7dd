"""The register image in pages (decisions §34): it holds only the pages its model's blocks touch,
and answers every read, word for word and refusal for refusal, as the flat 64K-word tables did."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from SungrowMockLibrary.device import catalogue
from SungrowMockLibrary.device.battery import battery_layout
from SungrowMockLibrary.device.catalogue import HOLDING, INPUT, TABLES
from SungrowMockLibrary.device.image import PAGE_WORDS, RegisterAccessError, RegisterImage
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.vocabulary import ADDRESS_SPACE, ILLEGAL_ADDRESS, MAX_READ

MODELS = list(catalogue.models())
# One of each register set and block shape: hybrids with and without the statistics block, string
# inverters small and large, the first SH, and the battery pack (which answers nothing outside).
COMPARED = ("SH10RT", "SH5.0RS", "SH5K-20", "SG10RT", "SG110CX", "battery")
CLOCK_PAGE = (5000 - 1) // PAGE_WORDS
FLAT_IMAGE_BYTES = 2 * 2 * ADDRESS_SPACE  # what every device held before: both tables, every word


class FlatImage:
    """The image as it was before pages: a bytearray of 64K words per table (the reference)."""

    def __init__(self, image: RegisterImage):
        self.blocks, self.outside_blocks = image.blocks, image.outside_blocks
        self.tables = {table: bytearray(2 * ADDRESS_SPACE) for table in TABLES}
        for table, blocks in self.blocks.items():
            for low, high in blocks:
                self.tables[table][2 * (low - 1) : 2 * high] = b"\xff\xff" * (high - low + 1)

    def put_words(self, table, number, words):
        offset = 2 * (number - 1)
        self.tables[table][offset : offset + 2 * len(words)] = b"".join(w.to_bytes(2, "big") for w in words)

    def words(self, table, number, count):
        data, offset = self.tables[table], 2 * (number - 1)
        return [int.from_bytes(data[i : i + 2], "big") for i in range(offset, offset + 2 * count, 2)]

    def read_wire(self, table, address, count):
        first, last = address + 1, address + count
        if address + count > ADDRESS_SPACE or not any(first <= high and last >= low for low, high in self.blocks[table]):
            raise RegisterAccessError(self.outside_blocks, "outside")
        return bytes(self.tables[table][2 * address : 2 * (address + count)])


def device(name: str, monkeypatch) -> tuple[Inverter, FlatImage]:
    """A device of model ``name`` and the flat image that saw every write its image saw."""
    writes = []
    original = RegisterImage.put_words

    def put_words(image, table, number, words):
        writes.append((image, table, number, list(words)))
        original(image, table, number, words)

    monkeypatch.setattr(RegisterImage, "put_words", put_words)
    inverter = Inverter(battery_layout() if name == "battery" else name)
    monkeypatch.setattr(RegisterImage, "put_words", original)
    flat = FlatImage(inverter.image)
    for image, table, number, words in writes:
        if image is inverter.image:
            flat.put_words(table, number, words)
    return inverter, flat


def answer(image, table, address, count):
    try:
        return image.read_wire(table, address, count)
    except RegisterAccessError as error:
        return ("refused", error.code)


def pages_touched(blocks) -> set[int]:
    return {page for low, high in blocks for page in range((low - 1) // PAGE_WORDS, (high - 1) // PAGE_WORDS + 1)}


def own_pages(image: RegisterImage) -> dict[str, set[int]]:
    """The pages a device's image holds before any write: its blocks', and its clock words' (holding
    5000-5005, inside a block on every inverter; the battery pack answers no holding block)."""
    pages = {table: pages_touched(image.blocks[table]) for table in TABLES}
    pages[HOLDING].add(CLOCK_PAGE)
    return pages


@pytest.mark.parametrize("name", [*MODELS, "battery"])
def test_an_image_holds_only_the_pages_its_blocks_touch(name):
    """Registers and undocumented words lie in blocks, so nothing else takes memory: a model's image
    costs its blocks rounded out to pages, not 256 KiB."""
    image = Inverter(battery_layout() if name == "battery" else name).image
    expected = own_pages(image)
    assert {table: set(image.pages[table]) for table in TABLES} == expected
    assert image.allocated() == 2 * PAGE_WORDS * sum(len(pages) for pages in expected.values())
    assert image.allocated() <= FLAT_IMAGE_BYTES // 16


def test_writing_zeros_where_zeros_are_read_allocates_nothing_and_a_value_one_page():
    image = Inverter("SG10RT").image
    before = {table: dict(pages) for table, pages in image.pages.items()}
    image.put_words(HOLDING, 40000, [0] * 300)  # outside every block, three pages of zeros
    assert image.pages == before
    image.put_words(HOLDING, 40000, [7])
    assert set(image.pages[HOLDING]) - set(before[HOLDING]) == {39999 // PAGE_WORDS}
    assert image.words(HOLDING, 39999, 3) == [0, 7, 0]
    with pytest.raises(RegisterAccessError) as refused:  # still outside every block for a client
        image.read_wire(HOLDING, 39999, 1)
    assert refused.value.code == ILLEGAL_ADDRESS


def test_a_failed_write_changes_nothing():
    image = Inverter("SH10RT").image
    pages, generation = {table: dict(p) for table, p in image.pages.items()}, image.generation
    for words in ([1, 65536], [-1], [1, 2, 3, 70000]):
        with pytest.raises(Exception):  # noqa: B017 (the codec's checks come first; this is the last guard)
            image.put_words(HOLDING, 13050, words)
    assert image.pages == pages
    assert image.generation == generation


@pytest.mark.parametrize("name", COMPARED)
def test_every_read_touching_a_block_answers_as_the_flat_image(name, monkeypatch):
    inverter, flat = device(name, monkeypatch)
    image = inverter.image
    for table in TABLES:
        for low, high in image.blocks[table]:
            assert image.words(table, low, high - low + 1) == flat.words(table, low, high - low + 1)
            for address in range(max(0, low - 1 - MAX_READ), high + 1):
                for count in (1, 2, 3, 64, 100, MAX_READ):
                    assert answer(image, table, address, count) == answer(flat, table, address, count), (address, count)
        assert image.dump(table) == bytes(flat.tables[table])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(COMPARED),
    writes=st.lists(
        st.tuples(
            st.sampled_from(TABLES),
            st.integers(1, ADDRESS_SPACE),
            st.lists(st.one_of(st.just(0), st.integers(0, 0xFFFF)), min_size=1, max_size=3 * PAGE_WORDS),
        ),
        max_size=12,
    ),
    reads=st.lists(st.tuples(st.sampled_from(TABLES), st.integers(0, ADDRESS_SPACE - 1), st.integers(1, MAX_READ)), max_size=40),
)
def test_any_writes_then_reads_agree_with_the_flat_image(name, writes, reads, monkeypatch):
    inverter, flat = device(name, monkeypatch)
    image = inverter.image
    for table, number, words in writes:
        words = words[: ADDRESS_SPACE - number + 1]  # the address space ends at 65536
        generation, changes = image.generation, image.words(table, number, len(words)) != words
        image.put_words(table, number, words)
        flat.put_words(table, number, words)
        assert image.generation == generation + changes  # a write of the words already there changes nothing
        assert image.words(table, number, len(words)) == words
    for table, address, count in reads:
        assert answer(image, table, address, count) == answer(flat, table, address, count)
        assert image.words(table, address + 1, count) == flat.words(table, address + 1, count)
    for table, number, words in writes:  # reads at the edges of what was written
        for address in (number - 2, number - 1, number + len(words) - 2):
            if 0 <= address < ADDRESS_SPACE:
                assert answer(image, table, address, MAX_READ) == answer(flat, table, address, MAX_READ)
    for table in TABLES:
        assert image.dump(table) == bytes(flat.tables[table])
        touched = {(number - 1 + i) // PAGE_WORDS for t, number, words in writes if t == table for i, w in enumerate(words) if w}
        assert set(image.pages[table]) <= own_pages(image)[table] | touched


def test_a_page_is_as_long_as_the_longest_read():
    """A Modbus read then spans one page or two: one slice, or one join (read_wire's fast paths)."""
    assert PAGE_WORDS >= MAX_READ
    image = Inverter("SH10RT").image
    assert len(image.read_wire(INPUT, 5100, MAX_READ)) == 2 * MAX_READ  # 5100 // 128 != 5224 // 128
