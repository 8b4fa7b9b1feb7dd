*** Settings ***
Documentation       SungrowClient 0.1.0 (the engine of SunGather) in ``modbus`` mode against the mock.
...
...                 The client is driven as SunGather drives it (detect model and serial, close,
...                 reconnect, scrape) with the register file ``atest/resources/registers-sungrow.yaml``.
...                 Every scan range SunGather selects must be answered in full (a range the
...                 client drops is reported as failed), and the values the test sets on the mock
...                 must come out of SunGather's decoding. Expected scan ranges: PROTOCOLS 2.7.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           modbus    sungrowclient


*** Variables ***
${SERIAL}               TSG0000042
# PROTOCOLS 2.7, "Observed request sets" and the derived ones for the other first-build models.
@{SH_LEVEL_1}           read 5000x38    read 5100x100    read 6099x100    read 6199x100    read 6299x100
...                     read 6399x100    read 6499x100    read 6599x100    read 6699x100    read 12999x125
...                     hold 4999x10
@{SH_LEVEL_2}           read 4949x50    read 5000x38    read 5039x61    read 5100x100    read 5600x100
...                     read 5720x10    read 6099x100    read 6199x100    read 6299x100    read 6399x100
...                     read 6499x100    read 6599x100    read 6699x100    read 12999x125    hold 4999x10
...                     hold 5009x10    hold 5034x10    hold 13000x100    hold 33045x5
@{SH5_LEVEL_2}          read 4949x50    read 5000x38    read 5100x100    read 5600x100    read 5720x10
...                     read 6099x100    read 6199x100    read 6299x100    read 6399x100    read 6499x100
...                     read 6599x100    read 6699x100    read 12999x125    hold 4999x10    hold 5009x10
...                     hold 5034x10    hold 13000x100
@{SG_LEVEL_1}           read 5000x38    read 5100x100    hold 4999x10
@{SG_LEVEL_2}           read 5000x38    read 5039x61    read 5100x100    read 5200x100    read 7012x25
...                     hold 4999x10    hold 5009x10    hold 5034x10
&{EXPECTED_RANGES}      SH10RT-1=${SH_LEVEL_1}    SH10RT-2=${SH_LEVEL_2}
...                     SH8.0RT-1=${SH_LEVEL_1}    SH8.0RT-2=${SH_LEVEL_2}
...                     SH5.0RS-1=${SH_LEVEL_1}    SH5.0RS-2=${SH5_LEVEL_2}
...                     SG10RT-1=${SG_LEVEL_1}    SG10RT-2=${SG_LEVEL_2}
...                     SG5.0RS-1=${SG_LEVEL_1}    SG5.0RS-2=${SG_LEVEL_2}
...                     SG33CX-1=${SG_LEVEL_1}    SG33CX-2=${SG_LEVEL_2}


*** Test Cases ***
SH10RT Full Scrape At Level 1
    [Template]    SunGather Should Decode The Values The Test Set
    SH10RT    1

SH10RT Full Scrape At Level 2
    [Template]    SunGather Should Decode The Values The Test Set
    SH10RT    2

SG10RT Full Scrape At Level 1
    [Template]    SunGather Should Decode The Values The Test Set
    SG10RT    1

SG10RT Full Scrape At Level 2
    [Template]    SunGather Should Decode The Values The Test Set
    SG10RT    2

Other Models Are Detected And Fully Scraped
    [Documentation]    Model auto-detection and complete scrapes for the other first-build models.
    [Template]    Model Should Be Detected And Fully Scraped
    SH8.0RT    2
    SG5.0RS    2
    SG33CX    2

SH5.0RS Refuses The Statistics Ranges As A Real SH-RS Does
    [Documentation]    SunGather reads the statistics block 6100-6826 of the SH5.0RS too, which exists on
    ...    SH5.0-10RT only (PROTOCOLS 2.4): those seven ranges fail with exception 02, everything else
    ...    is read, and the scrape as a whole succeeds.
    [Template]    Model Should Be Detected And Fully Scraped
    SH5.0RS    1    @{SH_RS_STATISTICS}
    SH5.0RS    2    @{SH_RS_STATISTICS}

