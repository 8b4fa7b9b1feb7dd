*** Settings ***
Documentation       SunGather (SungrowClient 0.1.0 on pymodbus 2.5.3, ``modbus`` connection) through the
...                 WiNet-S Modbus path (``modbus_path=winet``). On a hybrid the dongle does not forward
...                 the statistics block 6100-6826 (PROTOCOLS 1.8) nor the reads a real WiNet-S refused in
...                 the device fingerprints (5046-5077, 5142-5159, 5665-5696: dongle.toml ``[modbus]``),
...                 so exactly the scan ranges touching them fail, with an exception reply, and every
...                 other range is read and decoded; a string inverter's ranges all pass. The dongle's
...                 framing bug on exception replies (MBAP length 2) is opt-in as the fault
...                 ``wrong_exception_length`` and gives pymodbus' "index out of range".
Resource            ../resources/clients.resource
Library             Collections

Test Tags           modbus    sungrowclient    winet-path


*** Variables ***
@{STATISTICS}       read 6099x100    read 6199x100    read 6299x100    read 6399x100    read 6499x100
...                 read 6599x100    read 6699x100
# Level 1 reads 5101-5200 (touching 5142-5159); level 2 also reads 5040-5100 (touching 5046-5077)
# and 5601-5700 (touching 5665-5696).
@{LEVEL_1}          read 5100x100    @{STATISTICS}
@{LEVEL_2}          read 5039x61    read 5100x100    read 5600x100    @{STATISTICS}


*** Test Cases ***
SunGather Reads Everything The Dongle Forwards
    [Template]    Only What The Dongle Refuses Should Fail
    SH10RT    1    ${LEVEL_1}
    SH10RT    2    ${LEVEL_2}
    SH8.0RT    2    ${LEVEL_2}
    SG10RT    2    ${{ [] }}

The Dongle's Framing Bug Is Opt-In
    [Documentation]    With the fault, each refused range costs pymodbus a reply it cannot decode; the
    ...    byte left in the stream does not hurt the next reads, and the scrape goes on.
    Start Mock Sungrow    SH10RT    doors=modbus    modbus_path=winet
    ${fault} =    Inject Fault    wrong_exception_length
    Set Inverter Value    battery_level    61.5
    ${result} =    Run Client On Mock    sungrowclient    --level    1
    Lists Should Be Equal    ${result}[failed_ranges]    ${LEVEL_1}
    Should Contain    ${result}[warnings]    ERROR pymodbus.factory: index out of range
    Should Be Equal As Numbers    ${result}[latest_scrape][battery_level]    61.5
    Fault Should Have Triggered    ${fault}


*** Keywords ***
Only What The Dongle Refuses Should Fail
    [Documentation]    Scrapes ``model`` at ``level`` through the WiNet-S path: the failed ranges are
    ...    ``refused``, each with SungrowClient's warning for an exception reply, they are the scan
    ...    ranges the dongle's rules refuse, and the values the test set are decoded.
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
    ${by_rules} =    Ranges The Dongle Refuses    ${result}[scan_ranges]    ${model}
    Lists Should Be Equal    ${by_rules}    ${refused}
