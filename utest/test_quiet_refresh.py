"""A read between two simulated seconds does no work (``Inverter.quiet_until``, issue 14) and is
never stale: everything that could change what the next read shows ends the quiet time."""

from __future__ import annotations

import gc
import math
import time
from time import perf_counter

from SungrowMockLibrary import MockSungrow
from SungrowMockLibrary.device.catalogue import HOLDING
from SungrowMockLibrary.simulation.clock import Clock
from SungrowMockLibrary.simulation.inverter import Inverter
from SungrowMockLibrary.transports.pdu import read_request
from utest.door_clients import PlainModbus

NOON = "2026-06-21T12:00:00"


def clock_words(client: PlainModbus) -> list[int]:
    reply = client.ask(1, read_request(HOLDING, 5000, 6))
    return [int.from_bytes(reply[2 + 2 * i : 4 + 2 * i], "big") for i in range(6)]


def test_a_frozen_clock_rests_until_the_clock_or_an_input_changes():
    with MockSungrow(doors="modbus", clock_speed=0, start_time=NOON) as mock:
        inverter = mock.units[1]
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            assert clock_words(client)[3:] == [12, 0, 0]
            assert inverter.quiet_until == math.inf  # nothing moves by itself
            mock.advance_clock(5)
            assert inverter.quiet_until == 0.0
            assert clock_words(client)[3:] == [12, 0, 5]  # the kept reply is not sent
            mock.set_time("2026-06-21T13:30:00")
            assert clock_words(client)[3:] == [13, 30, 0]
            mock.set_irradiance(0)  # an input of the simulation, not a register
            assert inverter.quiet_until == 0.0
            clock_words(client)
            mock.set_clock_speed(1)
            assert inverter.quiet_until == 0.0
        finally:
            client.close()


def test_a_running_clock_rests_at_most_until_its_next_second():
    with MockSungrow(doors="modbus", clock_speed=50, start_time=NOON) as mock:
        client = PlainModbus(mock.endpoint("modbus"))
        try:
            before = clock_words(client)
            assert mock.units[1].quiet_until < perf_counter() + 1 / 50  # a fiftieth of a second at most
            time.sleep(0.2)  # ten simulated seconds
            after = clock_words(client)
            assert after[5] - before[5] >= 8 or after[4] != before[4]
        finally:
            client.close()


def test_a_non_clock_read_keeps_the_clock_registers_on_the_current_second():
    clock = Clock(NOON, speed=0)
    inverter = Inverter("SG10RT", clock=clock)
    inverter.read("input", 4999, 10)
    clock.advance(3)
    inverter.read("input", 4999, 10)
    assert inverter.image.words(HOLDING, 5000, 6)[3:] == [12, 0, 3]


def test_a_clock_on_a_test_s_own_wall_never_rests():
    wall = [1_000_000.0]
    inverter = Inverter("SG10RT", clock=Clock(NOON, speed=1, wall=lambda: wall[0]))
    inverter.refresh()
    assert inverter.quiet_until == 0.0
    wall[0] += 2
    inverter.refresh()
    assert inverter.image.words(HOLDING, 5000, 6)[3:] == [12, 0, 2]


def test_the_sbr_battery_never_rests_it_follows_its_inverter_read_by_read():
    with MockSungrow("SH10RT", doors="modbus", clock_speed=0, start_time=NOON) as mock:
        mock.battery.read("input", 10739, 5)
        assert mock.battery.quiet_until == 0.0


def test_a_clock_forgets_the_inverters_that_are_gone():
    clock = Clock(NOON, speed=0)
    inverter = Inverter("SG10RT", clock=clock)
    assert len(clock._watchers) == 1
    del inverter
    gc.collect()
    assert len(clock._watchers) == 0
    clock.advance(1)  # nobody left to tell


def test_inverters_joining_from_another_thread_do_not_break_a_clock_change():
    # Add Inverter and a fleet's start build inverters on the test's thread while a client's
    # clock write changes the clock on the mock's loop: every change reaches every watcher.
    import threading

    class Watcher:
        changes = 0

        def clock_changed(self) -> None:
            Watcher.changes += 1

    clock = Clock(NOON, speed=0)
    kept = [Watcher() for _ in range(5000)]  # a long walk over the watchers: the other thread gets the GIL
    for watcher in kept:
        clock.watch(watcher)
    joined: list[Watcher] = []
    done = threading.Event()

    def join() -> None:
        for _ in range(200_000):  # bounded in count and (below) in time
            joined.append(Watcher())
            clock.watch(joined[-1])
            if done.is_set():
                return

    thread = threading.Thread(target=join)
    thread.start()
    deadline = time.monotonic() + 2
    changes = 0
    try:
        while changes < 100 and time.monotonic() < deadline:
            clock.advance(1)
            changes += 1
    finally:
        done.set()
        thread.join(10)
    assert Watcher.changes >= changes * len(kept)
