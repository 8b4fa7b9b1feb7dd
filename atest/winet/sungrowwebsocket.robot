*** Settings ***
Documentation       sungrow-websocket 0.2.2 against the mock's WiNet-S door (legacy firmware).
...
...                 The client GETs ``http://HOST/i18n/en_US.properties`` (port 80, fixed) and
...                 asks ``ws://HOST:8082/ws/home/overview`` for ``connect``, ``devicelist``,
...                 ``real``, ``real_battery`` and ``direct`` of the first device. It stops
...                 silently at the first failed reply, so the check requires one data point per
...                 step. Every data point it returns must show the value of the mock's register
...                 it stands for (PROTOCOLS 4.3), converted to the dongle's unit (W -> kW ...),
...                 as ``atest/resources/winetpoints.py`` lays down.
Resource            ../resources/clients.resource
Library             ../resources/winetpoints.py

Test Tags           winet    sungrowwebsocket


*** Test Cases ***
Every Data Point Shows The Mock's Value
    [Template]    Data Points Should Match The Values The Test Set
    SH10RT
    SH5.0RS
    SG10RT
    SG5.0RS

Importing Hybrid Shows Purchased Power And No Export
    [Documentation]    13010 < 0: import shows as I18N_CONFIG_KEY_4060, export is 0.
    Start Mock With Standard WiNet Ports    SH10RT
    Set Inverter Value    export_power_hybrid    -2468
    ${result} =    Run Sungrow Websocket
    Should Be Equal    ${result}[data][config_key_4060][value]    2.47
    Should Be Equal    ${result}[data][feed_network_total_active_power][value]    0.00
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH

Discharging Battery Shows Discharging Power Only
    [Documentation]    13022 is a magnitude; 13001 bit 2 says discharging (PROTOCOLS 2.5.4).
    Start Mock With Standard WiNet Ports    SH10RT
    Set Inverter Value    battery_power    1234
    Set Register    running_state    ${0b100}
    ${result} =    Run Sungrow Websocket
    Should Be Equal    ${result}[data][config_key_3921][value]    1.23
    Should Be Equal    ${result}[data][config_key_3907][value]    0.00
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH

With Two Inverters Only The First Is Read
    [Documentation]    sungrow-websocket 0.2.2 asks for ``list[0].dev_id`` only (PROTOCOLS 4.3).
    Start Mock With Standard WiNet Ports    SG10RT
    Add Inverter    SG5.0RS    2
    Set Inverter Value    daily_power_yields    45.6
    Set Inverter Value    daily_power_yields    12.3    unit_id=2
    ${result} =    Run Sungrow Websocket
    Should Be Equal    ${result}[data][daily_power_yield][value]    45.6
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SG


*** Keywords ***
Run Sungrow Websocket
    [Documentation]    Runs sungrow-websocket on the current mock's WiNet WebSocket door and returns its result.
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${port} =    Get Mock Sungrow Endpoint    winet_ws    part=port
    ${result} =    Run Client    sungrowwebsocket    --host    ${host}    --port    ${port}
    RETURN    ${result}

Data Points Should Match The Values The Test Set
    [Documentation]    Sets test values on ``model`` and checks the data points sungrow-websocket reads, value and unit.
    [Arguments]    ${model}
    Start Mock With Standard WiNet Ports    ${model}
    ${family} =    Evaluate    $model[:2]
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    internal_temperature    -4.5
    Set Inverter Value    phase_a_voltage    241.7
    Set Inverter Value    mppt_1_voltage    612.3
    Set Inverter Value    mppt_1_current    7.4
    Set Inverter Value    mppt_2_voltage    587.4
    Set Inverter Value    total_dc_power    6789
    Set Inverter Value    total_reactive_power    -321
    Set Inverter Value    power_factor    -0.987
    Run Keyword    Set ${family} Test Values
    ${result} =    Run Sungrow Websocket
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    ${family}
    # a few spelled out, so that a wrong table in winetpoints.py cannot hide a wrong mock
    Should Be Equal    ${result}[data][daily_power_yield][value]    17.6
    Should Be Equal    ${result}[data][daily_power_yield][unit]    kWh
    Should Be Equal    ${result}[data][air_tem_inside_machine][value]    -4.5
    Should Be Equal    ${result}[data][commonua][value]    241.7
    Should Be Equal    ${result}[data][mppt1_voltage][value]    612.3
    Should Be Equal    ${result}[data][mppt1_current][value]    7.4
    Should Be Equal    ${result}[data][mppt2_voltage][value]    587.4
    Should Be Equal    ${result}[data][total_dcpower][value]    6.79
    Should Be Equal    ${result}[data][total_dcpower][unit]    kW
    Should Be Equal    ${result}[data][string_1_voltage][value]    612.3
    Run Keyword    ${family} Data Points Should Show    ${result}[data]

Set SH Test Values
    [Documentation]    Sets the hybrid-only values that sungrow-websocket reads back.
    Set Inverter Value    total_active_power    4326
    Set Inverter Value    export_power_hybrid    1987
    Set Inverter Value    load_power_hybrid    1777
    Set Inverter Value    battery_level    80.5
    Set Inverter Value    battery_power    2345
    Set Register    running_state    ${0b11}
    Set Register    system_state    ${0x0800}

Set SG Test Values
    [Documentation]    Sets the string-inverter-only values that sungrow-websocket reads back.
    Set Inverter Value    total_active_power    7654
    Set Inverter Value    total_apparent_power    7777
    Set Inverter Value    meter_power    -1111
    Set Inverter Value    bus_voltage    612.5
    Set Inverter Value    array_insulation_resistance    1107
    Set Inverter Value    total_power_yields_precise    5432.1
    Set Register    work_state_1    ${0x8200}

SH Data Points Should Show
    [Documentation]    Checks the hybrid's data points of `Set SH Test Values`.
    [Arguments]    ${data}
    Should Be Equal    ${data}[total_active_power][value]    4.33
    Should Be Equal    ${data}[feed_network_total_active_power][value]    1.99
    Should Be Equal    ${data}[config_key_4060][value]    0.00
    Should Be Equal    ${data}[load_total_active_power][value]    1.777
    Should Be Equal    ${data}[battery_soc][value]    80.5
    Should Be Equal    ${data}[config_key_3907][value]    2.35
    Should Be Equal    ${data}[config_key_3921][value]    0.00
    Should Contain    ${data}[running_state][value]    Forced

SG Data Points Should Show
    [Documentation]    Checks the string inverter's data points of `Set SG Test Values`.
    [Arguments]    ${data}
    Should Be Equal    ${data}[total_active_power][value]    7.65
    Should Be Equal    ${data}[total_apparent_power][value]    7.78
    Should Be Equal    ${data}[feed_network_total_active_power][value]    1.11
    Should Be Equal    ${data}[config_key_4060][value]    0.00
    Should Be Equal    ${data}[bus_voltage][value]    612.5
    Should Be Equal    ${data}[square_array_insulation_impedance][value]    1107
    Should Be Equal    ${data}[total_yield][value]    5432.1
    Should Be Equal    ${data}[running_state][value]    Dispatch Run
