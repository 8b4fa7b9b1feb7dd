*** Settings ***
Documentation       Fleets in a Robot run: inverters by alias, settings undone when each test ends,
...                 a fleet started in a test stopped with it, clear errors for unknown inverters.
Library             Collections
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00
Suite Setup         Start Mock Sungrow Fleet    300    models=SG10RT    alias=farm

Test Tags           library    fleet


*** Test Cases ***
A Setting On A Fleet Inverter Holds In Its Test
    ${previous} =    Set Inverter Value    daily_power_yields    42.5    alias=inv260
    VAR    ${BEFORE} =    ${previous}    scope=SUITE    # robocop: off=no-suite-variable
    Get Inverter Value    daily_power_yields    ==    42.5    alias=inv260
    Get Inverter Value    daily_power_yields    ==    42.5    alias=farm.2    unit_id=13
    Get Inverter Value    daily_power_yields    !=    42.5    alias=inv13

The Next Test Finds It Undone
    Get Inverter Value    daily_power_yields    ==    ${BEFORE}    alias=inv260

Switching To An Inverter Makes Keywords Act On It
    ${previous} =    Switch Mock Sungrow    inv7
    Should Be Equal    ${previous}    farm.1
    Set Register    daily_power_yields    77
    Get Register    daily_power_yields    ==    77    alias=inv7
    Get Register    daily_power_yields    !=    77    alias=inv8
    Switch Mock Sungrow    farm

A Unit Id Two Ports Share Needs The Inverter's Alias
    Run Keyword And Expect Error    *unit id 5 names 2 inverters*give an alias: inv5, inv252*
    ...    Get Register    daily_power_yields    alias=farm    unit_id=5
    Run Keyword And Expect Error    *no mock with alias 'inv301'; running: fleet farm (inverters inv1, inv2, inv3, ..., inv300 (300))*
    ...    Get Register    daily_power_yields    alias=inv301
    Run Keyword And Expect Error    *'inv3' belongs to fleet 'farm': stop the whole fleet*
    ...    Stop Mock Sungrow    inv3

A Fleet Started In A Test Stops With It
    ${inverters} =    Start Mock Sungrow Fleet    2    layout=ports    alias=street    alias_prefix=home
    VAR    ${STREET} =    ${inverters}[1][endpoints][modbus]    scope=SUITE    # robocop: off=no-suite-variable
    Get Register    device_type_code    alias=home2

Its Ports Are Free In The Next Test
    Run Keyword And Expect Error    *no mock with alias 'home2'*    Get Register    device_type_code    alias=home2
    ${port} =    Evaluate    int($STREET.rsplit(':', 1)[1])
    ${endpoints} =    Start Mock Sungrow    SG10RT    modbus_port=${port}    doors=modbus
    Should Be Equal    ${endpoints}[modbus]    ${STREET}

Bad Fleets Are Refused With The Valid Choices
    Run Keyword And Expect Error    *fleet size 0 is out of range; valid: 1..10000*
    ...    Start Mock Sungrow Fleet    0
    Run Keyword And Expect Error    *unknown fleet layout 'grid'; valid: units, ports, dongle*
    ...    Start Mock Sungrow Fleet    2    layout=grid