Repeated Scrapes Keep Working
    [Documentation]    SunGather closes and reconnects between scrapes; from the second scrape on it
    ...    also parses the inverter timestamp of the previous one.
    Start Mock Sungrow    SH10RT
    Set Inverter Value    battery_level    42.0
    ${result} =    Run Client On Mock    sungrowclient    --level    1    --scrapes    3
    Length Should Be    ${result}[scrapes]    3
    Scrape Should Have No Failed Ranges    ${result}
    FOR    ${scrape}    IN    @{result}[scrapes]
        Should Be True    ${scrape}[ok]
        Should Be Equal As Numbers    ${scrape}[latest_scrape][battery_level]    42.0
    END

Unknown Device Type Leaves The Model Undetected
    [Documentation]    An unknown type code gives model None; only registers without a model list
    ...    are read (PROTOCOLS 2.7, "unknown device code").
    Start Mock Sungrow    SG10RT
    Set Register    device_type_code    ${0x7777}
    ${result} =    Run Client On Mock    sungrowclient    --level    1
    Should Be Equal    ${result}[model]    ${None}
    Scan Ranges Should Be    ${result}    read 5000x38    read 5100x100    hold 4999x10
    Scrape Should Have No Failed Ranges    ${result}


*** Keywords ***
SunGather Should Decode The Values The Test Set
    [Documentation]    Sets test values on ``model``, scrapes at ``level`` and checks
    ...    the scan ranges and every decoded value.
    [Arguments]    ${model}    ${level}
    Start Mock Sungrow    ${model}    serial=${SERIAL}
    ${family} =    Evaluate    $model[:2]
    Set Common Test Values
    Run Keyword    Set ${family} Test Values
    ${result} =    Run Client On Mock    sungrowclient    --level    ${level}
    Should Be Equal    ${result}[model]    ${model}
    Should Be Equal    ${result}[serial]    ${SERIAL}
    Scan Ranges Should Be    ${result}    @{EXPECTED_RANGES}[${model}-${level}]
    Scrape Should Have No Failed Ranges    ${result}
    VAR    ${scrape} =    ${result}[latest_scrape]
    Common Values Should Be Decoded    ${scrape}    ${model}
    Run Keyword    ${family} Values Should Be Decoded    ${scrape}
    IF    ${level} >= 2
        Common Level 2 Values Should Be Decoded    ${scrape}
        Run Keyword    ${family} Level 2 Values Should Be Decoded    ${scrape}
    ELSE
        Dictionary Should Not Contain Key    ${scrape}    mppt_1_voltage
    END

Model Should Be Detected And Fully Scraped
    [Documentation]    Starts ``model`` and checks that SunGather detects it and reads every range of
    ...    ``level`` but the ``lacking`` ones, which the model refuses.
    [Arguments]    ${model}    ${level}    @{lacking}
    Start Mock Sungrow    ${model}    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    3.3
    ${result} =    Run Client On Mock    sungrowclient    --level    ${level}
    Should Be Equal    ${result}[model]    ${model}
    Should Be Equal    ${result}[serial]    ${SERIAL}
    Scan Ranges Should Be    ${result}    @{EXPECTED_RANGES}[${model}-${level}]
    Only These Ranges Should Fail    ${result}    @{lacking}
    Should Be Equal As Numbers    ${result}[latest_scrape][daily_power_yields]    3.3
    Should Be Equal    ${result}[latest_scrape][device_type_code]    ${model}

Set Common Test Values
    [Documentation]    Sets the values and clock that both families read back through SunGather.
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    internal_temperature    -4.5
    Set Inverter Value    phase_a_voltage    241.7
    Set Inverter Value    mppt_1_voltage    612.3
    Set Inverter Value    mppt_2_voltage    587.4
    Set Inverter Clock    2031    3    4    13    6    7

Set SH Test Values
    [Documentation]    Sets the hybrid-only values that SunGather reads back.
    Set Inverter Value    total_active_power    4321
    Set Inverter Value    battery_level    80.5
    Set Inverter Value    load_power_hybrid    1777
    Set Inverter Value    export_power_hybrid    -1234
    Set Inverter Value    grid_state    off-grid
    Set Inverter Value    ems_mode    forced
    Set Inverter Value    max_soc    ${95}
    Set Inverter Value    meter_total_power    -2345
    Set Inverter Value    backup_phase_a_power    123

