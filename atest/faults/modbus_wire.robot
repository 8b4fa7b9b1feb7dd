*** Settings ***
Documentation       Every Modbus wire fault as SunGather meets it: SungrowClient 0.1.0 (pymodbus 2.5.3) over
...                 plain Modbus against an SG10RT, two scrapes, the fault aimed once at the range
...                 FC4 wire 5100 x 100 (documented 5101-5200) of the first scrape.
...
...                 What the client does is pinned per kind: which range of the first scrape it
...                 reports as failed, and that the second scrape reads everything again.
Resource            ../resources/clients.resource
Library             Collections
Library             Process

Test Tags           faults    modbus    sungrowclient


*** Variables ***
${RANGE}        read 5100x100


*** Test Cases ***
Request Faults Fail One Range And The Next Scrape Recovers
    [Documentation]    ``wrong_transaction_id`` goes unnoticed: pymodbus 2.5.3's synchronous client does
    ...    not compare transaction ids. ``close_after`` answers the range, then closes: the next
    ...    request of the scrape (the clock registers) fails and SunGather cannot build its timestamp.
    [Template]    Fault Should Fail In The First Scrape Only
    exception               ${RANGE}         code=04
    no_response             ${RANGE}
    late_response           ${RANGE}         delay=5s
    reset                   ${RANGE}
    garbage                 ${RANGE}         size=8
    truncate                ${RANGE}
    wrong_unit_id           ${RANGE}
    wrong_transaction_id    ${NONE}
    close_after             hold 4999x10     requests=1

A Refused Connection Costs At Most One Read
    [Documentation]    The connection is reset as soon as it is accepted. Depending on whether
    ...    pymodbus sent its request before the reset arrived, it reconnects silently or loses
    ...    that one read; the next scrape reads everything.
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    refuse    times=1
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    2    --timeout    1
    ...    expect_ok=${False}
    Fault Should Have Triggered    ${id}    times=1
    ${lost} =    Evaluate    len($result['detection']) + len($result['scrapes'][0]['failed_ranges'])
    Should Be True    ${lost} <= 1    ${result}
    Should Be Empty    ${result}[scrapes][1][failed_ranges]
    ${refused} =    Get Mock Requests    fault=refuse
    Should Be Equal    ${refused}[0][reply]    refused

A Single-Session Dongle Locks Out A Second Client
    [Documentation]    With ``connection_limit`` 1 (the dongle's single session) and another client
    ...    holding the session, every connection SunGather opens is dropped; once the session
    ...    is free, SunGather reads again.
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    connection_limit    connections=1
    ${endpoint} =    Get Mock Sungrow Endpoint    modbus
    ${holder} =    Start Process    python3    ${CURDIR}/../resources/rawmodbus.py    ${endpoint}    04138A0001
    ...    --hold    60
    Wait Until Register Read    daily_power_yields    timeout=20s
    ${locked} =    Run Client On Mock    sungrowclient    --level    1    --timeout    1    expect_ok=${False}
    Should Not Be True    ${locked}[ok]
    ${dropped} =    Fault Should Have Triggered    ${id}
    Request Count Should Be    ${dropped}    fault=connection_limit
    Terminate Process    ${holder}
    Wait Until Keyword Succeeds    10s    0.2s    SunGather Should Read Everything
    [Teardown]    Terminate All Processes


*** Keywords ***
Fault Should Fail In The First Scrape Only
    [Documentation]    Injects ``kind`` once on the range 5101-5200 and checks that SunGather reports only ``failed`` (or
    ...    nothing) as failed in its first scrape and reads everything in its second.
    [Arguments]    ${kind}    ${failed}    &{options}
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    ${kind}    function=4    registers=5101-5200    times=1    &{options}
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    2    --timeout    1
    ...    expect_ok=${False}
    Fault Should Have Triggered    ${id}    times=1
    Request Count Should Be    1    fault=${kind}
    ${first} =    Evaluate    [f['range'] for f in $result['scrapes'][0]['failed_ranges']]
    ${expected} =    Evaluate    [] if $failed is None else [$failed]
    Lists Should Be Equal    ${first}    ${expected}    ${kind}: failed ranges of the first scrape
    Should Be Empty    ${result}[scrapes][1][failed_ranges]    ${kind}: the second scrape must recover
    Should Be True    ${result}[scrapes][1][ok]
    [Teardown]    Stop All Mock Sungrows

SunGather Should Read Everything
    [Documentation]    Runs one SunGather level-1 scrape and fails if any range failed.
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --timeout    1
    Scrape Should Have No Failed Ranges    ${result}
