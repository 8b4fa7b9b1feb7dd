"""Keywords about the doors: the Modbus path, the encrypted Modbus door and the WiNet-S door."""

from __future__ import annotations

from datetime import timedelta

from robotlibcore import keyword

from ..keyword_types import ModbusPath, Scope
from .context import LibraryContext


class DoorKeywords:
    def __init__(self, context: LibraryContext):
        self.ctx = context

    @keyword
    def get_modbus_path(self, alias: str | None = None) -> ModbusPath:
        """Returns how Modbus clients reach a mock: ``direct`` (the inverter's LAN port) or ``winet`` (a WiNet-S dongle's Modbus TCP).

        The path is chosen with ``modbus_path`` of `Start Mock Sungrow` (`ModbusPath`). Through a
        WiNet-S, a hybrid's reads touching input 6100-6826 (the statistics), 2613-2660 (the
        sub-controller and battery firmware strings) and the bands real dongles refused
        (5046-5077, 5142-5159, 5665-5696, 10741-10800, 33001-33200; 5741 and 5744 read alone) get
        exception 02; where the inverter reads "not available" (0xFFFF) the dongle reads 0, and a
        few words are its own; the battery answers on unit 2 with its pack data only (input
        10711-10752; its cell and module arrays get exception 02), and input 13265 names the
        dongle's firmware. A real dongle's exception replies carry a wrong MBAP length: inject the
        fault ``wrong_exception_length`` (`Inject Fault`) to have that too.

        Example:
        | Start Mock Sungrow | SH10RT | modbus_path=winet |
        | ${path} = | Get Modbus Path |
        | Should Be Equal | ${path} | winet |

        See also `Get Battery Unit Id`.
        """
        return self.ctx.registry.get(alias).modbus_path

    @keyword
    def get_battery_unit_id(self, alias: str | None = None) -> int | None:
        """Returns the Modbus unit id of the SBR battery beside a hybrid inverter, or ``None`` when the model has no battery.

        Directly (the inverter's LAN port) the battery answers on unit 200; through a WiNet-S
        (``modbus_path=winet``) on unit 2, its forwarding address. Its registers (serial and
        firmware, pack voltage, current, temperature, SOC, SOH, energy totals from input 10711,
        cell and module values from 10757) follow the inverter's battery, so they agree with
        input 13020-13028; the register keywords reach them with ``unit_id``, and the journal
        names them.

        Example:
        | ${unit} = | Get Battery Unit Id |
        | Should Be Equal As Integers | ${unit} | 200 |
        | Set Inverter Value | battery_level | 55.5 |
        | ${soc} = | Get Inverter Value | battery_level | unit_id=${unit} |
        | Should Be Equal As Numbers | ${soc} | 55.5 |

        See also `Get Modbus Path`, `Set Battery SOC`.
        """
        return self.ctx.registry.get(alias).battery_unit_id

    @keyword
    def get_encryption_key(self, alias: str | None = None) -> str:
        """Returns the public key the encrypted door hands out, as 32 hex digits.

        All zeros means encryption is disabled (clients then stay on plain Modbus). The key is
        the same for every connection until `Set Encryption Key`, `Rotate Encryption Key` or
        `Disable Encryption` changes it.

        Example:
        | Start Mock Sungrow | SH10RT | encryption_key=00112233445566778899aabbccddeeff |
        | ${key} = | Get Encryption Key |
        | Should Be Equal | ${key} | 00112233445566778899aabbccddeeff |
        """
        return self.ctx.registry.get(alias).get_encryption_key()

    @keyword
    def set_encryption_key(self, key: str, scope: Scope = None, alias: str | None = None) -> str:
        """Makes the encrypted door hand out ``key`` (32 hex digits) and returns the previous key.

        The AES key is ``key`` XOR Sungrow's fixed private key, as the real dongle does. The
        previous key comes back when ``scope`` (`Scope`, default: the current test or suite) ends.

        Example:
        | ${previous} = | Set Encryption Key | 00112233445566778899aabbccddeeff |

        See also `Get Encryption Key`, `Rotate Encryption Key`, `Disable Encryption`.
        """
        return self.ctx.registry.get(alias).set_encryption_key(key, scope)

    @keyword
    def rotate_encryption_key(self, scope: Scope = None, alias: str | None = None) -> str:
        """Switches the encrypted door to a new random key and returns it (hex).

        The next key request gets the new key. Frames a client still encrypts under the old key
        decrypt to noise, and the mock drops that connection, as a device does with a stream it
        cannot parse. The previous key comes back when ``scope`` (`Scope`, default: the current
        test or suite) ends.

        Example:
        | ${old} = | Get Encryption Key |
        | ${new} = | Rotate Encryption Key |
        | Should Not Be Equal | ${new} | ${old} |

        See also `Get Encryption Key`, `Set Encryption Key`, `Disable Encryption`.
        """
        return self.ctx.registry.get(alias).rotate_encryption_key(scope)

    @keyword
    def disable_encryption(self, scope: Scope = None, alias: str | None = None) -> str:
        """Makes the key request return 16 zero bytes, so clients fall back to plain frames.

        Returns the previous key (hex). `Set Encryption Key` or `Rotate Encryption Key` enables
        encryption again, and so does the end of ``scope`` (`Scope`, default: the current test
        or suite).

        Example:
        | ${previous} = | Disable Encryption |
        | ${key} = | Get Encryption Key |
        | Should Be Equal | ${key} | 00000000000000000000000000000000 |

        See also `Get Encryption Key`.
        """
        return self.ctx.registry.get(alias).disable_encryption(scope)

    @keyword("Expire WiNet Tokens")
    def expire_winet_tokens(self, alias: str | None = None) -> int:
        """Expires every WiNet token issued so far and returns how many.

        The next WebSocket or HTTP request with such a token gets ``result_code`` 106, as a real
        dongle answers a timed-out token; clients are expected to ``connect`` (and ``login``) again.
        An event, not a setting: the end of a test brings no token back.

        Example:
        | ${expired} = | Expire WiNet Tokens |

        See also `Set WiNet Token Lifetime`, `Set WiNet Session Limit`, `Require WiNet Login`.
        """
        return self.ctx.registry.get(alias).expire_winet_tokens()

    @keyword("Get WiNet Login Required")
    def get_winet_login_required(self, alias: str | None = None) -> bool:
        """Returns whether the WiNet door requires the ``login`` service.

        Example:
        | ${required} = | Get WiNet Login Required |
        | Should Be Equal | ${required} | ${False} |

        See also `Require WiNet Login`.
        """
        return self.ctx.registry.get(alias).get_winet_login_required()

    @keyword("Require WiNet Login")
    def require_winet_login(self, required: bool = True, scope: Scope = None, alias: str | None = None) -> bool:
        """Makes the WiNet door require the ``login`` service (or, with ``required=False``, not).

        While login is required, every service but ``connect`` and ``login`` answers
        ``result_code`` 401 ``I18N_COMMON_INTER_ABNORMAL`` until the session logs in with the
        configured credentials (by default the public ones, admin/pw8888 and user/pw1111).
        Returns the previous setting, which comes back when ``scope`` (`Scope`, default: the
        current test or suite) ends.

        Example:
        | ${before} = | Require WiNet Login |
        | Require WiNet Login | ${False} |

        See also `Get WiNet Login Required`, `Firmware` (``firmware=login`` in
        `Start Mock Sungrow` requires the login from the start), `Set WiNet Session Limit`.
        """
        return self.ctx.registry.get(alias).require_winet_login(required, scope)

    @keyword("Get WiNet Token Lifetime")
    def get_winet_token_lifetime(self, alias: str | None = None) -> timedelta:
        """Returns how long a WiNet token lives from its issue.

        Example:
        | ${lifetime} = | Get WiNet Token Lifetime |
        | Should Be Equal As Numbers | ${lifetime.total_seconds()} | 1800 |

        See also `Set WiNet Token Lifetime`.
        """
        return timedelta(seconds=self.ctx.registry.get(alias).get_winet_token_lifetime())

    @keyword("Set WiNet Token Lifetime")
    def set_winet_token_lifetime(self, lifetime: timedelta, scope: Scope = None, alias: str | None = None) -> timedelta:
        """Sets how long a WiNet token lives before it gets result code 106; returns the previous lifetime.

        ``lifetime`` is a Robot Framework time (``5 s``, ``30 min``) or a number of seconds.
        The previous lifetime comes back when ``scope`` (`Scope`, default: the current test or
        suite) ends.

        Example:
        | Start Mock Sungrow | SG10RT | doors=winet |
        | ${previous} = | Set WiNet Token Lifetime | 1 s |

        See also `Get WiNet Token Lifetime`, `Expire WiNet Tokens`, `Set WiNet Session Limit`.
        """
        return timedelta(seconds=self.ctx.registry.get(alias).set_winet_token_lifetime(lifetime, scope))

    @keyword("Get WiNet Session Limit")
    def get_winet_session_limit(self, alias: str | None = None) -> int:
        """Returns how many logged-in WiNet sessions may coexist.

        Example:
        | ${limit} = | Get WiNet Session Limit |
        | Should Be Equal As Integers | ${limit} | 1 |

        See also `Set WiNet Session Limit`.
        """
        return self.ctx.registry.get(alias).get_winet_session_limit()

    @keyword("Set WiNet Session Limit")
    def set_winet_session_limit(self, sessions: int, scope: Scope = None, alias: str | None = None) -> int:
        """Sets how many logged-in WiNet sessions may coexist; returns the previous limit.

        The real dongle keeps one: a new login beyond the limit logs out the oldest session,
        which is pushed a ``notice`` with ``result_code`` 100 ("normal user limit"). The
        previous limit comes back when ``scope`` (`Scope`, default: the current test or suite)
        ends.

        Example:
        | Start Mock Sungrow | SH10RT | doors=winet | firmware=login |
        | ${previous} = | Set WiNet Session Limit | 2 |

        See also `Get WiNet Session Limit`, `Require WiNet Login`, `Expire WiNet Tokens`.
        """
        return self.ctx.registry.get(alias).set_winet_session_limit(sessions, scope)
