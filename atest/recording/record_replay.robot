*** Settings ***
Documentation       Record one inverter into a snapshot file and replay it: SunGather cannot tell them apart.
...
...                 The "real" inverter here is another mock (PROTOCOLS has no public captures of
...                 every register); `Record Inverter Snapshot` speaks plain Modbus TCP to it as it
...                 would to a device.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           recording    sungrowclient


*** Variables ***
${SERIAL}       REC0000042


*** Test Cases ***
A Replayed Inverter Scrapes Like The Recorded One
    [Template]    Replay Should Match The Original
    SH10RT
    SG10RT

A Replay Can Be Simulated From The Recorded State
    [Documentation]    With ``simulate=True`` the recorded registers are the starting point: the
    ...    lifetime totals go on from the recorded ones and the day runs from midnight.
    Start Mock Sungrow    SH10RT    serial=${SERIAL}    simulate=${False}
    Set Inverter Value    total_pv_generation    5000.0
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${path} =    Record Inverter Snapshot    ${endpoint}    ${OUTPUT DIR}${/}snapshots${/}living.json
    Start Mock Sungrow    snapshot=${path}    simulate=${True}    start_time=2026-06-21T12:00:00
    ${noon} =    Get Inverter Value    total_pv_generation
    Should Be True    5000 < ${noon} < 5100    the total goes on from the recorded 5000 kWh
    Advance Mock Clock    1 hour
    ${later} =    Get Inverter Value    total_pv_generation
    Should Be True    ${later} > ${noon}
    ${recorded} =    Get Register Text    serial_number
    Should Be Equal    ${recorded}    ${SERIAL}

Recording Something That Is Not An Inverter Fails Clearly
    Run Keyword And Expect Error    *127.0.0.1*
    ...    Record Inverter Snapshot    127.0.0.1:9    ${OUTPUT DIR}${/}never.json    timeout=1s


*** Keywords ***
Replay Should Match The Original
    [Documentation]    Records ``model`` into a snapshot, replays it as a new mock and checks
    ...    that SunGather scrapes the same values from both.
    [Arguments]    ${model}
    Start Mock Sungrow    ${model}    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    12.3
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${path} =    Record Inverter Snapshot    ${endpoint}    ${OUTPUT DIR}${/}snapshots${/}${model}.json
    ${original} =    Run Client On Mock    sungrowclient    --level    2
    Start Mock Sungrow    snapshot=${path}
    ${replay} =    Run Client On Mock    sungrowclient    --level    2
    Should Be Equal    ${replay}[model]    ${model}
    Should Be Equal    ${replay}[serial]    ${SERIAL}
    Scrape Should Have No Failed Ranges    ${replay}
    Remove From Dictionary    ${original}[latest_scrape]    timestamp
    Remove From Dictionary    ${replay}[latest_scrape]    timestamp
    Dictionaries Should Be Equal    ${replay}[latest_scrape]    ${original}[latest_scrape]
    [Teardown]    Stop All Mock Sungrows
