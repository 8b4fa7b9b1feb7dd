"""The encrypted Modbus door, byte for byte against the test vectors of PROTOCOLS §3."""

import pytest
from conftest import RawModbus, read_frame

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.transports.encrypted import EncryptionKey, EncryptionKeyError

VECTOR_KEY = "00112233445566778899aabbccddeeff"
KEY_REQUEST = "686800000006F7040AE70008"
# §3.5: FC 04 wire 4999 x 1 of unit 1, transaction id replaced by 68 68 before encryption
DEVICE_TYPE_REQUEST = "01000c0442cfe2bc1f7a365c5bc51dea91dd48bb"
DEVICE_TYPE_REPLY = "01000b05b380c42dac870f1bd6f035d2478a84a7"


@pytest.fixture
def mock():
    with MockSungrow("SH10RT", doors="encrypted", encryption_key=VECTOR_KEY) as running:
        yield running


@pytest.fixture
def connect(mock):
    opened = []

    def open_connection() -> RawModbus:
        connection = RawModbus(mock.endpoint("encrypted"))
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()


def encrypted_reply(connection: RawModbus) -> bytes:
    header = connection._exactly(4)
    return header + connection._exactly(header[2] + header[3])


def test_key_request_is_answered_with_the_public_key(connect):
    # §3.3 test vector: 25 bytes, the key in bytes 9..24
    assert connect().ask(KEY_REQUEST) == bytes.fromhex("686800000013f70410" + VECTOR_KEY)


def test_encrypted_request_gets_the_reference_reply(connect):
    connection = connect()
    connection.send(DEVICE_TYPE_REQUEST)
    assert encrypted_reply(connection) == bytes.fromhex(DEVICE_TYPE_REPLY)


def test_key_is_stable_across_connections_and_needs_no_key_request(connect):
    first = connect().ask(KEY_REQUEST)
    second = connect()
    assert second.ask(KEY_REQUEST) == first
    fresh = connect()  # encrypted traffic on a connection that never asked for the key (§3.8)
    fresh.send(DEVICE_TYPE_REQUEST)
    assert encrypted_reply(fresh) == bytes.fromhex(DEVICE_TYPE_REPLY)


def test_plain_frames_are_understood_on_the_same_port(connect):
    assert connect().ask(read_frame(7, 1, 4, 4999, 1)) == bytes.fromhex("000700000005 0104 02 0E03")


def test_random_key_by_default_and_never_the_no_encryption_marker():
    keys = {EncryptionKey().public for _ in range(50)}
    assert len(keys) == 50
    assert bytes(16) not in keys and b"\xff" * 16 not in keys


def test_reply_too_long_for_the_length_byte_is_an_exception_and_the_stream_stays_in_sync(mock, connect):
    key = EncryptionKey(VECTOR_KEY)
    connection = connect()
    connection.send(key.wrap(read_frame(0x6868, 1, 4, 12999, 125)))  # reply would be 259 bytes
    assert key.decrypt(encrypted_reply(connection)[4:])[:9] == bytes.fromhex("686800000003 0184 03")
    connection.send(key.wrap(read_frame(0x6868, 1, 4, 12999, 123)))  # 255 bytes: the most that fits
    reply = encrypted_reply(connection)
    assert reply[2] == 255
    assert key.decrypt(reply[4:])[:9] == bytes.fromhex("6868000000f9 0104 f6")


def test_rotation_refuses_frames_under_the_old_key(mock, connect):
    old = connect()
    old.ask(KEY_REQUEST)
    new_key = mock.rotate_encryption_key()
    assert new_key != VECTOR_KEY
    old.send(DEVICE_TYPE_REQUEST)  # still encrypted under the old key
    assert old.closed_by_peer()
    fresh = connect()
    assert fresh.ask(KEY_REQUEST)[9:].hex() == new_key
    key = EncryptionKey(new_key)
    fresh.send(key.wrap(read_frame(0x6868, 1, 4, 4999, 1)))
    assert key.decrypt(encrypted_reply(fresh)[4:])[:11] == bytes.fromhex("686800000005 0104 02 0E03")


def test_disabled_encryption_hands_out_a_zero_key(mock, connect):
    assert mock.disable_encryption() == VECTOR_KEY
    assert connect().ask(KEY_REQUEST)[9:] == bytes(16)
    assert mock.get_encryption_key() == "00" * 16
    encrypted = connect()
    encrypted.send(DEVICE_TYPE_REQUEST)  # nothing to decrypt with: the device cannot parse it
    assert encrypted.closed_by_peer()


def test_set_key_returns_the_previous_one(mock):
    assert mock.set_encryption_key("ffeeddccbbaa99887766554433221100") == VECTOR_KEY
    assert mock.get_encryption_key() == "ffeeddccbbaa99887766554433221100"


@pytest.mark.parametrize("bad", ["00112233", "zz" * 16, "00" * 17])
def test_bad_keys_are_refused_clearly(mock, bad):
    with pytest.raises(EncryptionKeyError, match="16 bytes|not hex"):
        mock.set_encryption_key(bad)


@pytest.mark.parametrize(
    "garbage",
    [
        "0100 0004" + "00" * 4,  # L below 8
        "0100 0c00" + "00" * 12,  # P = 0
        "0100 0c05" + "00" * 17,  # L + P not a multiple of 16
        "7777 7777 7777",  # neither plain nor encrypted
    ],
)
def test_malformed_encrypted_headers_drop_the_connection_and_others_are_served(connect, garbage):
    bystander = connect()
    offender = connect()
    offender.send(garbage)
    assert offender.closed_by_peer()
    bystander.send(DEVICE_TYPE_REQUEST)
    assert encrypted_reply(bystander) == bytes.fromhex(DEVICE_TYPE_REPLY)


def test_split_encrypted_frame_is_reassembled(connect):
    connection = connect()
    data = bytes.fromhex(DEVICE_TYPE_REQUEST)
    connection.send(data[:3])
    assert connection.silent(0.1)
    connection.send(data[3:])
    assert encrypted_reply(connection) == bytes.fromhex(DEVICE_TYPE_REPLY)


def test_controls_need_the_encrypted_door():
    with pytest.raises(Exception, match="without the encrypted door"):
        MockSungrow(doors="modbus").get_encryption_key()
