"""Modbus semantics byte for byte (PROTOCOLS §1, §5.1 and Appendix A)."""

import socket

import pytest
from conftest import read_frame


def test_device_type_worked_example(raw):
    # Appendix A: read device type (documented 5000 = wire 0x1387) of an SH10RT.
    assert raw().ask("000100000006010413870001") == bytes.fromhex("0001000000050104020E03")


def test_serial_is_text_zero_padded(raw, sungrow_mock):
    sungrow_mock.set_register("serial_number", "A221234567")
    reply = raw().ask("0002000000060104137D000A")
    assert reply[:9] == bytes.fromhex("000200000017010414")
    assert reply[9:] == b"A221234567" + bytes(10)


def test_transaction_and_unit_id_are_echoed(raw):
    reply = raw().ask(read_frame(0xBEEF, 1, 4, 4999, 1))
    assert reply[:2] == b"\xbe\xef" and reply[6] == 1


@pytest.mark.parametrize("count", [1, 38, 100, 125])
def test_reply_carries_exactly_the_requested_count(raw, count):
    reply = raw().ask(read_frame(1, 1, 4, 4999, count))
    assert reply[8] == 2 * count
    assert len(reply) == 9 + 2 * count
    assert int.from_bytes(reply[4:6], "big") == 3 + 2 * count


def test_input_and_holding_are_separate_tables(raw, sungrow_mock):
    connection = raw()
    year = connection.ask(read_frame(1, 1, 3, 4999, 1))
    device_type = connection.ask(read_frame(2, 1, 4, 4999, 1))
    assert int.from_bytes(year[9:11], "big") >= 2024
    assert device_type[9:11] == b"\x0e\x03"


def test_unused_addresses_inside_a_block_read_the_sentinel(raw, sungrow_mock):
    # input 5025-5029 is reserved on hybrids, inside the 4950-5300 block: a real SH10RT answers
    # 0xFFFF there (PROTOCOLS §1.8; utest/data/fingerprints/sh10rt-direct-mkaiser.json)
    reply = raw().ask(read_frame(1, 1, 4, 5024, 5))
    assert reply[9:] == b"\xff\xff" * 5


def test_registers_the_model_lacks_read_the_sentinel(raw):
    # MPPT3 voltage/current (input 5015/5016) on a 2-MPPT SH10RT
    reply = raw().ask(read_frame(1, 1, 4, 5014, 2))
    assert reply[9:] == b"\xff\xff\xff\xff"


def test_read_wholly_outside_the_blocks_is_exception_02(raw):
    assert raw().ask(read_frame(7, 1, 4, 20000, 10)) == bytes.fromhex("000700000003018402")
    assert raw().ask(read_frame(8, 1, 3, 0, 10)) == bytes.fromhex("000800000003018302")


@pytest.mark.parametrize("count", [0, 126, 2000])
def test_bad_count_is_exception_03(raw, count):
    assert raw().ask(read_frame(9, 1, 4, 4999, count)) == bytes.fromhex("000900000003018403")


@pytest.mark.parametrize("function", [1, 2, 5, 15, 0x17, 0x2B, 0x41])
def test_unknown_function_is_exception_01(raw, function):
    frame = bytes.fromhex("000a00000006 01") + bytes((function,)) + bytes.fromhex("13870001")
    assert raw().ask(frame) == bytes.fromhex("000a00000003 01") + bytes((function | 0x80, 1))


def test_fc06_write_echoes_and_lands_in_holding(raw, sungrow_mock):
    # Appendix A: EMS mode (documented 13050 = wire 0x32F9) = 2 forced
    request = "000b00000006 0106 32F9 0002"
    assert raw().ask(request) == bytes.fromhex(request)
    assert sungrow_mock.get_register(13050, "holding") == 2


def test_fc16_write_echoes_address_and_quantity(raw, sungrow_mock):
    assert raw().ask("000c00000009 0110 32F9 0001 02 0002") == bytes.fromhex("000c00000006 0110 32F9 0001")
    assert sungrow_mock.get_value("ems_mode") == 2


def test_clock_written_with_fc16_keeps_running(raw, sungrow_mock):
    connection = raw()
    connection.ask("000d00000013 0110 1387 0006 0c 07EA 000B 0018 000B 0038 0023")  # 2026-11-24 11:56:35
    reply = connection.ask(read_frame(0xE, 1, 3, 4999, 6))
    year, month, day, hour, minute, _ = (int.from_bytes(reply[i : i + 2], "big") for i in range(9, 21, 2))
    assert (year, month, day, hour, minute) == (2026, 11, 24, 11, 56)


def test_write_to_read_only_or_unknown_holding_is_exception_02(raw):
    connection = raw()
    assert connection.ask("000e00000006 0106 1387 0001".replace(" ", "")) != b""  # year=1 is out of range
    assert connection.ask("000f00000006 0106 0000 0001") == bytes.fromhex("000f00000003 0186 02")
    assert connection.ask("001000000006 0104 1387 0001")[7] == 4  # the input table is not writable by FC 04


