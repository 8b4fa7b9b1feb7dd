*** Settings ***
Documentation       SunGather (SungrowClient 0.1.0 on pymodbus 2.5.3, ``modbus`` connection) through the
...                 WiNet-S Modbus path (``modbus_path=winet``): the dongle does not forward the hybrid
...                 statistics block 6100-6826 (PROTOCOLS 1.8), so exactly the scan ranges touching it
...                 fail, with an exception reply, and every other range is read and decoded. The
...                 dongle's framing bug on exception replies (MBAP length 2) is opt-in as the fault
...                 ``wrong_exception_length`` and gives pymodbus' "index out of range".
Resource            ../resources/clients.resource
Library             Collections

Test Tags           modbus    sungrowclient    winet-path


*** Variables ***
@{NOT_FORWARDED}    read 6099x100    read 6199x100    read 6299x100    read 6399x100    read 6499x100
...                 read 6599x100    read 6699x100


*** Test Cases ***
SunGather Reads Everything The Dongle Forwards
    [Template]    Only The Statistics Should Fail
    SH10RT    1    ${NOT_FORWARDED}
    SH10RT    2    ${NOT_FORWARDED}
    SH8.0RT    2    ${NOT_FORWARDED}
    SG10RT    2    ${{ [] }}

The Dongle's Framing Bug Is Opt-In
    [Documentation]    With the fault, each refused range costs pymodbus a reply it cannot decode; the
    ...    byte left in the stream does not hurt the next reads, and the scrape goes on.
    Start Mock Sungrow    SH10RT    doors=modbus    modbus_path=winet
    ${fault} =    Inject Fault    wrong_exception_length
    Set Inverter Value    battery_level    61.5
    ${result} =    Run Client On Mock    sungrowclient    --level    1
    Lists Should Be Equal    ${result}[failed_ranges]    ${NOT_FORWARDED}
    Should Contain    ${result}[warnings]    ERROR pymodbus.factory: index out of range
    Should Be Equal As Numbers    ${result}[latest_scrape][battery_level]    61.5
    Fault Should Have Triggered    ${fault}


*** Keywords ***
Only The Statistics Should Fail
    [Documentation]    Scrapes ``model`` at ``level`` through the WiNet-S path: the failed ranges are
    ...    ``refused``, each with SungrowClient's warning for an exception reply, and the values
    ...    the test set are decoded.
    [Arguments]    ${model}    ${level}    ${refused}
    Start Mock Sungrow    ${model}    doors=modbus    modbus_path=winet
    Set Inverter Value    daily_power_yields    4.4
    ${result} =    Run Client On Mock    sungrowclient    --level    ${level}
    Should Be Equal    ${result}[model]    ${model}
    Should Be Empty    ${result}[detection]
    Lists Should Be Equal    ${result}[failed_ranges]    ${refused}
    FOR    ${failed}    IN    @{result}[scrapes][-1][failed_ranges]
        Should Be Equal    ${failed}[messages]    ${{ ['Modbus connection failed'] }}
    END
    Should Be Equal As Numbers    ${result}[latest_scrape][daily_power_yields]    4.4
    # every input range SunGather chose that touches documented 6100-6826: "read S xC" covers S+1..S+C
    VAR    ${ranges} =    ${result}[scan_ranges]
    ${touching} =    Evaluate    [r for r in $ranges if r[:5] == 'read ' and 6099 - int(r.split('x')[1]) < int(r[5:].split('x')[0]) <= 6825]
    Lists Should Be Equal    ${touching}    ${refused}
