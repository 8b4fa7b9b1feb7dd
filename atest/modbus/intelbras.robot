*** Settings ***
Documentation       python-intelbras-solar-local 0.2.0 Modbus reads against the mock.
...
...                 The client polls FC4 4989x61, 5050x100, 5225x2 and FC3 4999x9 (plus the
...                 optional firmware block 5799x30 on the first poll); any exception reply or
...                 wrong byte count fails the whole poll. Its decoder expects the string
...                 (SG) register layout, so string models are used.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           modbus    intelbras


*** Variables ***
${SERIAL}       TIB0000023


*** Test Cases ***
SG5.0RS Values Set By The Test
    Start Mock Sungrow    SG5.0RS    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    total_active_power    3210
    Set Inverter Value    total_dc_power    3333
    Set Inverter Value    total_apparent_power    3250
    Set Inverter Value    total_reactive_power    -120
    Set Inverter Value    power_factor    -0.95
    Set Inverter Value    mppt_1_voltage    350.5
    Set Inverter Value    mppt_1_current    6.6
    Set Inverter Value    mppt_2_voltage    298.2
    Set Inverter Value    mppt_2_current    4.4
    Set Inverter Value    phase_a_voltage    241.7
    Set Inverter Value    phase_a_current    13.9
    Set Inverter Value    grid_frequency_precise    49.98
    Set Inverter Value    internal_temperature    -5.5
    Set Inverter Value    monthly_power_yields    245.6
    Set Inverter Value    yearly_power_yields    2090.4
    Set Inverter Value    total_power_yields_precise    5432.1
    Set Inverter Value    total_running_time    6120
    Set Inverter Value    daily_running_time    321
    Set Inverter Value    bus_voltage    380.5
    Set Inverter Value    array_insulation_resistance    1107
    Set Register    work_state_1    ${0x8100}
    Set Inverter Value    alarm_code_1    ${0}
    Set Inverter Value    start_stop    stop
    Set Inverter Value    power_limitation_switch    enable
    Set Inverter Value    power_limitation_setting    80.0
    Set Inverter Clock    2031    3    4    5    6    7
    ${result} =    Run Client On Mock    intelbras    --polls    2
    Should Be Equal As Integers    ${result}[polls]    2
    VAR    ${status} =    ${result}[status]
    Should Be Equal    ${status}[serial]    ${SERIAL}
    Should Be Equal As Integers    ${status}[device_type_code]    0x2606
    Should Be Equal    ${status}[model]    Sungrow 0x2606
    Should Be Equal As Numbers    ${status}[nominal_power]    5.0
    Should Be Equal As Numbers    ${status}[energy_today]    17.6
    Should Be Equal As Numbers    ${status}[power_ac]    3210
    Should Be Equal As Numbers    ${status}[power_dc]    3333
    Should Be Equal As Numbers    ${status}[power_apparent]    3250
    Should Be Equal As Numbers    ${status}[power_reactive]    -120
    Should Be Equal As Numbers    ${status}[power_factor]    -0.95
    Should Be Equal As Numbers    ${status}[mppts][0][voltage]    350.5
    Should Be Equal As Numbers    ${status}[mppts][0][current]    6.6
    Should Be Equal As Numbers    ${status}[mppts][1][voltage]    298.2
    Should Be Equal As Numbers    ${status}[mppts][1][current]    4.4
    Should Be Equal As Numbers    ${status}[grid_voltage]    241.7
    Should Be Equal As Numbers    ${status}[grid_current]    13.9
    Should Be Equal As Numbers    ${status}[grid_frequency]    49.98
    Should Be Equal As Numbers    ${status}[temperature]    -5.5
    Should Be Equal As Numbers    ${status}[energy_month]    245.6
    Should Be Equal As Numbers    ${status}[energy_year]    2090.4
    Should Be Equal As Numbers    ${status}[energy_total]    5432.1
    Should Be Equal As Numbers    ${status}[running_hours_total]    6120
    Should Be Equal As Numbers    ${status}[running_minutes_today]    321
    Should Be Equal As Numbers    ${status}[bus_voltage]    380.5
    Should Be Equal As Numbers    ${status}[insulation_resistance]    1107
    Should Be Equal    ${status}[work_state]    derating_run
    Should Be True    ${status}[producing]
    Should Not Be True    ${status}[has_fault]
    Should Not Be True    ${status}[inverter_on]
    Should Be True    ${status}[power_limit_enabled]
    Should Be Equal As Numbers    ${status}[power_limit]    80.0
    Should Match Regexp    ${status}[clock]    ^2031-03-04T05:06:(0[7-9]|[1-5][0-9])$
    ${arm} =    Get Register Text    arm_firmware_version
    ${dsp} =    Get Register Text    dsp_firmware_version
    Should Be Equal    ${status}[arm_firmware]    ${arm}
    Should Be Equal    ${status}[dsp_firmware]    ${dsp}

Fault Code Is Reported
    Start Mock Sungrow    SG5.0RS
    Set Register    work_state_1    ${0x5500}
    Set Inverter Value    alarm_code_1    ${39}
    ${result} =    Run Client On Mock    intelbras
    Should Be Equal    ${result}[status][work_state]    fault
    Should Be Equal As Integers    ${result}[status][fault_code]    39
    Should Be True    ${result}[status][has_fault]
    Should Not Be True    ${result}[status][producing]

Other String Models Are Read
    [Template]    Intelbras Should Read
    SG10RT    0x2433    10.0
    SG33CX    0x2C00    33.0


*** Keywords ***
Intelbras Should Read
    [Documentation]    Starts the string model ``model`` and checks the serial, type code,
    ...    nominal power and AC power the client reads.
    [Arguments]    ${model}    ${code}    ${nominal_kw}
    Start Mock Sungrow    ${model}    serial=${SERIAL}
    Set Inverter Value    total_active_power    4444
    ${result} =    Run Client On Mock    intelbras
    Should Be Equal    ${result}[status][serial]    ${SERIAL}
    Should Be Equal As Integers    ${result}[status][device_type_code]    ${code}
    Should Be Equal As Numbers    ${result}[status][nominal_power]    ${nominal_kw}
    Should Be Equal As Numbers    ${result}[status][power_ac]    4444
