*** Settings ***
Documentation       An export (feed-in) limit written by sungrow-http-config clips the export that
...                 SungrowClient 0.1.0 (SunGather's engine) then reads from a simulated inverter.
...
...                 sungrow-http-config 0.2.1 (``modbus`` mode) writes holding 31221
...                 ``feed_in_limitation_switch`` (0xAA on / 0x55 off) and 31222
...                 ``feed_in_limitation_value`` in 0.01 kW. Its Modbus client only works against a
...                 zero key, so it uses the mock's plain Modbus door (see
...                 ``atest/encrypted/httpconfig.robot``). Each of its connects sleeps 3 s.
...
...                 Scene: clear-sky noon of 2026-06-21 at latitude 48, house load held at 400 W,
...                 the hybrid's battery full, so the inverter exports several kW. The clock is frozen
...                 and moved with `Advance Mock Clock` after each write.
...
...                 SunGather derives ``export_to_grid`` from ``export_power_hybrid`` (SH, 13010) or
...                 from ``meter_power`` (SG, 5083, negative = export; read for an SG5.0RS only with
...                 SunGather's ``smart_meter`` option, PROTOCOLS 2.3).
Resource            ../resources/clients.resource

Test Tags           simulation    modbus    sungrowclient    httpconfig


*** Variables ***
${HOUSE_LOAD}       400
${ON}               ${0xAA}
${OFF}              ${0x55}


*** Test Cases ***
SH10RT Export Is Clipped To A Limit Set By sungrow-http-config
    [Documentation]    3.00 kW limit; SunGather reads ``export_power_hybrid``.
    Export Limit Should Clip The Export    SH10RT    300

SG5.0RS Export Is Clipped To A Limit Set By sungrow-http-config
    [Documentation]    2.00 kW limit; SunGather reads ``meter_power`` (``smart_meter`` option).
    Export Limit Should Clip The Export    SG5.0RS    200

A Limit Written After An Hour Without Reads Does Not Act Backwards
    [Documentation]    sungrow-http-config writes the limit without reading first; the time
    ...    before the write still ran unlimited. An hour of ~9 kW export (11:01-12:01) must add
    ...    ~9 kWh to the daily export energy, not the ~3 kWh a backwards-acting 3 kW limit gives.
    Start Sunny Mock    SH10RT    2026-06-21T11:00:00
    ${before} =    SunGather Export Scrape    SH10RT
    Advance Mock Clock    1 hour
    Run Client On Mock    httpconfig    --do    set=300
    Advance Mock Clock    1 min
    ${after} =    SunGather Export Scrape    SH10RT
    Should Be True    ${after}[export_to_grid] <= 3000
    ${exported} =    Evaluate    round($after['daily_export_energy'] - $before['daily_export_energy'], 1)
    # the sun rises towards noon: the hour exported at least what it started with (0.1 kWh registers)
    ${least} =    Evaluate    $before['export_to_grid'] / 1000 - 0.2
    Should Be True    ${exported} >= ${least}
    ...    the hour before the write exported ${exported} kWh at ${before}[export_to_grid] W or more: the limit acted backwards


*** Keywords ***
Export Limit Should Clip The Export
    [Documentation]    Sets an export limit of ``limit`` (10 W steps) with sungrow-http-config and
    ...    checks that the export SunGather sees drops to it.
    [Arguments]    ${model}    ${limit}
    ${limit_w} =    Evaluate    int($limit) * 10
    Start Sunny Mock    ${model}    2026-06-21T11:59:00

    ${free} =    Export Seen By SunGather    ${model}
    Should Be True    ${free} > ${limit_w} + 1000    ${model} should export several kW at noon, exports ${free} W

    ${result} =    Run Client On Mock    httpconfig    --do    set=${limit}    --do    get
    Should Be True    ${result}[steps][0][value]
    Should Be Equal As Integers    ${result}[steps][1][value]    ${limit}
    ${switch} =    Get Register    feed_in_limitation_switch    table=holding
    Should Be Equal As Integers    ${switch}    ${ON}
    ${value} =    Get Register    feed_in_limitation_value    table=holding
    Should Be Equal As Integers    ${value}    ${limit}

    Advance Mock Clock    5 min
    ${limited} =    Export Seen By SunGather    ${model}
    Should Be True    ${limited} <= ${limit_w}    export ${limited} W exceeds the limit of ${limit_w} W
    # the sun still offers far more: the inverter curtails PV to export exactly up to the limit
    Should Be True    ${limited} >= ${limit_w} - 50    export ${limited} W is far below the limit of ${limit_w} W

    ${result} =    Run Client On Mock    httpconfig    --do    unset
    Should Be True    ${result}[steps][0][value]
    ${switch} =    Get Register    feed_in_limitation_switch    table=holding
    Should Be Equal As Integers    ${switch}    ${OFF}

    Advance Mock Clock    5 min
    ${restored} =    Export Seen By SunGather    ${model}
    Should Be True    ${restored} > ${limit_w} + 1000    export stayed clipped after unset: ${restored} W
    Should Be True    abs(${restored} - ${free}) < 200
    ...    export after unset (${restored} W) should be back near the unlimited ${free} W

Start Sunny Mock
    [Documentation]    A simulated ``model`` at ``start`` + 1 min, house load held, the hybrid's battery full.
    [Arguments]    ${model}    ${start}
    Start Mock Sungrow    ${model}    doors=modbus    start_time=${start}
    ...    clock_speed=0    latitude=48
    Set House Load    ${HOUSE_LOAD}
    IF    $model.startswith('SH')    Set Battery SOC    100
    # let the held conditions act for a minute before the first read
    Advance Mock Clock    1 min

Export Seen By SunGather
    [Documentation]    Scrapes once and returns SunGather's ``export_to_grid`` (W).
    [Arguments]    ${model}
    ${scrape} =    SunGather Export Scrape    ${model}
    RETURN    ${scrape}[export_to_grid]

SunGather Export Scrape
    [Documentation]    Scrapes once at level 1 and returns SunGather's values, after checking its
    ...    ``export_to_grid`` against the mock's grid register and the power balance at the
    ...    inverter's AC side.
    [Arguments]    ${model}
    IF    $model.startswith('SH')
        ${result} =    Run Client On Mock    sungrowclient    --level    1
    ELSE
        ${result} =    Run Client On Mock    sungrowclient    --level    1    --smart-meter
    END
    Scrape Should Have No Failed Ranges    ${result}
    VAR    ${scrape} =    ${result}[latest_scrape]
    Should Be Equal    ${scrape}[device_type_code]    ${model}
    Should Be Equal As Integers    ${scrape}[import_from_grid]    0
    IF    $model.startswith('SH')
        ${register} =    Get Inverter Value    export_power_hybrid
        Should Be Equal As Integers    ${scrape}[export_to_grid]    ${register}
        ${battery} =    Get Inverter Value    battery_power_wide_range
        Should Be Equal As Integers    ${battery}    0    a full battery should be idle
    ELSE
        ${register} =    Get Inverter Value    meter_power
        Should Be Equal As Integers    ${scrape}[export_to_grid]    ${{ -$register }}
    END
    # what the inverter delivers is what the house uses plus what it exports (1 W rounding)
    ${balance} =    Evaluate    $scrape['total_active_power'] - $scrape['export_to_grid'] - ${HOUSE_LOAD}
    Should Be True    abs(${balance}) <= 2
    ...    output ${scrape}[total_active_power] W != load ${HOUSE_LOAD} W + export ${scrape}[export_to_grid] W
    RETURN    ${scrape}
