*** Settings ***
Documentation       Two inverters behind one WiNet-S dongle (``Add Inverter``): listed by ``devicelist``
...                 and selected by ``dev_id`` in ``real`` and ``getParam`` (PROTOCOLS 4.3, 4.4),
...                 with the tests' own WiNet client. The public clients' view is in their suites.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           winet    fleet


*** Test Cases ***
Devicelist Lists Both Inverters In dev_id Order
    Start Two Inverters
    ${code_1} =    Get Register    device_type_code
    ${code_2} =    Get Register    device_type_code    unit_id=2
    ${result} =    Run WiNet Client    connect    devicelist
    WiNet Step Should Be    ${result}[steps][1]    1    success
    VAR    ${data} =    ${result}[steps][1][result_data]
    Should Be Equal As Integers    ${data}[count]    2
    Length Should Be    ${data}[list]    2
    Device Should Be    ${data}[list][0]    1    SH10RT    35    ${code_1}    TWO0000001
    Device Should Be    ${data}[list][1]    2    SG5.0RS    21    ${code_2}    TWO0000002

real Selects The Inverter By dev_id
    Start Two Inverters
    ${result} =    Run WiNet Client    connect    real:dev_id=1    real:dev_id=2
    WiNet Step Should Be    ${result}[steps][1]    1    success
    WiNet Step Should Be    ${result}[steps][2]    1    success
    ${first} =    Points    ${result}[steps][1]
    ${second} =    Points    ${result}[steps][2]
    Should Be Equal    ${first}[I18N_COMMON_DAILY_POWER_YIELD]    45.6
    Should Be Equal    ${second}[I18N_COMMON_DAILY_POWER_YIELD]    12.3
    Should Be Equal    ${first}[I18N_COMMON_TOTAL_ACTIVE_POWER]    4.32
    Should Be Equal    ${second}[I18N_COMMON_TOTAL_ACTIVE_POWER]    1.23

getParam Reads The Registers Of The Inverter Named By dev_id
    Start Two Inverters
    ${code_2} =    Get Register    device_type_code    unit_id=2
    ${result} =    Run WiNet Client    connect
    ...    http:/device/getParam?dev_id=2&type=3&param_addr=5000&param_num=1&param_type=0
    ...    http:/device/getParam?dev_id=2&type=3&param_addr=5003&param_num=1&param_type=0
    WiNet Step Should Be    ${result}[steps][1]    1    success
    ${expected} =    Evaluate    '%02x %02x ' % (int($code_2) >> 8, int($code_2) & 0xFF)
    Should Be Equal    ${result}[steps][1][result_data][param_value]    ${expected}    ignore_case=True
    # daily_power_yields of unit 2: 12.3 kWh = raw 123 = 00 7b
    Should Be Equal    ${result}[steps][2][result_data][param_value]    00 7b${SPACE}    ignore_case=True

An Unknown dev_id Is Refused
    Start Two Inverters
    ${result} =    Run WiNet Client    connect    real:dev_id=3
    Should Not Be Equal As Integers    ${result}[steps][1][result_code]    1    ${result}[steps][1]
    Should Be Equal    ${result}[steps][1][service_echo]    real


*** Keywords ***
Start Two Inverters
    [Documentation]    Starts an SH10RT (dev_id 1) and an SG5.0RS (dev_id 2) behind one
    ...    WiNet door, each with its own yield and power.
    Start Mock Sungrow    SH10RT    serial=TWO0000001    doors=winet
    Add Inverter    SG5.0RS    2    serial=TWO0000002
    Set Inverter Value    daily_power_yields    45.6
    Set Inverter Value    total_active_power    4321
    Set Inverter Value    daily_power_yields    12.3    unit_id=2
    Set Inverter Value    total_active_power    1234    unit_id=2

Device Should Be
    [Documentation]    Checks one ``devicelist`` entry: dev_id, model, type, code, serial and protocol.
    [Arguments]    ${device}    ${dev_id}    ${model}    ${dev_type}    ${dev_code}    ${serial}
    Should Be Equal As Integers    ${device}[dev_id]    ${dev_id}
    Should Be Equal    ${device}[dev_model]    ${model}
    Should Be Equal As Integers    ${device}[dev_type]    ${dev_type}
    Should Be Equal As Integers    ${device}[dev_code]    ${dev_code}
    Should Be Equal    ${device}[dev_sn]    ${serial}
    Should Be Equal As Integers    ${device}[dev_procotol]    2

Points
    [Documentation]    Returns the data points of a ``real`` reply as a dictionary of name to value.
    [Arguments]    ${step}
    ${points} =    Evaluate    {i['data_name']: i['data_value'] for i in $step['result_data']['list']}
    RETURN    ${points}
