"""Scopes owned by the mock: every setting is undone when the scope it was made in closes; what
evolves goes on; the fleet, the keywords and the pytest fixtures only open and close scopes."""

import subprocess
import sys
from datetime import timedelta

import pytest

from SungrowMockLibrary import MockSungrow, MockSungrowError
from SungrowMockLibrary.errors import ChoiceError, OptionError
from SungrowMockLibrary.library import SungrowMockLibrary
from SungrowMockLibrary.registry import MockRegistry
from SungrowMockLibrary.vocabulary import InverterState, Scope

KEY = "00112233445566778899aabbccddeeff"
SCENARIO = '[site]\nlatitude = 10\n[clock]\nspeed = 5\n[irradiance]\nvalue = 300\n[registers]\nems_mode = "forced"\n'


@pytest.fixture
def mock():
    with MockSungrow("SH10RT", start_time="2026-06-21T12:00:00", clock_speed=0) as running:
        yield running


def _pinned(mock, name):
    register = mock.inverter.layout.by_name[name]
    return (register.table, register.number) in mock.inverter.pinned


# (what, change, read): change makes the setting inside a scope; read shows it.
SETTINGS = [
    ("raw pin", lambda m: m.set_register("daily_power_yields", 77), lambda m: (m.get_register("daily_power_yields"),
                                                                             _pinned(m, "daily_power_yields"))),
    ("engineering pin", lambda m: m.set_value("max_soc", 95), lambda m: (m.get_value("max_soc"), _pinned(m, "max_soc"))),
    ("irradiance", lambda m: m.set_irradiance(900), lambda m: m.get_irradiance()),
    ("house load", lambda m: m.set_house_load(4000), lambda m: m.get_house_load()),
    ("stopped", lambda m: m.set_inverter_state("stopped"), lambda m: (m.get_inverter_state(), m.get_register("start_stop"))),
    ("fault", lambda m: m.set_inverter_state("fault", fault_code=14), lambda m: (m.get_inverter_state(),
                                                                               m.get_register("system_state"))),
    ("grid lost", lambda m: m.set_inverter_state("grid_lost"), lambda m: m.get_inverter_state()),
    ("clock speed", lambda m: m.set_clock_speed(60), lambda m: m.get_clock_speed()),
    ("login", lambda m: m.require_winet_login(), lambda m: m.get_winet_login_required()),
    ("token lifetime", lambda m: m.set_winet_token_lifetime(timedelta(seconds=5)), lambda m: m.get_winet_token_lifetime()),
    ("session limit", lambda m: m.set_winet_session_limit(3), lambda m: m.get_winet_session_limit()),
    ("set key", lambda m: m.set_encryption_key(KEY), lambda m: m.get_encryption_key()),
    ("rotated key", lambda m: m.rotate_encryption_key(), lambda m: m.get_encryption_key()),
    ("disabled key", lambda m: m.disable_encryption(), lambda m: m.get_encryption_key()),
    ("wire fault", lambda m: m.inject_fault("no_response", door="modbus"), lambda m: len(m.faults.faults())),
    ("device fault", lambda m: m.inject_fault("grid_loss"), lambda m: (len(m.faults.faults()),
                                                                      m.get_register("system_state"))),
    ("scenario", lambda m, path=None: m.load_scenario(path), lambda m: (m.get_irradiance(), m.get_clock_speed(),
                                                                       m.get_value("ems_mode"), _pinned(m, "ems_mode"))),
]  # fmt: skip


