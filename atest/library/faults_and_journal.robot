*** Settings ***
Documentation       Fault scopes, statistics and journal keywords of the library itself.
...
...                 The tests run in order: the suite's fault, injected in the suite setup, must
...                 outlive each test; each test's own faults must not.
Library             Collections
Library             Process
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00    doors=modbus
Suite Setup         Start Suite Mock

Test Tags           library    faults    journal


*** Variables ***
${SUITE_FAULT}      ${None}


*** Test Cases ***
A Fault Injected In A Test Ends With The Test
    ${id} =    Inject Fault    no_response    function=3    alias=suite_mock
    ${faults} =    Get All Fault Statistics    alias=suite_mock
    Length Should Be    ${faults}    2
    ${mine} =    Get Fault Statistics    ${id}    alias=suite_mock
    Should Be Equal    ${mine}[scope]    test

The Suite's Fault Outlives Each Test
    ${faults} =    Get All Fault Statistics    alias=suite_mock
    Length Should Be    ${faults}    1
    Should Be Equal    ${faults}[0][scope]    suite
    Should Be Equal As Integers    ${faults}[0][id]    ${SUITE_FAULT}

Statistics Count What Matched And What Fired
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    exception    code=0x0B    registers=5003    after=1    times=2
    FOR    ${tid}    IN RANGE    1    5
        Read Over Modbus    04138A0001    ${tid}
    END
    Fault Should Have Triggered    ${id}    times=2
    ${stats} =    Get Fault Statistics    ${id}
    Should Be Equal As Integers    ${stats}[matched]    3
    Should Be Equal    ${stats}[active]    ${False}
    Request Count Should Be    2    fault=exception
    Run Keyword And Expect Error    *triggered 2 time(s), expected 3*    Fault Should Have Triggered    ${id}    times=3

Journal Keywords Find Reads And Writes
    Start Mock Sungrow    SG10RT
    Read Over Modbus    04138A0001    1
    Read Over Modbus    10138E00010200AA    2
    Register Should Have Been Read    daily_power_yields    times=1
    Register Should Have Been Read    5003    door=modbus
    Write Should Have Been Made    power_limitation_switch    enable
    Write Should Have Been Made    5007    0xAA    raw=${True}
    Run Keyword And Expect Error    *was never written with 'disable'*
    ...    Write Should Have Been Made    power_limitation_switch    disable
    Run Keyword And Expect Error    *battery*    Register Should Have Been Read    battery_level
    Run Keyword And Expect Error    *was read 0 time(s)*    Register Should Have Been Read    5010
    Request Count Should Be    1    writes=${True}
    ${requests} =    Get Mock Requests    function=4
    Should Be Equal    ${requests}[0][registers]    ${{ ['daily_power_yields'] }}
    Should Be Equal As Integers    ${requests}[0][wire_address]    5002
    ${removed} =    Clear Journal
    Should Be Equal As Integers    ${removed}    2
    Request Count Should Be    0

Wait Until Register Read Returns The Read
    Start Mock Sungrow    SG10RT
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${client} =    Start Process    python3    ${CURDIR}/../resources/rawmodbus.py    ${endpoint}    04138A0001
    ...    --delay    0.5
    ${read} =    Wait Until Register Read    daily_power_yields    timeout=10s
    Should Be Equal As Integers    ${read}[address]    5003
    Wait For Process    ${client}    timeout=10s
    Run Keyword And Expect Error    *was not read within 0.2 s*    Wait Until Register Read    total_dc_power    timeout=0.2 seconds

Bad Fault Arguments Name The Valid Ones
    Start Mock Sungrow    SG10RT
    Run Keyword And Expect Error    *unknown fault kind 'nope'; valid: exception, no_response, delay*
    ...    Inject Fault    nope
    Run Keyword And Expect Error    *'code' must be one of 1, 2, 3, 4, 6, 11 (hex 01, 02, 03, 04, 06, 0B), got '5'*
    ...    Inject Fault    exception    code=5
    Run Keyword And Expect Error    *probability must be between 0 and 1, got 2.0*
    ...    Inject Fault    delay    delay=1s    probability=2
    Run Keyword And Expect Error    *'delay' got value 'soon' that cannot be converted to timedelta*
    ...    Inject Fault    delay    delay=soon
    Run Keyword And Expect Error    *unknown door 'serial'; valid: modbus, encrypted, winet*
    ...    Inject Fault    reset    door=serial
    Run Keyword And Expect Error    *unknown scope 'forever'; valid: test, suite, global*
    ...    Inject Fault    reset    scope=forever
    Run Keyword And Expect Error    *unknown key 'status' for fault kind 'reset'; valid: kind, scope, door*
    ...    Inject Fault    reset    status=500
    Run Keyword And Expect Error    *got unexpected named argument 'colour'*    Inject Fault    reset    times=1    colour=red
    Run Keyword And Expect Error    *no fault with id 42; injected: none*    Get Fault Statistics    42

Typed Fault Arguments Reach The Fault
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    delay    delay=250ms    max_delay=0.5 s    door=modbus    registers=5000-5010
    ...    table=input    after=1    times=2    probability=50%    seed=3    duration=1 min    scope=global
    ${stats} =    Get Fault Statistics    ${id}
    Should Be Equal    ${stats}[params]    ${{ {'delay': 0.25, 'max_delay': 0.5} }}
    Should Be Equal    ${stats}[target]    ${{ {'door': 'modbus', 'table': 'input', 'first': 5000, 'last': 5010} }}
    Should Be Equal    ${stats}[dose]    ${{ {'times': 2, 'after': 1, 'probability': 0.5, 'seed': 3, 'duration': 60.0} }}
    Should Be Equal    ${stats}[scope]    global
    ${all} =    Get All Fault Statistics
    Should Be Equal    ${all}    ${{ [$stats] }}
    ${removed} =    Clear Faults    scope=global
    Should Be Equal As Integers    ${removed}    1

Journal Filters Take Typed Choices
    Start Mock Sungrow    SG10RT
    Inject Fault    exception    code=02    registers=5003    times=1
    Read Over Modbus    04138A0001    1
    Read Over Modbus    04138A0001    2
    Request Count Should Be    1    fault=exception
    Request Count Should Be    1    fault=any
    Request Count Should Be    0    fault=no_response
    Request Count Should Be    2    door=modbus
    Request Count Should Be    0    door=winet
    Run Keyword And Expect Error    *unknown door 'serial'; valid: modbus, encrypted, winet*    Request Count Should Be    0    door=serial
    Run Keyword And Expect Error    *'fault' got value 'nope' that cannot be converted to FaultKind or 'any'*
    ...    Request Count Should Be    0    fault=nope


*** Keywords ***
Start Suite Mock
    [Documentation]    Starts the suite's SH10RT with an exception-04 fault on FC 06
    ...    writes and keeps the fault's id for the suite.
    Start Mock Sungrow    SH10RT    alias=suite_mock
    ${id} =    Inject Fault    exception    code=04    function=6    alias=suite_mock
    VAR    ${SUITE_FAULT} =    ${id}    scope=SUITE    # robocop: off=no-suite-variable

Read Over Modbus
    [Documentation]    Sends one Modbus PDU (hex, unit 1) with transaction id ``tid`` and waits for the reply.
    [Arguments]    ${pdu}    ${tid}
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${result} =    Run Process    python3    ${CURDIR}/../resources/rawmodbus.py    ${endpoint}    ${pdu}
    ...    --tid    ${tid}    timeout=20s
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
