*** Settings ***
Documentation       A test runner elsewhere drives a running ``sungrow-mock serve`` through its control
...                 endpoint with Robot's standard Remote library, and gets what the same keywords
...                 give in-process.
...
...                 The daemon runs in its own process and serves an SH10RT (its only door Modbus)
...                 frozen at a sunny noon, the way clients.resource imports the in-process library,
...                 so each scenario can run twice, once as ``MockRemote`` on the daemon and once on
...                 an in-process mock of the same model, and the results compared value for value.
...                 Both libraries have the same keywords: the suite's search order makes plain
...                 names the in-process ones; ``MockRemote.`` names the daemon's.
...
...                 The served mock outlives the tests (the daemon cannot see them), so no test moves
...                 its clock: a clock set back starts the day again from the battery level and
...                 totals already reached, which a fresh mock would not show. The afternoon runs on
...                 a mock of its own, started through the endpoint.
Resource            ../resources/clients.resource
Resource            ../resources/daemon.resource
Suite Setup         Start The Daemon And Import Its Remote Library
Suite Teardown      Stop Mock Daemon
Test Setup          Reset The Served Mock

Test Tags           remote


*** Variables ***
${MODEL}        SH10RT
${START}        2026-06-21T12:00:00
&{READY}        &{EMPTY}


*** Test Cases ***
The Remote Library Acts On The Served Mock
    ${endpoint} =    MockRemote.Get Mock Sungrow Endpoint    modbus
    Should Be Equal    ${endpoint}    ${READY}[endpoints][modbus]
    ${now} =    MockRemote.Get Mock Time
    Should Be Equal    ${now}    ${START}
    ${code} =    MockRemote.Get Register    device_type_code
    Should Be Equal As Integers    ${code}    0x0E03
    Run Keyword And Expect Error    no mock with alias 'nobody'*    MockRemote.Get Mock Time    alias=nobody

Values Round Trip As In Process
    ${remote}    ${local} =    Remotely And In Process    Set And Read Values
    Should Be Equal As Numbers    ${remote}[yields]    12.3
    Should Be Equal As Integers    ${remote}[raw]    123
    Should Be Equal As Numbers    ${remote}[level]    65.5
    Should Be Equal As Integers    ${remote}[mode]    0xAA    grid_state off-grid
    Should Start With    ${remote}[error]    'sideways' is not a valid value for ems_mode; valid: 0 (self-consumption)
    Should Be Equal    ${remote}    ${local}

The Simulated Clock Moves Values As In Process
    ${remote}    ${local} =    Remotely And In Process    Read An Afternoon
    Should Be Equal    ${remote}[time]    2026-06-21T14:00:00
    Should Be True    ${remote}[later] > ${remote}[noon]    daily yield did not rise: ${remote}
    Should Be Equal    ${remote}    ${local}

Faults Act As In Process
    ${remote}    ${local} =    Remotely And In Process    Refuse A Read And Break The Inverter
    Should Be Equal    ${remote}[refused]    000100000003018402    exception 02 for the refused read
    Should Be Equal    ${remote}[answered]    0001000000050104020e03    the fault fired once
    Should Be Equal As Integers    ${remote}[triggered]    1
    Should Be Equal As Integers    ${remote}[broken_power]    0    no output while the inverter is in fault
    Should Be Equal As Integers    ${remote}[cleared]    2    two faults cleared
    Should Not Be Equal    ${remote}[recovered]    ${remote}[broken]    the state is not the fault state any more
    Should Be True    ${remote}[power] > 8000    full output again at noon: ${remote}[power] W
    Should Be Equal    ${remote}    ${local}

A Real Client Reads The Served Mock As In Process
    [Documentation]    SunGather's engine scrapes the daemon; the journal the daemon keeps says what it read.
    MockRemote.Set Inverter Value    daily_power_yields    17.6
    ${port} =    MockRemote.Get Mock Sungrow Endpoint    modbus    part=port
    ${remote} =    Run Client    sungrowclient    --host    127.0.0.1    --port    ${port}    --level    1
    Should Be Equal    ${remote}[model]    ${MODEL}
    Scrape Should Have No Failed Ranges    ${remote}
    Should Be Equal As Numbers    ${remote}[latest_scrape][daily_power_yields]    17.6
    MockRemote.Register Should Have Been Read    device_type_code
    MockRemote.Register Should Have Been Read    daily_power_yields    door=modbus
    ${reads} =    MockRemote.Get Mock Requests    register=device_type_code
    Should Be Equal    ${reads}[0][registers][0]    device_type_code
    Start Mock Sungrow    ${MODEL}    doors=modbus
    Set Inverter Value    daily_power_yields    17.6
    ${local} =    Run Client On Mock    sungrowclient    --level    1
    Should Be Equal    ${remote}[latest_scrape]    ${local}[latest_scrape]


