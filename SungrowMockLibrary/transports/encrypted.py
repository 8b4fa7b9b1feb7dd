"""Sungrow's "encrypted Modbus TCP" (PROTOCOLS §3): AES-128-ECB around MBAP frames.

The client asks for a 16-byte public key with a plain FC 04 request on unit 247; every later
frame in either direction is ``01 00 L P`` followed by AES(frame + P x 0xFF), where
L = frame length, P = 16 - L mod 16 and the AES key = public key XOR a fixed private key. Plain
frames are understood on the same port too (sungrowinverter never encrypts; §3.9): a plain
frame has protocol id ``00 00`` in bytes 2-3, an encrypted one never does (L >= 8).
"""

from __future__ import annotations

import secrets

from ..errors import EncryptionKeyError
from ..limits import FRAMES_PER_TURN
from ..vocabulary import ILLEGAL_VALUE
from .doorkeeper import Doorkeeper
from .mbap import MAX_LENGTH, FrameHandler, TrackedProtocol, as_is
from .modbus import exception_frame
from .pdu import NO_KEY
from .wire import Wire

PRIVATE_KEY = b"Grow#0*2Sun68CbE"
MAX_FRAME = 255  # L travels in one byte
_ALL_FF = b"\xff" * 16
# By frame length L (at most MAX_FRAME): the header 01 00 L P, and the P bytes of 0xFF padding.
_HEADERS = [bytes((1, 0, size, 16 - size % 16)) for size in range(MAX_FRAME + 1)]
_PADDING = [b"\xff" * (16 - size % 16) for size in range(MAX_FRAME + 1)]


def parse_key(text: str | bytes) -> bytes:
    """A 16-byte key from 32 hex digits (spaces and colons allowed) or from bytes."""
    if isinstance(text, bytes):
        key = text
    else:
        cleaned = str(text).replace(" ", "").replace(":", "")
        try:
            key = bytes.fromhex(cleaned)
        except ValueError:
            raise EncryptionKeyError(f"encryption key {text!r} is not hex; give 32 hex digits") from None
    if len(key) != 16:
        raise EncryptionKeyError(f"encryption key must be 16 bytes (32 hex digits), got {len(key)}")
    return key


class EncryptionKey:
    """The public key a mock hands out; stable across connections until set, rotated or disabled."""

    def __init__(self, public: bytes | None = None):
        self.public = self._fresh() if public is None else parse_key(public)

    @property
    def public(self) -> bytes:
        return self._public

    @public.setter
    def public(self, key: bytes) -> None:
        self._public = key
        # False for the all-zero (or all-0xFF) key that tells clients to stay plain (§3.7).
        self.enabled = key not in (NO_KEY, _ALL_FF)
        self._encrypt = self._decrypt = None
        if self.enabled:  # the cipher is built by the first frame under this key, not at start (decisions §36)
            self._encrypt, self._decrypt = self._first_encrypt, self._first_decrypt

    def _cipher(self) -> None:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # 10 ms: at the first frame

        # ECB keeps no state between blocks, and every frame is whole blocks: one context each way
        # serves every frame under this key (a new context per frame cost microseconds).
        cipher = Cipher(algorithms.AES(bytes(a ^ b for a, b in zip(self._public, PRIVATE_KEY))), modes.ECB())
        self._encrypt = cipher.encryptor().update
        self._decrypt = cipher.decryptor().update

    def _first_encrypt(self, data: bytes) -> bytes:
        self._cipher()
        return self._encrypt(data)

    def _first_decrypt(self, data: bytes) -> bytes:
        self._cipher()
        return self._decrypt(data)

    @staticmethod
    def _fresh() -> bytes:
        while True:
            key = secrets.token_bytes(16)
            if key not in (NO_KEY, _ALL_FF):
                return key

    def set(self, key: str | bytes) -> bytes:
        """Use ``key`` from now on; returns the previous key."""
        previous, self.public = self._public, parse_key(key)
        return previous

    def rotate(self) -> bytes:
        """Switch to a new random key; frames under the old one are no longer understood."""
        self.public = self._fresh()
        return self._public

    def disable(self) -> bytes:
        """Hand out the all-zero key (no encryption); returns the previous key."""
        return self.set(NO_KEY)

    def encrypt(self, data: bytes) -> bytes:
        """AES of ``data``, a whole number of 16-byte blocks."""
        if len(data) % 16:
            raise ValueError(f"{len(data)} bytes are not whole AES blocks")
        return self._encrypt(data)

    def decrypt(self, data: bytes) -> bytes:
        """The plain text of ``data``, a whole number of 16-byte blocks."""
        if len(data) % 16:
            raise ValueError(f"{len(data)} bytes are not whole AES blocks")
        return self._decrypt(data)

    def wrap(self, frame: bytes) -> bytes:
        """``01 00 L P`` + AES(frame + P x 0xFF). A frame too long for L (only a reply can be) goes
        as an exception reply instead, which keeps the client's stream in sync (§3.6)."""
        size = len(frame)
        if size > MAX_FRAME:
            frame = exception_frame(frame, ILLEGAL_VALUE)
            size = len(frame)
        return _HEADERS[size] + self._encrypt(frame + _PADDING[size])