def test_enumerated_value_is_checked(raw, sungrow_mock):
    assert raw().ask("001100000006 0106 32F9 0001") == bytes.fromhex("001100000003 0186 03")
    assert sungrow_mock.get_register(13050, "holding") == 0


def test_out_of_range_value_is_exception_03(raw):
    assert raw().ask("001200000006 0106 1387 07CF") == bytes.fromhex("001200000003 0186 03")  # year 1999


def test_fc16_is_all_or_nothing(raw, sungrow_mock):
    before = sungrow_mock.get_register(13051, "holding")
    # 13050 = 2 is valid, 13051 = 1 is not: nothing is written
    assert raw().ask("00130000000b 0110 32F9 0002 04 0002 0001")[7] == 0x90
    assert sungrow_mock.get_register(13050, "holding") == 0
    assert sungrow_mock.get_register(13051, "holding") == before


def test_fc16_with_inconsistent_byte_count_is_exception_03(raw):
    assert raw().ask("001400000009 0110 32F9 0001 04 0002") == bytes.fromhex("001400000003 0190 03")


def test_other_unit_ids_get_no_reply_and_the_connection_stays_usable(raw):
    connection = raw()
    connection.send(read_frame(0x15, 2, 4, 4999, 1))
    assert connection.silent()
    assert connection.ask(read_frame(0x16, 1, 4, 4999, 1))[9:] == b"\x0e\x03"


@pytest.mark.sungrow_mock(unit_id=3)
def test_unit_id_is_configurable(raw):
    connection = raw()
    connection.send(read_frame(1, 1, 4, 4999, 1))
    assert connection.silent()
    assert connection.ask(read_frame(2, 3, 4, 4999, 1)) == bytes.fromhex("000200000005 0304 02 0E03")


def test_broadcast_write_is_applied_without_reply(raw, sungrow_mock):
    connection = raw()
    connection.send("001700000006 0006 32F9 0002")
    assert connection.silent()
    assert sungrow_mock.get_register(13050, "holding") == 2


def test_key_request_gets_a_zero_key(raw):
    # PROTOCOLS §3.2/3.7: a plain inverter answers the key request with 16 zero bytes
    assert raw().ask("686800000006F7040AE70008") == bytes.fromhex("686800000013F70410") + bytes(16)


@pytest.mark.parametrize(
    "garbage",
    [
        "000100000000 01",  # length 0
        "0001000000FF 01 04 1387 0001",  # length 255
        "000100010006 01 04 1387 0001",  # protocol id 1
        "474554202f20485454502f312e310d0a0d0a",  # an HTTP request
    ],
)
def test_malformed_headers_drop_the_connection_and_others_are_served(raw, garbage):
    bystander = raw()
    offender = raw()
    offender.send(garbage)
    assert offender.closed_by_peer()
    assert bystander.ask(read_frame(1, 1, 4, 4999, 1))[9:] == b"\x0e\x03"


def test_truncated_frame_waits_and_completes(raw):
    connection = raw()
    connection.send("00010000")
    assert connection.silent(0.1)
    assert connection.ask("0006 01 04 1387 0001") == bytes.fromhex("000100000005 0104 02 0E03")


def test_truncated_frame_then_close_does_not_hurt_others(raw, sungrow_mock):
    half = raw()
    half.send("000100000006 0104")
    half.close()
    assert raw().ask(read_frame(2, 1, 4, 4999, 1))[9:] == b"\x0e\x03"


def test_pipelined_requests_in_one_segment_get_every_reply(raw):
    connection = raw()
    connection.send(read_frame(1, 1, 4, 4999, 1) + read_frame(2, 1, 4, 5000, 1) + read_frame(3, 1, 3, 4999, 1))
    replies = [connection.reply() for _ in range(3)]
    assert [r[:2] for r in replies] == [b"\x00\x01", b"\x00\x02", b"\x00\x03"]
    assert replies[1][9:] == (100).to_bytes(2, "big")


def test_short_read_pdu_is_exception_03(raw):
    assert raw().ask("001800000004 0104 1387") == bytes.fromhex("001800000003 0184 03")


def test_read_reaching_past_the_last_address_is_exception_02(raw):
    assert raw().ask(read_frame(0x19, 1, 4, 0xFFFF, 2)) == bytes.fromhex("001900000003 0184 02")


def test_a_failure_inside_the_mock_costs_one_request_not_the_connection(sungrow_mock, monkeypatch):
    # Exception 04 (server device failure) for the request that hit the failure; the connection
    # and every later request are served as usual.
    inverter = sungrow_mock.inverter
    real_read = inverter.read
    calls = []

    def failing_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("simulated bug")
        return real_read(*args)

    monkeypatch.setattr(inverter, "read", failing_once)
    host, port = sungrow_mock.endpoint("modbus").split(":")
    with socket.create_connection((host, int(port)), timeout=3) as sock:
        sock.sendall(bytes.fromhex("000100000006010413870001"))
        assert sock.recv(64) == bytes.fromhex("000100000003018404")
        sock.sendall(bytes.fromhex("000200000006010413870001"))
        reply = sock.recv(64)
    assert reply[:9] == bytes.fromhex("000200000005010402")
