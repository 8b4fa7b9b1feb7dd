*** Settings ***
Documentation       pysungrow 1.1.0 against the mock: ``identify`` then ``SungrowClient.refresh()``.
...
...                 pysungrow knows only hybrid models it can talk to (its plan for string models
...                 exceeds the Modbus register limit, PROTOCOLS 1.6), so only SH models are used.
...                 Any exception reply or out-of-enum value aborts pysungrow, so a passing
...                 refresh means every block it reads was answered in full with valid values.
Resource            ../resources/clients.resource

Test Tags           modbus    pysungrow


*** Variables ***
${SERIAL}       TPS0000007


*** Test Cases ***
SH10RT Identify And Refresh
    Start Mock Sungrow    SH10RT    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    battery_level    72.5
    Set Inverter Value    total_active_power    4321
    Set Inverter Value    load_power_hybrid    1777
    Set Inverter Value    export_power_hybrid    -1234
    Set Inverter Value    mppt_1_voltage    612.3
    Set Inverter Value    internal_temperature    -4.5
    Set Inverter Value    ems_mode    self-consumption
    Set Inverter Value    battery_forced_charge_discharge_cmd    charge
    Set Inverter Clock    2031    3    4    5    6    7
    ${result} =    Run Client On Mock    pysungrow
    Should Be Equal    ${result}[identity][serial_number]    ${SERIAL}
    Should Be Equal    ${result}[identity][device][name]    SH10RT
    Should Be Equal As Integers    ${result}[identity][device][code]    0x0E03
    Should Be Equal    ${result}[identity][output_type][name]    THREE_PHASE_3P4L
    Should Be Empty    ${result}[identity][excluded_variables]
    VAR    ${data} =    ${result}[data]
    Should Be Equal As Numbers    ${data}[nominal_output_power]    10.0
    Should Be Equal As Numbers    ${data}[daily_output_energy]    17.6
    Should Be Equal As Numbers    ${data}[battery_level]    72.5
    Should Be Equal As Numbers    ${data}[total_active_power]    4321
    Should Be Equal As Numbers    ${data}[load_power]    1777
    Should Be Equal As Numbers    ${data}[export_power]    -1234
    Should Be Equal As Numbers    ${data}[mppt_1_voltage]    612.3
    Should Be Equal As Numbers    ${data}[internal_temperature]    -4.5
    Should Be Equal    ${data}[ems_mode][name]    SELF_CONSUMPTION
    Should Be Equal    ${data}[charge_discharge_command][name]    CHARGE
    Should Be Equal    ${data}[system_state][name]    RUNNING
    Should Match Regexp    ${data}[system_clock]    ^2031-03-04T05:06:(0[7-9]|[1-5][0-9])$
    ${arm} =    Get Register Text    arm_software_version
    Should Be Equal    ${data}[arm_software_version]    ${arm}

Value Written By pysungrow Reaches The Mock
    [Documentation]    pysungrow writes with FC16 and reads the register back.
    Start Mock Sungrow    SH10RT
    Set Inverter Value    max_soc    ${100}
    ${result} =    Run Client On Mock    pysungrow    --set    max_soc    85.5
    Should Be Equal As Numbers    ${result}[set][before]    100.0
    Should Be Equal As Numbers    ${result}[set][read_back]    85.5
    ${on_mock} =    Get Inverter Value    max_soc
    Should Be Equal As Numbers    ${on_mock}    85.5

String Models Are Unknown To pysungrow
    [Documentation]    pysungrow's device table lacks the RT/RS/CX string codes: the device is None
    ...    and refresh() selects no variables (PROTOCOLS 2.2), without an error.
    Start Mock Sungrow    SG10RT    serial=${SERIAL}
    ${result} =    Run Client On Mock    pysungrow
    Should Be Equal    ${result}[identity][serial_number]    ${SERIAL}
    Should Be Equal    ${result}[identity][device]    ${None}
    Should Be Empty    ${result}[data]

Other Hybrid Models Are Identified
    [Template]    pysungrow Should Identify
    SH8.0RT    THREE_PHASE_3P4L    8.0
    SH5.0RS    SINGLE_PHASE    5.0


*** Keywords ***
pysungrow Should Identify
    [Documentation]    Starts ``model`` and checks that pysungrow identifies it, with its output
    ...    type and nominal power, and reads its battery level.
    [Arguments]    ${model}    ${output_type}    ${nominal_kw}
    Start Mock Sungrow    ${model}    serial=${SERIAL}
    Set Inverter Value    battery_level    33.3
    ${result} =    Run Client On Mock    pysungrow
    Should Be Equal    ${result}[identity][device][name]    ${model}
    Should Be Equal    ${result}[identity][serial_number]    ${SERIAL}
    Should Be Equal    ${result}[identity][output_type][name]    ${output_type}
    Should Be Equal As Numbers    ${result}[data][nominal_output_power]    ${nominal_kw}
    Should Be Equal As Numbers    ${result}[data][battery_level]    33.3
