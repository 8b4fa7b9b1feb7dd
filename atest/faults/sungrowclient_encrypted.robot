*** Settings ***
Documentation       Faults of the encrypted door as SunGather (SungrowClient 0.1.0 with SungrowModbusTcpClient
...                 0.1.6, ``sungrow`` mode) meets them: a key request that is never answered, a key
...                 rotated in the middle of a session, and a slow dongle.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           faults    encrypted    sungrowclient


*** Test Cases ***
An Unanswered Key Request Costs One Timeout And The Client Stays Plain
    [Documentation]    Silence to the key request makes the client give up on encryption
    ...    (PROTOCOLS 3); the encrypted door understands plain frames, so the scrape works.
    Start Mock Sungrow    SG10RT    doors=encrypted
    ${id} =    Inject Fault    key_not_answered    times=1
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    1
    ...    --timeout    1    door=encrypted
    Fault Should Have Triggered    ${id}    times=1
    Should Not Be True    ${result}[encryption][encrypted]
    Scrape Should Have No Failed Ranges    ${result}
    Request Count Should Be    1    fault=key_not_answered    unit_id=247

A Key Rotated Mid-Session Breaks The Client's Frames
    [Documentation]    After the rotation the reply and every later frame are under different keys:
    ...    the range being read and every range after it fail, and SunGather, missing the clock
    ...    registers, aborts the scrape (as it does against a real dongle that re-keyed).
    Start Mock Sungrow    SG10RT    doors=encrypted
    ${before} =    Get Encryption Key
    ${id} =    Inject Fault    key_rotated    function=4    registers=5101-5200    times=1
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    1
    ...    --timeout    1    door=encrypted    expect_ok=${False}
    Fault Should Have Triggered    ${id}    times=1
    ${after} =    Get Encryption Key
    Should Not Be Equal    ${after}    ${before}
    Should Be Equal    ${result}[failed_ranges]    ${{ ['read 5100x100', 'hold 4999x10'] }}
    Should Be Equal    ${result}[encryption][public_key]    ${before}    ignore_case=True

A Slow Dongle Within The Client's Timeout Is Only Slow
    Start Mock Sungrow    SG10RT    doors=encrypted
    ${id} =    Inject Fault    delay    delay=0.2s    max_delay=0.5s    door=encrypted    function=4
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    1
    ...    --timeout    2    door=encrypted
    Scrape Should Have No Failed Ranges    ${result}
    ${count} =    Fault Should Have Triggered    ${id}
    ${delayed} =    Get Mock Requests    fault=delay
    Length Should Be    ${delayed}    ${count}
    FOR    ${request}    IN    @{delayed}
        Should Match Regexp    ${request}[reply]    ^ok, delayed 0\\.[2-5]\\d* s$
    END
