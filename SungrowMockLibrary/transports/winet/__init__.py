"""The WiNet-S dongle door: the dongle's JSON WebSocket and HTTP API (PROTOCOLS §4) over live
inverters. aiohttp is imported only inside this package.

    door = await serve_winet({1: inverter}, WinetSettings(firmware="legacy"), journal, faults)
    door.endpoints   # {"winet_ws": "127.0.0.1:PORT", "winet_http": "127.0.0.1:PORT"}
    await door.stop()
"""

from .door import WinetDoor, serve_winet
from .settings import FIRMWARES, WinetSettings

__all__ = ["FIRMWARES", "WinetDoor", "WinetSettings", "serve_winet"]
