"""The mocks' event loop: asyncio unless uvloop is asked for (SUNGROW_MOCK_EVENT_LOOP, the [fast]
extra), and a clear error for anything else (issue 14)."""

from __future__ import annotations

import sys

import pytest

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.runtime import EVENT_LOOP_VARIABLE, new_event_loop
from SungrowMockLibrary.transports.pdu import read_request
from SungrowMockLibrary.vocabulary import Table
from utest.door_clients import PlainModbus


def test_the_loop_is_asyncio_unless_another_is_asked_for(monkeypatch):
    monkeypatch.delenv(EVENT_LOOP_VARIABLE, raising=False)
    loop = new_event_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
    finally:
        loop.close()
    monkeypatch.setenv(EVENT_LOOP_VARIABLE, "bogus")
    with pytest.raises(ValueError, match="SUNGROW_MOCK_EVENT_LOOP='bogus': choose asyncio or uvloop"):
        new_event_loop()


def test_without_uvloop_the_error_names_the_extra_to_install(monkeypatch):
    monkeypatch.setenv(EVENT_LOOP_VARIABLE, "uvloop")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed: importing it fails
    with pytest.raises(ValueError, match=r"pip install robotframework-sungrowmocklibrary\[fast\]"):
        new_event_loop()


def test_a_mock_serves_on_uvloop_when_asked_for(monkeypatch):
    monkeypatch.setenv(EVENT_LOOP_VARIABLE, "uvloop")  # uvloop comes with the test dependencies
    with MockSungrow(doors="modbus", clock_speed=0) as mock:
        assert "uvloop" in type(mock._runtime.loop).__module__
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            assert client.ask(1, read_request(Table.input.value, 5000, 1)) == bytes.fromhex("0402 0e03")
        finally:
            client.close()
