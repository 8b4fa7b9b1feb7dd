*** Settings ***
Documentation       Faults as SunGather meets them: SungrowClient 0.1.0 over plain Modbus against a faulted mock.
...
...                 Each test injects a fault, runs the unmodified client, and checks what the client
...                 reported against the fault's statistics and the mock's journal.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           faults    modbus    sungrowclient


*** Variables ***
# SH10RT level 1: the hybrid block is read as FC4 wire 12999 x 125 = documented 13000..13124.
${HYBRID_BLOCK}         13000-13124
${HYBRID_RANGE}         read 12999x125


*** Test Cases ***
A Transient No Response Fails One Range And The Next Scrape Recovers
    Start Mock Sungrow    SH10RT
    ${id} =    Inject Fault    no_response    function=4    registers=${HYBRID_BLOCK}    times=1
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    2    --timeout    1
    Failed Ranges Should Be    ${result}[scrapes][0]    ${HYBRID_RANGE}
    Should Be Empty    ${result}[scrapes][1][failed_ranges]
    Should Be True    ${result}[scrapes][1][ok]
    Fault Should Have Triggered    ${id}    times=1
    ${silent} =    Get Mock Requests    fault=no_response
    Length Should Be    ${silent}    1
    Should Be Equal    ${silent}[0][reply]    no reply
    Should Be Equal As Integers    ${silent}[0][address]    13000

A Refused Block Is Reported As A Failed Range Every Scrape
    Start Mock Sungrow    SH10RT
    ${id} =    Inject Fault    exception    code=02    function=4    registers=${HYBRID_BLOCK}
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    2
    FOR    ${scrape}    IN    @{result}[scrapes]
        Failed Ranges Should Be    ${scrape}    ${HYBRID_RANGE}
    END
    ${times} =    Fault Should Have Triggered    ${id}
    Request Count Should Be    ${times}    fault=exception    register=13000
    Register Should Have Been Read    battery_level    times=${times}

The Journal Holds Every Range The Client Read
    Start Mock Sungrow    SH10RT
    ${result} =    Run Client On Mock    sungrowclient    --level    2
    ${requests} =    Get Mock Requests    door=modbus
    ${seen} =    Evaluate
    ...    {f"{'read' if r['function'] == 4 else 'hold'} {r['wire_address']}x{r['count']}" for r in $requests}
    FOR    ${range}    IN    @{result}[scan_ranges]
        Should Contain    ${seen}    ${range}
    END
    Register Should Have Been Read    device_type_code
    Request Count Should Be    0    writes=${True}

A Dropped Connection Mid-Scrape Is Survived
    Start Mock Sungrow    SG10RT
    ${id} =    Inject Fault    reset    function=4    registers=5101-5200    times=1
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    2
    Failed Ranges Should Be    ${result}[scrapes][0]    read 5100x100
    Should Be Empty    ${result}[scrapes][1][failed_ranges]
    Fault Should Have Triggered    ${id}    times=1


*** Keywords ***
Failed Ranges Should Be
    [Documentation]    Checks that a scrape reported exactly ``ranges`` as failed, in order.
    [Arguments]    ${scrape}    @{ranges}
    ${failed} =    Evaluate    [f['range'] for f in $scrape['failed_ranges']]
    Lists Should Be Equal    ${failed}    ${ranges}
