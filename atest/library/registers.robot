*** Settings ***
Documentation       Raw and engineering values through the keywords, as Robot passes them (text).
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00
Test Setup          Start Mock Sungrow    SH10RT

Test Tags           library    registers


*** Test Cases ***
Import Arguments Are The Defaults Of Every Start
    ${time} =    Get Mock Time
    Should Be Equal    ${time}    2026-06-21T12:00:00
    ${yield} =    Get Inverter Value    daily_power_yields
    Should Be True    ${yield} > 0    a living inverter has yielded by noon
    ${previous} =    Set Clock Speed    1
    Should Be Equal As Numbers    ${previous}    0

Static Values When Not Simulated
    Start Mock Sungrow    SH10RT    alias=static    simulate=${False}    start_time=2026-06-21T06:00:00
    ${morning} =    Get Inverter Value    daily_power_yields
    Advance Mock Clock    6 hours
    ${noon} =    Get Inverter Value    daily_power_yields
    Should Be Equal As Numbers    ${noon}    ${morning}
    Run Keyword And Expect Error    *is not simulated*    Set Irradiance    500

Raw Values Typed As Text Are Parsed
    ${before} =    Get Register    13023
    ${previous} =    Set Register    13023    655
    Should Be Equal As Integers    ${previous}    ${before}
    ${raw} =    Get Register    battery_level
    Should Be Equal As Integers    ${raw}    655
    Set Register    13051    0xAA    table=holding
    ${raw} =    Get Register    13051    table=holding
    Should Be Equal As Integers    ${raw}    170

Engineering Values Are Scaled
    Set Inverter Value    battery_level    80
    ${raw} =    Get Register    13023
    Should Be Equal As Integers    ${raw}    800
    Set Inverter Value    daily_power_yields    12.3
    ${kwh} =    Get Inverter Value    daily_power_yields
    Should Be Equal As Numbers    ${kwh}    12.3
    Set Inverter Value    max_soc    95
    ${raw} =    Get Register    max_soc
    Should Be Equal As Integers    ${raw}    950

Enumerated Registers Take Labels
    ${previous} =    Set Inverter Value    ems_mode    forced
    Should Be Equal As Integers    ${previous}    0
    ${mode} =    Get Register    13050    table=holding
    Should Be Equal As Integers    ${mode}    2

Text Registers Take Text
    ${previous} =    Set Register Text    serial_number    1234567890
    Should Not Be Equal    ${previous}    1234567890
    ${serial} =    Get Register Text    serial_number
    Should Be Equal    ${serial}    1234567890
    Get Register Text    serial_number    ==    1234567890
    Run Keyword And Expect Error    *serial_number is a text register (20 bytes); use Get Register Text*
    ...    Get Register    serial_number
    Run Keyword And Expect Error    *serial_number is a text register (20 bytes); use Set Register Text*
    ...    Set Register    serial_number    1
    Run Keyword And Expect Error    *battery_level is a number register (U16); use Get Register*
    ...    Get Register Text    battery_level

Getters Assert And Retry Until The Value Moves
    [Documentation]    A running clock moves the daily yield; the getter reads again until it passes.
    Set Clock Speed    3600
    ${now} =    Get Inverter Value    daily_power_yields
    ${later} =    Get Inverter Value    daily_power_yields    >    ${now}    timeout=5s
    Should Be True    ${later} > ${now}
    ${raw} =    Get Register    daily_power_yields    >=    ${{ int(${later} * 10) }}
    Should Be True    ${raw} >= ${later} * 10
    Get Register    device_type_code    ==    0x0E03
    Get Inverter Value    battery_level    validate    0 <= value <= 100
    Get Inverter Value    ems_mode    equal    0

Getters Fail With The Value And The Time They Waited
    Set Inverter Value    battery_level    65
    Run Keyword And Expect Error
    ...    Inverter value battery_level '65.0' (float) should be greater than '100.0' (float) (still after 0.3 s)
    ...    Get Inverter Value    battery_level    >    100    timeout=0.3s
    Run Keyword And Expect Error    battery is 65.0, not 100.0
    ...    Get Inverter Value    battery_level    ==    100    message=battery is {value}, not {expected}    timeout=0s
    Run Keyword And Expect Error    *assertion_expected 'lots' is not a number*
    ...    Get Register    battery_level    >    lots
    Run Keyword And Expect Error    *needs an assertion_operator*
    ...    Get Register    battery_level    assertion_expected=5
    Run Keyword And Expect Error    *cannot be converted to AssertionOperator*
    ...    Get Register    battery_level    =>    5

Bad Values Name The Valid Ones
    Run Keyword And Expect Error    *not a valid value for ems_mode; valid: 0 (self-consumption), 2 (forced)*
    ...    Set Inverter Value    ems_mode    turbo
    Run Keyword And Expect Error    *120 is not a valid value for max_soc; valid: 50..100 % (raw 500..1000)*
    ...    Set Inverter Value    max_soc    12
    Run Keyword And Expect Error    *does not fit U16*    Set Register    battery_level    70000
    Run Keyword And Expect Error    *did you mean battery_level*    Get Register    battery_levle
    Run Keyword And Expect Error    *give table=input or table=holding*    Get Register    5000
    Run Keyword And Expect Error    *unknown table 'coils'; valid: input, holding*    Get Register    5000    table=coils

Log Register Map Lists The Model's Registers
    ${count} =    Log Register Map
    Should Be True    ${count} > 150
    ${battery} =    Log Register Map    pattern=battery_*
    Should Be True    0 < ${battery} < ${count}
    ${holding} =    Log Register Map    table=holding
    Should Be True    0 < ${holding} < ${count}
    ${one} =    Log Register Map    pattern=ems_mode
    Should Be Equal As Integers    ${one}    1
