*** Settings ***
Documentation       Test 1 changes every setting of the shared mock; test 2 finds each back as it
...                 was, except the one set for the suite, which lasts until the suite ends.
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00
Suite Setup         Remember The Mock As It Starts


*** Variables ***
${KEY}          00112233445566778899aabbccddeeff


*** Test Cases ***
A Test Changes Every Setting
    Set Register    daily_power_yields    77
    Set Inverter Value    max_soc    95
    ${previous} =    Set Irradiance    900
    Should Be Equal As Numbers    ${previous}    300    the suite setup's irradiance
    Set House Load    4000
    ${previous} =    Set Inverter State    stopped
    Should Be Equal    ${previous}    running
    Require WiNet Login
    Set WiNet Session Limit    3
    Set Encryption Key    ${KEY}
    Inject Fault    no_response    door=modbus
    Set WiNet Token Lifetime    5 s    scope=suite
    Set Battery SOC    20
    Advance Mock Clock    1 hour
    Set Clock Speed    60
    Check Every Setting Changed

The Next Test Finds Every Setting Back
    ${was_pinned} =    Release Register    daily_power_yields
    Should Not Be True    ${was_pinned}
    ${soc_limit} =    Get Inverter Value    max_soc
    Should Be Equal As Numbers    ${soc_limit}    ${MAX_SOC}
    ${irradiance} =    Get Irradiance
    Should Be Equal As Numbers    ${irradiance}    300    the suite's hold is back, not the test's
    ${load} =    Get House Load
    Should Be Equal    ${load}    ${None}
    ${state} =    Get Inverter State
    Should Be Equal    ${state}    running
    ${speed} =    Get Clock Speed
    Should Be Equal As Numbers    ${speed}    0
    ${login} =    Get WiNet Login Required
    Should Not Be True    ${login}
    ${limit} =    Get WiNet Session Limit
    Should Be Equal As Integers    ${limit}    1
    ${served_key} =    Get Encryption Key
    Should Be Equal    ${served_key}    ${START_KEY}
    ${faults} =    Clear Faults
    Should Be Equal As Integers    ${faults}    0
    ${lifetime} =    Get WiNet Token Lifetime
    Should Be Equal As Numbers    ${lifetime.total_seconds()}    5    set for the suite: it lasts
    ${now} =    Get Mock Time
    Should Be True    $now >= '2026-06-21T13:00:00'    simulated time goes on
    ${soc} =    Get Inverter Value    battery_level
    Should Be True    10 <= ${soc} <= 30    the battery goes on from where the test left it: ${soc}

A Scope Opened By Hand Ends When Closed
    ${scope} =    Open Mock Scope    test    name=by hand
    Set House Load    100
    ${undone} =    Close Mock Scope    ${scope}
    Should Be Equal As Integers    ${undone}    1
    ${load} =    Get House Load
    Should Be Equal    ${load}    ${None}

Bad Scopes Name The Valid Ones
    Run Keyword And Expect Error    *unknown scope 'case'; valid: test, suite, global*
    ...    Set Clock Speed    2    scope=case
    Run Keyword And Expect Error    *unknown inverter state 'asleep'; valid: running, stopped, fault, grid_lost*
    ...    Set Inverter State    asleep
    Run Keyword And Expect Error    *no open mock scope 999*    Close Mock Scope    999


*** Keywords ***
Remember The Mock As It Starts
    [Documentation]    Keeps the key and SOC limit the mock starts with; holds the irradiance for the suite.
    ${served_key} =    Get Encryption Key
    VAR    ${START_KEY} =    ${served_key}    scope=SUITE    # robocop: off=no-suite-variable
    ${soc_limit} =    Get Inverter Value    max_soc
    VAR    ${MAX_SOC} =    ${soc_limit}    scope=SUITE    # robocop: off=no-suite-variable
    Set Irradiance    300

Check Every Setting Changed
    [Documentation]    Fails unless every setting the test made is in force.
    ${raw} =    Get Register    daily_power_yields
    Should Be Equal As Integers    ${raw}    77
    ${irradiance} =    Get Irradiance
    Should Be Equal As Numbers    ${irradiance}    900
    ${load} =    Get House Load
    Should Be Equal As Numbers    ${load}    4000
    ${state} =    Get Inverter State
    Should Be Equal    ${state}    stopped
    ${login} =    Get WiNet Login Required
    Should Be True    ${login}
    ${limit} =    Get WiNet Session Limit
    Should Be Equal As Integers    ${limit}    3
    ${served_key} =    Get Encryption Key
    Should Be Equal    ${served_key}    ${KEY}
    ${speed} =    Get Clock Speed
    Should Be Equal As Numbers    ${speed}    60