@pytest.mark.parametrize("what, change, read", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_each_setting_is_undone_when_its_scope_closes(mock, what, change, read, tmp_path):
    if what == "scenario":
        (tmp_path / "s.toml").write_text(SCENARIO)
        change = lambda m, c=change: c(m, str(tmp_path / "s.toml"))  # noqa: E731
    before = read(mock)
    scope = mock.open_scope(Scope.test, what)
    change(mock)
    assert read(mock) != before
    assert mock.close_scope(scope) >= 1
    assert read(mock) == before


def test_setters_return_the_previous_value_and_getters_read_it(mock):
    assert mock.set_irradiance(800) is None and mock.set_irradiance(500) == 800 and mock.get_irradiance() == 500
    assert mock.set_house_load(100) is None and mock.get_house_load() == 100
    assert mock.set_inverter_state("stopped") is InverterState.running
    assert mock.set_inverter_state("running") is InverterState.stopped
    assert mock.set_clock_speed(3) == 0 and mock.get_clock_speed() == 3
    assert mock.require_winet_login() is False and mock.get_winet_login_required() is True
    assert mock.set_winet_token_lifetime(5) == 1800 and mock.get_winet_token_lifetime() == 5
    assert mock.set_winet_session_limit(2) == 1 and mock.get_winet_session_limit() == 2
    assert mock.set_battery_soc(30) == pytest.approx(50, abs=50)  # some SOC before: it evolves
    assert mock.set_battery_soc(40) == pytest.approx(30)


def test_release_undoes_a_pin_only_until_the_scope_closes(mock):
    mock.set_value("battery_level", 80, scope=Scope["global"])
    with mock.scope(Scope.test):
        assert mock.release_register("battery_level") is True
        assert not _pinned(mock, "battery_level")
    assert _pinned(mock, "battery_level") and mock.get_value("battery_level") == 80
    with mock.scope(Scope.test):
        assert mock.release_all_registers() == 1
    assert _pinned(mock, "battery_level")


def test_nested_scopes_close_inside_out_and_a_setting_may_name_a_wider_scope(mock):
    suite = mock.open_scope(Scope.suite, "suite")
    test = mock.open_scope(Scope.test, "test")
    mock.set_clock_speed(10)  # the innermost: the test
    mock.set_house_load(700, scope=Scope.suite)
    assert mock.close_scope(test) == 1
    assert (mock.get_clock_speed(), mock.get_house_load()) == (0, 700)
    inner = mock.open_scope(Scope.test, "again")
    mock.set_irradiance(100)
    assert mock.close_scope(suite) == 2  # closes the test scope inside it too
    assert (mock.get_irradiance(), mock.get_house_load()) == (None, None)
    with pytest.raises(MockSungrowError, match=f"no open scope {inner}; open: none"):
        mock.close_scope(inner)


def test_global_settings_persist_and_a_scope_that_is_not_open_falls_back_to_a_wider_one(mock):
    with mock.scope(Scope.test):
        mock.set_clock_speed(7, scope=Scope["global"])
        mock.set_house_load(300, scope="suite")  # no suite scope is open: the widest, global
    assert (mock.get_clock_speed(), mock.get_house_load()) == (7, 300)
    assert mock.scopes == [(0, Scope["global"], "global")]


def test_what_evolves_is_not_undone(mock):
    with mock.scope(Scope.test):
        mock.set_time("2026-06-21T15:00:00")
        mock.advance_clock(timedelta(minutes=30))
        mock.set_battery_soc(20)
    assert mock.get_time() == "2026-06-21T15:30:00"
    assert mock.get_value("battery_level") == pytest.approx(20, abs=0.5)


def test_the_clock_registers_are_time_not_a_setting(mock):
    with mock.scope(Scope.test) as scope:
        mock.set_register("year", 2030)
    assert mock.get_time().startswith("2030-")
    assert scope > 0


def test_a_refused_setting_records_nothing(mock):
    scope = mock.open_scope(Scope.test)
    with pytest.raises(OptionError, match="valid: 0..1500"):
        mock.set_irradiance(-5)
    with pytest.raises(ChoiceError, match="unknown scope 'case'; valid: test, suite, global"):
        mock.set_clock_speed(2, scope="case")
    assert mock.get_clock_speed() == 0
    assert mock.close_scope(scope) == 0


def test_scope_errors_name_what_is_open(mock):
    with pytest.raises(MockSungrowError, match="global scope cannot be closed"):
        mock.close_scope(0)
    with pytest.raises(MockSungrowError, match="global scope is always open"):
        mock.open_scope("global")
    scope = mock.open_scope("suite", "Outer")
    with pytest.raises(MockSungrowError, match=f"no open scope 99; open: {scope} \\(suite 'Outer'\\)"):
        mock.close_scope(99)


def test_a_registry_scope_reaches_mocks_started_inside_it_and_stops_them():
    registry = MockRegistry()
    try:
        first = MockSungrow(doors="modbus", clock_speed=0).start()
        registry.add(first, "first")
        scope = registry.open_scope(Scope.test, "t")
        later = MockSungrow(doors="modbus", clock_speed=0).start()
        registry.add(later, "later")
        first.set_clock_speed(2)
        later.set_clock_speed(3)
        assert later.scopes[-1][1:] == (Scope.test, "t")
        assert registry.close_scope(scope) == 1  # the later mock stopped; the first one's setting undone
        assert not later.running and registry.aliases == ["first"]
        assert first.get_clock_speed() == 0
    finally:
        registry.stop_all()


def test_keywords_open_and_close_scopes_where_no_listener_runs():
    library = SungrowMockLibrary(doors="modbus", clock_speed="0")
    names = {n.replace("_", " ").lower(): n for n in library.get_keyword_names()}

    def run(name, *args):
        return library.run_keyword(names[name.lower()], list(args), {})

    try:
        run("Start Mock Sungrow")
        scope = run("Open Mock Scope", "test", "by hand")
        assert library._context.in_test
        run("Set Clock Speed", 60)
        assert run("Get Clock Speed") == 60
        assert run("Close Mock Scope", scope) == 1
        assert run("Get Clock Speed") == 0
        with pytest.raises(MockSungrowError, match=f"no open mock scope {scope}; open: none"):
            run("Close Mock Scope", scope)
    finally:
        library.stop_all_mocks()


PYTEST_MODULE = '''
import pytest

@pytest.fixture(scope="module")
def shared(sungrow_module_mock_factory):
    mock = sungrow_module_mock_factory(doors="modbus,winet", clock_speed=0)
    mock.set_house_load(1000)  # in the module's scope: every test of the module sees it
    return mock

def test_one_changes_settings(shared, sungrow_mock_scope):
    shared.set_irradiance(900)
    shared.set_value("max_soc", 95)
    shared.set_clock_speed(60)
    shared.require_winet_login()
    shared.inject_fault("no_response")

def test_two_finds_them_undone(shared):
    assert shared.get_irradiance() is None and shared.get_clock_speed() == 0
    assert shared.get_value("max_soc") == 100 and not shared.inverter.pinned
    assert shared.get_winet_login_required() is False and shared.faults.faults() == []
    assert shared.get_house_load() == 1000

def test_a_per_test_mock_stops_with_its_test(sungrow_mock, sungrow_mocks, sungrow_fleet):
    assert len(sungrow_mocks.aliases) == 2 and sungrow_fleet is sungrow_mocks

def test_a_fleet_from_the_factory_is_undone_and_stopped(sungrow_fleet_factory, sungrow_mocks):
    fleet = sungrow_fleet_factory(3, "units", clock_speed=0)
    fleet.inverter("inv2").mock.set_value("max_soc", 95, unit_id=2)
    assert len(sungrow_mocks.aliases) == 2  # the shared mock and the fleet's one port

def test_the_fleet_stopped_with_its_test(sungrow_mocks):
    assert len(sungrow_mocks.aliases) == 1 and not sungrow_mocks.fleets
'''


def test_pytest_fixtures_give_every_test_a_clean_mock(tmp_path):
    (tmp_path / "test_module_mock.py").write_text(PYTEST_MODULE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
