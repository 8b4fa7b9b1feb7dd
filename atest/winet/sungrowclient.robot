*** Settings ***
Documentation       SungrowClient 0.1.0 (the engine of SunGather) in ``http`` mode: SungrowModbusWebClient
...                 0.3.2 against the mock's WiNet-S door (legacy firmware).
...
...                 The client opens ``ws://HOST:8082/ws/home/overview`` (SungrowClient forces port
...                 8082), sends ``connect`` and ``devicelist``, then turns every Modbus read into
...                 ``GET http://HOST/device/getParam?...&type=3`` on port 80 (fixed). It must select
...                 the same scan ranges as in ``modbus`` mode and decode every register to the same
...                 value, with no failed range: over HTTP even 125 registers fit. After ``Expire
...                 WiNet Token`` the next request gets 106, the client clears its token, and its
...                 next request connects again (PROTOCOLS 4.2, 4.4).
Resource            ../resources/clients.resource
Library             Collections

Test Tags           winet    sungrowclient


*** Variables ***
${SERIAL}           THT0000055
${FIRST_RANGE}      read 5000x38


*** Test Cases ***
WiNet Full Scrapes Match Plain Modbus Scrapes
    [Documentation]    Same mock, SunGather once over plain Modbus and once over WiNet.
    [Template]    WiNet Scrape Should Match Plain Scrape
    SH10RT     1
    SH10RT     2
    SH5.0RS    2    @{SH_RS_STATISTICS}
    SG10RT     1
    SG10RT     2
    SG5.0RS    2

Values Set By The Test Are Decoded Over WiNet
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    internal_temperature    -4.5
    Set Inverter Value    battery_level    80.5
    Set Inverter Value    export_power_hybrid    -1234
    Set Inverter Value    ems_mode    forced
    Set Inverter Value    meter_total_power    -2345
    Set Inverter Clock    2031    3    4    5    6    7
    ${result} =    Run SunGather Over WiNet    --level    2
    Should Be Equal    ${result}[model]    SH10RT
    Should Be Equal    ${result}[serial]    ${SERIAL}
    Scrape Should Have No Failed Ranges    ${result}
    VAR    ${scrape} =    ${result}[latest_scrape]
    Should Be Equal As Numbers    ${scrape}[daily_power_yields]    17.6
    Should Be Equal As Numbers    ${scrape}[internal_temperature]    -4.5
    Should Be Equal As Numbers    ${scrape}[battery_level]    80.5
    Should Be Equal As Numbers    ${scrape}[export_power_hybrid]    -1234
    Should Be Equal As Numbers    ${scrape}[import_from_grid]    1234
    Should Be Equal    ${scrape}[ems_mode_selection]    Forced mode
    Should Be Equal As Numbers    ${scrape}[meter_total_power]    -2345
    Should Match Regexp    ${scrape}[timestamp]    ^2031-3-4 5:06:(0[7-9]|[1-5][0-9])$

An Expired Token Fails One Request And The Next Scrape Recovers
    [Documentation]    Scrape 1 works. Then every token is expired: the first getParam of scrape 2
    ...    gets 106 ("Token Expired"), SungrowModbusWebClient clears its token and that one range
    ...    fails; its next request connects again (new WebSocket, ``connect``, ``devicelist``), so
    ...    the rest of scrape 2 and all of scrape 3 read normally.
    Start Mock With Standard WiNet Ports    SG10RT
    Set Inverter Value    daily_power_yields    9.9
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${running} =    Start Client    sungrowclient    --host    ${host}    --connection    http
    ...    --level    1    --scrapes    3    --timeout    3
    Wait For Client Phase    ${running}[handshake]    2    ${running}[handle]    timeout=60s
    ${expired} =    Expire WiNet Tokens
    Should Be True    ${expired} >= 1    No live token to expire: ${expired}
    Let Client Continue    ${running}[handshake]    2
    ${result} =    Wait For Client    ${running}
    Length Should Be    ${result}[scrapes]    3
    ${first}    ${second}    ${third} =    Set Variable    @{result}[scrapes]    # robocop: off=replace-set-variable-with-var
    Should Be Empty    ${first}[failed_ranges]
    Length Should Be    ${second}[failed_ranges]    1    ${second}[failed_ranges]
    Should Be Equal    ${second}[failed_ranges][0][range]    ${FIRST_RANGE}
    Should Be Equal    ${second}[failed_ranges][0][messages]    ${{ ['No data returned for read, 5000:38'] }}
    Should Be Empty    ${third}[failed_ranges]
    Should Be True    ${third}[ok]
    Should Be Equal As Numbers    ${third}[latest_scrape][daily_power_yields]    9.9
    # the range after the failed one was read with the new token
    Should Be Equal As Numbers    ${second}[latest_scrape][daily_running_time]    ${third}[latest_scrape][daily_running_time]
    Should Contain    ${result}[warnings]    WARNING root: No data returned for read, 5000:38

A Second Inverter Behind The Dongle Is Read With Its Unit Id
    [Documentation]    SunGather's ``slave`` becomes getParam's ``dev_id`` (PROTOCOLS 4.4); model
    ...    detection then finds the second inverter's model. (``dev_type``/``dev_code`` are still
    ...    those of ``list[0]``, as the client always sends them.)
    Start Mock With Standard WiNet Ports    SH10RT
    Add Inverter    SG5.0RS    2    serial=THT0000002
    Set Inverter Value    daily_power_yields    12.3    unit_id=2
    Set Inverter Value    daily_power_yields    45.6
    ${result} =    Run SunGather Over WiNet    --level    1    --unit    2
    Should Be Equal    ${result}[model]    SG5.0RS
    Should Be Equal    ${result}[serial]    THT0000002
    Scrape Should Have No Failed Ranges    ${result}
    Should Be Equal As Numbers    ${result}[latest_scrape][daily_power_yields]    12.3


*** Keywords ***
Run SunGather Over WiNet
    [Documentation]    Runs SunGather in ``http`` mode against the current mock's WiNet door and returns its result.
    [Arguments]    @{args}
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${result} =    Run Client    sungrowclient    --host    ${host}    --connection    http    --timeout    3
    ...    @{args}
    RETURN    ${result}

WiNet Scrape Should Match Plain Scrape
    [Documentation]    Scrapes ``model`` at ``level`` over plain Modbus and over WiNet and
    ...    checks that SunGather decodes the same values. ``lacking``: the scan ranges the model
    ...    refuses through both doors.
    [Arguments]    ${model}    ${level}    @{lacking}
    Start Mock With Standard WiNet Ports    ${model}    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    21.7
    Set Inverter Value    phase_a_voltage    233.3
    ${plain} =    Run Client On Mock    sungrowclient    --connection    modbus    --level    ${level}
    ...    --timeout    2
    Only These Ranges Should Fail    ${plain}    @{lacking}
    ${winet} =    Run SunGather Over WiNet    --level    ${level}
    Should Be Equal    ${winet}[model]    ${model}
    Should Be Equal    ${winet}[serial]    ${SERIAL}
    # SungrowModbusWebClient reports a register range the dongle answers with an error as no data
    Only These Ranges Should Fail    ${winet}    @{lacking}    message=No data returned for read, *
    Should Be Equal As Numbers    ${winet}[latest_scrape][daily_power_yields]    21.7
    Should Be Equal As Numbers    ${winet}[latest_scrape][phase_a_voltage]    233.3
    SunGather Scrapes Should Agree    ${plain}    ${winet}