Set SG Test Values
    [Documentation]    Sets the string-inverter-only values that SunGather reads back.
    Set Inverter Value    total_active_power    7654
    Set Register    work_state_1    ${0x8100}
    Set Inverter Value    start_stop    stop
    Set Inverter Value    daily_running_time    321
    Set Inverter Value    total_power_yields_precise    5432.1
    Set Inverter Value    grid_frequency_precise    49.87
    Set Inverter Value    string_1_current    4.56
    Set Inverter Value    export_power    2222
    Set Inverter Value    power_limitation_switch    enable

Common Values Should Be Decoded
    [Documentation]    Checks the model and the values of `Set Common Test Values` in a scrape.
    [Arguments]    ${scrape}    ${model}
    Should Be Equal    ${scrape}[device_type_code]    ${model}
    Should Be Equal As Numbers    ${scrape}[daily_power_yields]    17.6
    Should Be Equal As Numbers    ${scrape}[internal_temperature]    -4.5
    Should Be Equal As Numbers    ${scrape}[phase_a_voltage]    241.7
    # year..second are turned into SunGather's timestamp; the clock runs on from 05:06:07
    Should Match Regexp    ${scrape}[timestamp]    ^2031-3-4 13:06:(0[7-9]|[1-5][0-9])$

SH Values Should Be Decoded
    [Documentation]    Checks the level-1 values of `Set SH Test Values` and the grid flows SunGather derives from them.
    [Arguments]    ${scrape}
    Should Be Equal As Numbers    ${scrape}[total_active_power]    4321
    Should Be Equal As Numbers    ${scrape}[battery_level]    80.5
    Should Be Equal As Numbers    ${scrape}[load_power_hybrid]    1777
    Should Be Equal As Numbers    ${scrape}[export_power_hybrid]    -1234
    # SunGather derives grid flows from export_power_hybrid (negative = importing)
    Should Be Equal As Numbers    ${scrape}[import_from_grid]    1234
    Should Be Equal As Numbers    ${scrape}[export_to_grid]    0
    Should Be Equal    ${scrape}[grid_state]    Off-Grid

SG Values Should Be Decoded
    [Documentation]    Checks the level-1 values of `Set SG Test Values` in a scrape.
    [Arguments]    ${scrape}
    Should Be Equal As Numbers    ${scrape}[total_active_power]    7654
    Should Be Equal    ${scrape}[work_state_1]    Derating Run
    Should Be Equal    ${scrape}[start_stop]    Stop
    Should Be Equal As Numbers    ${scrape}[daily_running_time]    321
    # two registers are named total_power_yields in SunGather's file; 5144 (0.1 kWh) is read last
    Should Be Equal As Numbers    ${scrape}[total_power_yields]    5432.1

Common Level 2 Values Should Be Decoded
    [Documentation]    Checks the values both families show only at level 2.
    [Arguments]    ${scrape}
    Should Be Equal As Numbers    ${scrape}[mppt_1_voltage]    612.3
    Should Be Equal As Numbers    ${scrape}[mppt_2_voltage]    587.4
    Should Be Equal As Numbers    ${scrape}[nominal_active_power]    10.0
    Should Be Equal    ${scrape}[output_type]    3P4L

SH Level 2 Values Should Be Decoded
    [Documentation]    Checks the hybrid's level-2 values, EMS mode and running state included.
    [Arguments]    ${scrape}
    Should Be Equal    ${scrape}[ems_mode_selection]    Forced mode
    Should Be Equal As Numbers    ${scrape}[max_soc]    95.0
    Should Be Equal As Numbers    ${scrape}[meter_total_power]    -2345
    Should Be Equal As Numbers    ${scrape}[backup_phase_a_power]    123
    # Forced EMS mode by day: the running state is "forced run" (0x0800), as on the device.
    Should Be Equal    ${scrape}[system_state]    Forced mode

SG Level 2 Values Should Be Decoded
    [Documentation]    Checks the string inverter's level-2 values.
    [Arguments]    ${scrape}
    # 5148 (0.01 Hz) shares the name grid_frequency with 5036 and is read last
    Should Be Equal As Numbers    ${scrape}[grid_frequency]    49.87
    Should Be Equal As Numbers    ${scrape}[string_1_current]    4.56
    Should Be Equal As Numbers    ${scrape}[export_power]    2222
    Should Be Equal    ${scrape}[power_limitation_switch]    Enable