class EncryptedMbapProtocol(TrackedProtocol):
    """One connection of the encrypted door: plain and encrypted frames, each answered in kind."""

    def __init__(self, handle: FrameHandler, key: EncryptionKey, connections: Doorkeeper, wire: Wire | None = None):
        super().__init__(handle, connections, wire)
        self._key = key
        # Bound once: every encrypted frame hands both on (a bound method is built per access).
        self._wrap = key.wrap
        self._answer = self._answer_with_key

    def _rotate_key(self) -> None:
        self._key.rotate()

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        if not self._buffer and not connection.stalled and self._key.enabled:
            # The usual case, one whole encrypted request and nothing else: no loop, _serve inline.
            size = len(data)
            if size >= 20 and data[0] == 1 and not data[1] and size == 4 + data[2] + data[3] and size % 16 == 4:
                length, padding = data[2], data[3]
                if length >= 8 and 1 <= padding <= 16:
                    frame = self._unwrap(data[4:], length)
                    if frame is None:
                        return self._drop()
                    connection.encode = self._wrap
                    self._active = True
                    if self._wire is None:
                        return connection.send(self._answer(frame))
                    return self._wire.serve(connection, frame, self._answer)
        buffer = self._buffer + data if self._buffer else data
        size = len(buffer)
        start = 0  # frames are cut at offsets: a chunk of many frames is copied once, not once per frame
        turn = FRAMES_PER_TURN
        while size - start >= 4 and not connection.stalled:
            if buffer[start + 2] == 0 and buffer[start + 3] == 0:
                if size - start < 7:
                    break
                length = (buffer[start + 4] << 8) | buffer[start + 5]
                if length < 2 or length > MAX_LENGTH:
                    return self._drop()
                end = start + 6 + length
                if size < end:
                    break
                frame = buffer[start:end]
                connection.encode = as_is
            elif buffer[start] == 1 and buffer[start + 1] == 0:
                length, padding = buffer[start + 2], buffer[start + 3]
                if length < 8 or not 1 <= padding <= 16 or (length + padding) % 16:
                    return self._drop()
                end = start + 4 + length + padding
                if size < end:
                    break
                frame = self._unwrap(buffer[start + 4 : end], length)
                if frame is None:
                    return self._drop()
                connection.encode = self._wrap
            else:
                return self._drop()
            start = end
            self._serve(frame, self._answer)
            if self.transport.is_closing():
                return
            turn -= 1
            if not turn and size - start >= 4:
                return self._take_turns(buffer[start:])
        # a partial frame, or the frames waiting while the peer reads nothing
        self._buffer = buffer[start:] if start else buffer

    def _unwrap(self, block: bytes, size: int) -> bytes | None:
        """The plain frame inside an encrypted block, or None when it does not decrypt to one.

        A frame under another key (after a rotation) decrypts to noise; the device cannot parse
        it and drops the connection, as it does for any unparseable stream.
        """
        key = self._key
        if not key.enabled:
            return None
        frame = key._decrypt(block)[:size]  # whole blocks: the header's check made sure
        if frame[2] or frame[3] or ((frame[4] << 8) | frame[5]) != size - 6:
            return None
        return frame

    def _answer_with_key(self, frame: bytes) -> bytes | None:
        return self._handle(frame, self._key._public)
