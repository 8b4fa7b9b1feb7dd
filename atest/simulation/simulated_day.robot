*** Settings ***
Documentation       SungrowClient 0.1.0 (SunGather's engine, ``modbus`` connection) scrapes a simulated
...                 clear-sky day (2026-06-21, latitude 48°) on a hybrid and on a string inverter.
...
...                 The mock's clock is frozen (``clock_speed=0``) and moved with `Advance Mock Clock`
...                 between single-scrape client runs, so every run sees one well-defined instant and
...                 the test does not depend on wall-clock time. Each run checks that SunGather's
...                 timestamp (from holding 5000-5005) is the mock's simulated time.
...
...                 What must hold (issue 4, point 6): the daily yield is 0 before sunrise and rises
...                 through the day; SunGather's derived ``export_to_grid`` / ``import_from_grid``
...                 match the grid power the mock's registers show; after midnight the daily
...                 counters start again from 0 while the totals kept growing.
...
...                 SH: the hybrid's ``daily_power_yields`` (input 5003) is its *output* energy, PV
...                 plus battery discharge, so it is not 0 at night; the PV yield is
...                 ``daily_pv_generation`` (13002), which SunGather decodes only from level 2, so
...                 the SH10RT is scraped at level 2. SunGather derives the grid flows from
...                 ``export_power_hybrid`` (13010, + export / − import).
...
...                 SG: ``daily_power_yields`` is the PV yield. SunGather derives the grid flows from
...                 ``meter_power`` (5083, − export / + import), which its register file lists only
...                 for the SG KTL-M models unless the ``smart_meter`` option is on (PROTOCOLS 2.3),
...                 so the SG10RT is scraped at level 1 with ``--smart-meter``.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           simulation    modbus    sungrowclient


*** Variables ***
${DAY}          2026-06-21
${NEXT_DAY}     2026-06-22
${LATITUDE}     48


*** Test Cases ***
SH10RT Daily Yield Rises Through The Day And Resets At Midnight
    [Documentation]    Five scrapes: 03:00 (night, empty battery: the house imports), 08:00, 12:00,
    ...    16:00 and 00:30 the next day.
    Start Simulated Mock    SH10RT    ${DAY}T02:59:00
    # An empty battery (at its default min SOC 10 %) cannot serve the house: it imports at night.
    Set Battery SOC    10
    Advance Clock To    1 min    ${DAY}T03:00:00
    ${night} =    SH Scrape
    Should Be Equal As Numbers    ${night}[daily_pv_generation]    0
    Should Be Equal As Numbers    ${night}[total_active_power]    0
    Should Be Equal As Integers    ${night}[pv_generating]    0
    # Before sunrise the hybrid's output energy is only what its battery gave during the night.
    Should Be Equal As Numbers    ${night}[daily_power_yields]    ${night}[daily_battery_discharge_energy]
    Should Be True    ${night}[import_from_grid] > 0    the house should import at night: ${night}
    Should Be Equal As Integers    ${night}[import_power_from_grid]    1

    Advance Clock To    5 hours    ${DAY}T08:00:00
    ${morning} =    SH Scrape
    Should Be True    ${morning}[daily_pv_generation] > 0    no PV yield by 08:00: ${morning}
    Should Be Equal As Integers    ${morning}[pv_generating]    1
    Should Be Equal As Integers    ${morning}[battery_charging]    1
    Should Be True    ${morning}[battery_level] > ${night}[battery_level]
    ...    the battery should have charged from PV since 03:00

    Advance Clock To    4 hours    ${DAY}T12:00:00
    ${noon} =    SH Scrape
    Should Be True    ${noon}[export_to_grid] > 1000    a clear-sky noon should export: ${noon}
    Should Be Equal As Integers    ${noon}[feed_into_grid]    1

    Advance Clock To    4 hours    ${DAY}T16:00:00
    ${afternoon} =    SH Scrape
    Values Should Rise Strictly    daily_pv_generation    ${night}    ${morning}    ${noon}    ${afternoon}
    Values Should Rise Strictly    daily_power_yields    ${night}    ${morning}    ${noon}    ${afternoon}
    Values Should Rise Strictly    total_pv_generation    ${night}    ${morning}    ${noon}    ${afternoon}
    # daily and total PV counters integrate the same power
    Counters Should Agree    ${night}    ${afternoon}    daily_pv_generation    total_pv_generation

    Advance Clock To    8 hours 30 min    ${NEXT_DAY}T00:30:00
    ${after_midnight} =    SH Scrape
    Should Be Equal As Numbers    ${after_midnight}[daily_pv_generation]    0
    # 30 minutes of battery discharge at night load at most
    Should Be True    ${after_midnight}[daily_power_yields] <= 0.3
    ...    daily output did not restart at midnight: ${after_midnight}[daily_power_yields] kWh
    Should Be True    ${after_midnight}[daily_battery_discharge_energy] <= 0.3
    Should Be True    ${after_midnight}[total_pv_generation] > ${afternoon}[total_pv_generation]
    ...    the PV total should have grown from 16:00 to sunset
    Should Be True    ${after_midnight}[total_power_yields] > ${afternoon}[total_power_yields]
    Should Be True    ${after_midnight}[total_battery_discharge_energy] > ${afternoon}[total_battery_discharge_energy]
    ...    the battery should have served the evening

SG10RT Daily Yield Rises Through The Day And Resets At Midnight
    [Documentation]    Five scrapes at the same instants as the SH10RT. The string inverter has no
    ...    battery: its daily yield is exactly 0 until sunrise, and the house imports whenever PV
    ...    does not cover it.
    Start Simulated Mock    SG10RT    ${DAY}T03:00:00
    ${night} =    SG Scrape
    Should Be Equal As Numbers    ${night}[daily_power_yields]    0
    Should Be Equal As Numbers    ${night}[total_active_power]    0
    Should Be Equal    ${night}[work_state_1]    Standby
    Should Be True    ${night}[import_from_grid] > 0    the house should import at night: ${night}

    Advance Clock To    5 hours    ${DAY}T08:00:00
    ${morning} =    SG Scrape
    Should Be Equal    ${morning}[work_state_1]    Run
    Should Be True    ${morning}[daily_power_yields] > 0    no PV yield by 08:00: ${morning}

    Advance Clock To    4 hours    ${DAY}T12:00:00
    ${noon} =    SG Scrape
    Should Be True    ${noon}[export_to_grid] > 1000    a clear-sky noon should export: ${noon}

    Advance Clock To    4 hours    ${DAY}T16:00:00
    ${afternoon} =    SG Scrape
    Values Should Rise Strictly    daily_power_yields    ${night}    ${morning}    ${noon}    ${afternoon}
    Values Should Rise Strictly    total_power_yields    ${night}    ${morning}    ${noon}    ${afternoon}
    Counters Should Agree    ${night}    ${afternoon}    daily_power_yields    total_power_yields

    Advance Clock To    8 hours 30 min    ${NEXT_DAY}T00:30:00
    ${after_midnight} =    SG Scrape
    Should Be Equal As Numbers    ${after_midnight}[daily_power_yields]    0
    Should Be Equal    ${after_midnight}[work_state_1]    Standby
    Should Be True    ${after_midnight}[total_power_yields] > ${afternoon}[total_power_yields]
    ...    the total should have grown from 16:00 to sunset


*** Keywords ***
Start Simulated Mock
    [Documentation]    Starts ``model`` with only its Modbus door on a frozen clock
    ...    at ``start`` and the suite's latitude.
    [Arguments]    ${model}    ${start}
    Start Mock Sungrow    ${model}    doors=modbus    start_time=${start}    clock_speed=0
    ...    latitude=${LATITUDE}
    ${now} =    Get Mock Time
    Should Be Equal    ${now}    ${start}

Advance Clock To
    [Documentation]    Moves the frozen clock by ``duration`` and checks that it then shows ``expected``.
    [Arguments]    ${duration}    ${expected}
    ${now} =    Advance Mock Clock    ${duration}
    Should Be Equal    ${now}    ${expected}

SunGather Scrape
    [Documentation]    One SunGather run (detect, scrape once); checks that every range was read and that
    ...    SunGather's timestamp is the mock's simulated time; returns ``latest_scrape``.
    [Arguments]    @{args}
    ${result} =    Run Client On Mock    sungrowclient    @{args}
    Scrape Should Have No Failed Ranges    ${result}
    VAR    ${scrape} =    ${result}[latest_scrape]
    ${now} =    Get Mock Time
    ${expected} =    Evaluate
    ...    (lambda d: f"{d.year}-{d.month}-{d.day} {d.hour}:{d.minute:02d}:{d.second:02d}")(datetime.datetime.fromisoformat($now))
    ...    modules=datetime
    Should Be Equal    ${scrape}[timestamp]    ${expected}    SunGather's timestamp is not the simulated time
    RETURN    ${scrape}

SH Scrape
    [Documentation]    A level-2 scrape of the hybrid; SunGather's grid flows must follow ``export_power_hybrid``.
    ${scrape} =    SunGather Scrape    --level    2
    Should Be Equal    ${scrape}[device_type_code]    SH10RT
    ${export} =    Get Inverter Value    export_power_hybrid
    Should Be Equal As Integers    ${scrape}[export_power_hybrid]    ${export}
    Grid Flows Should Be    ${scrape}    ${export}
    # power balance at the AC side: load = inverter output + import − export (1 W register rounding)
    ${balance} =    Evaluate    $scrape['total_active_power'] - $scrape['export_power_hybrid'] - $scrape['load_power_hybrid']
    Should Be True    abs(${balance}) <= 2    AC power balance is off by ${balance} W: ${scrape}
    # the power-flow bits agree with the signed battery power the mock shows
    ${battery} =    Get Inverter Value    battery_power_wide_range
    Should Be Equal As Integers    ${scrape}[battery_charging]    ${{ int($battery < 0) }}
    Should Be Equal As Integers    ${scrape}[battery_discharging]    ${{ int($battery > 0) }}
    Should Be Equal As Integers    ${scrape}[battery_power]    ${{ abs($battery) }}
    RETURN    ${scrape}

SG Scrape
    [Documentation]    A level-1 scrape of the string inverter with SunGather's ``smart_meter`` option;
    ...    SunGather's grid flows must follow ``meter_power``.
    ${scrape} =    SunGather Scrape    --level    1    --smart-meter
    Should Be Equal    ${scrape}[device_type_code]    SG10RT
    ${meter} =    Get Inverter Value    meter_power
    Should Be Equal As Integers    ${scrape}[meter_power]    ${meter}
    Grid Flows Should Be    ${scrape}    ${{ -$meter }}
    # the house is fed by the inverter and the grid: load = output + meter power (1 W rounding)
    ${balance} =    Evaluate    $scrape['total_active_power'] + $scrape['meter_power'] - $scrape['load_power']
    Should Be True    abs(${balance}) <= 2    AC power balance is off by ${balance} W: ${scrape}
    RETURN    ${scrape}

Grid Flows Should Be
    [Documentation]    SunGather's ``export_to_grid`` / ``import_from_grid`` for a grid power of ``export`` W
    ...    (+ export, − import) as the mock shows it.
    [Arguments]    ${scrape}    ${export}
    Should Be Equal As Integers    ${scrape}[export_to_grid]    ${{ max($export, 0) }}
    Should Be Equal As Integers    ${scrape}[import_from_grid]    ${{ max(-$export, 0) }}

Values Should Rise Strictly
    [Documentation]    Checks that ``name`` rises strictly from each scrape of ``scrapes`` to the next.
    [Arguments]    ${name}    @{scrapes}
    ${values} =    Evaluate    list(map(operator.itemgetter($name), $scrapes))    modules=operator
    ${rising} =    Evaluate    all(map(operator.lt, $values, $values[1:]))    modules=operator
    Should Be True    ${rising}    ${name} should rise strictly through the day: ${values}

Counters Should Agree
    [Documentation]    Between two scrapes of one day, a daily counter and its total grow by the same
    ...    energy (both 0.1 kWh registers: at most 0.2 kWh of rounding apart).
    [Arguments]    ${earlier}    ${later}    ${daily}    ${total}
    ${daily_growth} =    Evaluate    $later[$daily] - $earlier[$daily]
    ${total_growth} =    Evaluate    $later[$total] - $earlier[$total]
    Should Be True    abs(${daily_growth} - ${total_growth}) <= 0.2
    ...    ${daily} grew by ${daily_growth} kWh but ${total} by ${total_growth} kWh