*** Keywords ***
Start The Daemon And Import Its Remote Library
    [Documentation]    Starts the daemon, keeps its ready line for the suite and
    ...    imports its control endpoint as ``MockRemote``.
    ${daemon} =    Start Mock Daemon    --doors    modbus    --control-port    0    --clock-speed    0
    ...    --start-time    ${START}
    VAR    &{READY} =    &{daemon}    scope=SUITE    # robocop: off=no-suite-variable
    Import Mock Remote    ${daemon}
    Set Library Search Order    SungrowMockLibrary

Reset The Served Mock
    [Documentation]    Gives each test the served mock as it started (see the suite's documentation).
    MockRemote.Switch Mock Sungrow    served
    MockRemote.Clear Faults
    MockRemote.Release All Registers
    MockRemote.Clear Journal
    ${now} =    MockRemote.Get Mock Time
    Should Be Equal    ${now}    ${START}    a test moved the served mock's clock

Remotely And In Process
    [Documentation]    Runs the keyword ``scenario`` through the daemon's served mock, then on an
    ...    in-process mock of the same model and start, and returns both results.
    [Arguments]    ${scenario}
    Set Library Search Order    MockRemote
    ${remote} =    Run Keyword    ${scenario}
    Set Library Search Order    SungrowMockLibrary
    Start Mock Sungrow    ${MODEL}    doors=modbus    alias=served
    ${local} =    Run Keyword    ${scenario}
    Log Many    remote:    ${remote}    in-process:    ${local}
    RETURN    ${remote}    ${local}

Set And Read Values
    [Documentation]    Sets and reads values, a register and a refused enum choice, and returns what was read by name.
    Set Inverter Value    daily_power_yields    12.3
    ${yields} =    Get Inverter Value    daily_power_yields
    ${raw} =    Get Register    5003    table=input
    Set Register    battery_level    655
    ${level} =    Get Inverter Value    battery_level
    Set Inverter Value    grid_state    off-grid
    ${mode} =    Get Inverter Value    grid_state
    ${error} =    Run Keyword And Expect Error    *    Set Inverter Value    ems_mode    sideways
    VAR    &{read} =    yields=${yields}    raw=${raw}    level=${level}    mode=${mode}    error=${error}
    RETURN    ${read}

Read An Afternoon
    [Documentation]    A fresh mock (started through the endpoint on the daemon's side), two hours on; the values by name.
    Start Mock Sungrow    ${MODEL}    doors=modbus    alias=afternoon    clock_speed=0    start_time=${START}
    ${noon} =    Get Inverter Value    daily_power_yields
    ${later_time} =    Advance Mock Clock    2 hours
    ${later} =    Get Inverter Value    daily_power_yields
    ${power} =    Get Inverter Value    total_dc_power
    ${soc} =    Get Inverter Value    battery_level
    Stop Mock Sungrow    afternoon
    VAR    &{read} =    noon=${noon}    time=${later_time}    later=${later}    power=${power}    soc=${soc}
    RETURN    ${read}

Refuse A Read And Break The Inverter
    [Documentation]    Refuses one raw read with a fault, then faults and clears the
    ...    inverter, and returns what each step gave by name.
    ${id} =    Inject Fault    exception    code=02    registers=5000-5010    times=1
    ${refused} =    Read Device Type Over Modbus
    ${answered} =    Read Device Type Over Modbus
    ${triggered} =    Fault Should Have Triggered    ${id}    times=1
    Inject Fault    inverter_fault    code=14
    ${broken} =    Get Inverter Value    system_state
    ${broken_power} =    Get Inverter Value    total_active_power
    ${cleared} =    Clear Faults
    ${recovered} =    Get Inverter Value    system_state
    ${power} =    Get Inverter Value    total_active_power
    VAR    &{read} =    refused=${refused}    answered=${answered}    triggered=${triggered}    broken=${broken}
    ...    broken_power=${broken_power}    cleared=${cleared}    recovered=${recovered}    power=${power}
    RETURN    ${read}

Read Device Type Over Modbus
    [Documentation]    One raw FC 04 read of the device type (wire 4999) from the current mock; the reply in hex.
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${python} =    Evaluate    sys.executable    modules=sys
    ${result} =    Run Process    ${python}    ${CURDIR}/../resources/rawmodbus.py    ${endpoint}    0413870001
    ...    timeout=20s    on_timeout=kill
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    RETURN    ${result.stdout.strip()}
