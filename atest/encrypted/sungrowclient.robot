*** Settings ***
Documentation       SungrowClient 0.1.0 (the engine of SunGather) in ``sungrow`` mode: encrypted Modbus
...                 through SungrowModbusTcpClient 0.1.6, against the mock's encrypted door.
...
...                 The client is driven as SunGather drives it (detect model and serial, close,
...                 reconnect, scrape). It must select the same scan ranges as in ``modbus`` mode
...                 and decode every register as in ``modbus`` mode, with one exception: the
...                 hybrid range input 13000-13124 (wire 12999x125) needs a 259-byte reply, which
...                 the one-byte length of an encrypted frame cannot carry (PROTOCOLS 3.6). The
...                 mock answers that read with a Modbus exception, so exactly that range fails
...                 and its registers are missing; nothing else may fail.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           encrypted    sungrowclient


*** Variables ***
${SERIAL}           TSG0000099


*** Test Cases ***
Encrypted Full Scrapes Match Plain Modbus Scrapes
    [Documentation]    Same mock, SunGather once over plain Modbus and once encrypted: same model,
    ...    serial, scan ranges and values; only the over-long hybrid range fails.
    [Template]    Encrypted Scrape Should Match Plain Scrape
    SH10RT     1
    SH10RT     2
    SH5.0RS    2    @{SH_RS_STATISTICS}
    SG10RT     1
    SG10RT     2
    SG33CX     2

Values Set By The Test Are Decoded Through Encryption
    Start Mock Sungrow    SH10RT    serial=${SERIAL}    doors=encrypted
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    internal_temperature    -4.5
    Set Inverter Value    phase_a_voltage    241.7
    Set Inverter Value    mppt_1_voltage    612.3
    Set Inverter Value    ems_mode    forced
    Set Inverter Value    max_soc    ${95}
    Set Inverter Value    meter_total_power    -2345
    Set Inverter Value    battery_level    80.5
    Set Inverter Clock    2031    3    4    5    6    7
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    2
    ...    --timeout    2    door=encrypted
    ${key} =    Get Encryption Key
    Should Be True    ${result}[encryption][encrypted]
    Should Be Equal    ${result}[encryption][public_key]    ${key}    ignore_case=True
    Should Be Equal    ${result}[model]    SH10RT
    Should Be Equal    ${result}[serial]    ${SERIAL}
    Only The Over-Long Range Should Fail    ${result}
    VAR    ${scrape} =    ${result}[latest_scrape]
    Should Be Equal As Numbers    ${scrape}[daily_power_yields]    17.6
    Should Be Equal As Numbers    ${scrape}[internal_temperature]    -4.5
    Should Be Equal As Numbers    ${scrape}[phase_a_voltage]    241.7
    Should Be Equal As Numbers    ${scrape}[mppt_1_voltage]    612.3
    Should Be Equal    ${scrape}[ems_mode_selection]    Forced mode
    Should Be Equal As Numbers    ${scrape}[max_soc]    95.0
    Should Be Equal As Numbers    ${scrape}[meter_total_power]    -2345
    Should Match Regexp    ${scrape}[timestamp]    ^2031-3-4 5:06:(0[7-9]|[1-5][0-9])$
    # battery_level is input 13023, inside the range an encrypted frame cannot carry
    Dictionary Should Not Contain Key    ${scrape}    battery_level

Repeated Encrypted Scrapes Keep The Key
    [Documentation]    SunGather closes and reconnects for every scrape; the client keeps its key and
    ...    the mock keeps handing out the same one (PROTOCOLS 3.8).
    Start Mock Sungrow    SG10RT    doors=encrypted
    Set Inverter Value    daily_power_yields    8.8
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    1
    ...    --scrapes    3    --timeout    2    door=encrypted
    ${key} =    Get Encryption Key
    Length Should Be    ${result}[scrapes]    3
    Scrape Should Have No Failed Ranges    ${result}
    FOR    ${scrape}    IN    @{result}[scrapes]
        Should Be True    ${scrape}[ok]
        Should Be Equal    ${scrape}[encryption][public_key]    ${key}    ignore_case=True
        Should Be Equal As Numbers    ${scrape}[latest_scrape][daily_power_yields]    8.8
    END

With Encryption Disabled SunGather Falls Back To Plain And Reads Everything
    [Documentation]    With the zero key the client stays plain, so even the 125-register range works.
    Start Mock Sungrow    SH10RT    doors=encrypted
    Disable Encryption
    Set Inverter Value    battery_level    42.0
    ${result} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    1
    ...    --timeout    2    door=encrypted
    Should Be Equal    ${result}[encryption][client_key]    no encryption
    Scrape Should Have No Failed Ranges    ${result}
    Should Be Equal As Numbers    ${result}[latest_scrape][battery_level]    42.0


*** Keywords ***
Encrypted Scrape Should Match Plain Scrape
    [Documentation]    Scrapes ``model`` at ``level`` over the plain and the encrypted door
    ...    and checks that SunGather decodes the same values. ``lacking``: the scan ranges the
    ...    model refuses on both doors.
    [Arguments]    ${model}    ${level}    @{lacking}
    Start Mock Sungrow    ${model}    serial=${SERIAL}    doors=modbus,encrypted
    Set Inverter Value    daily_power_yields    21.7
    Set Inverter Value    phase_a_voltage    233.3
    ${plain} =    Run Client On Mock    sungrowclient    --connection    modbus    --level    ${level}
    ...    --timeout    2    door=modbus
    Only These Ranges Should Fail    ${plain}    @{lacking}
    ${encrypted} =    Run Client On Mock    sungrowclient    --connection    sungrow    --level    ${level}
    ...    --timeout    2    door=encrypted
    ${key} =    Get Encryption Key
    Should Be True    ${encrypted}[encryption][encrypted]
    Should Be Equal    ${encrypted}[encryption][public_key]    ${key}    ignore_case=True
    Should Be Equal    ${encrypted}[model]    ${model}
    Should Be Equal    ${encrypted}[serial]    ${SERIAL}
    Should Be Equal As Numbers    ${encrypted}[latest_scrape][daily_power_yields]    21.7
    Should Be Equal As Numbers    ${encrypted}[latest_scrape][phase_a_voltage]    233.3
    Only The Over-Long Range Should Fail    ${encrypted}    @{lacking}
    IF    $OVERLONG in $encrypted['scan_ranges']
        SunGather Scrapes Should Agree    ${plain}    ${encrypted}    missing_from=13000    missing_to=13124
    ELSE
        SunGather Scrapes Should Agree    ${plain}    ${encrypted}
    END
