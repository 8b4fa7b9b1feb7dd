*** Settings ***
Documentation       python-intelbras-solar-local 0.2.0 over the mock's WiNet-S door (legacy firmware).
...
...                 ``async_get_status()`` reads the inverter over Modbus, then opens
...                 ``ws://HOST:8082/ws/home/overview`` for ``connect``, ``state``, ``fault`` and
...                 ``devicelist`` (it swallows WiNet errors, so the checks require the datalogger
...                 part). ``async_get_datalogger_info()`` adds HTTP ``/about/list`` and
...                 ``/device/overview``, ``async_get_grid_parameters()`` HTTP
...                 ``/device/getParam?type=2`` for ``list[0]`` of devicelist; its HTTP port is
...                 always 80. The client's view is compared with what the test set on the mock
...                 and with the raw replies the tests' own WiNet client gets.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           winet    intelbras


*** Variables ***
${SERIAL}       TIB0000042


*** Test Cases ***
Status Combines Modbus Values And The Datalogger
    Start Mock With Standard WiNet Ports    SG5.0RS    serial=${SERIAL}
    Set Inverter Value    daily_power_yields    17.6
    Set Inverter Value    total_active_power    3210
    Set Register    work_state_1    ${0x8100}
    ${result} =    Run Intelbras    --call    status
    VAR    ${status} =    ${result}[status]
    Should Be Equal    ${status}[serial]    ${SERIAL}
    Should Be Equal As Numbers    ${status}[energy_today]    17.6
    Should Be Equal As Numbers    ${status}[power_ac]    3210
    Should Be Equal    ${status}[work_state]    derating_run
    Should Be Empty    ${result}[winet_errors]
    VAR    ${datalogger} =    ${status}[datalogger]
    Should Not Be Equal    ${datalogger}    ${None}    The WiNet part of async_get_status() failed
    Should Be Equal    ${datalogger}[model]    SG5.0RS
    Should Be Equal As Integers    ${datalogger}[total_faults]    0
    Should Be Equal As Integers    ${datalogger}[total_alarms]    0
    Should Be Empty    ${datalogger}[faults]
    Datalogger Links Should Match The Dongle    ${datalogger}[wifi_connected]    ${datalogger}[cloud_connected]

A Fault Set By The Test Reaches The Datalogger Fault List
    Start Mock With Standard WiNet Ports    SG10RT
    Set Register    work_state_1    ${0x5500}
    Set Inverter Value    alarm_code_1    ${39}
    ${result} =    Run Intelbras    --call    status
    VAR    ${status} =    ${result}[status]
    Should Be True    ${status}[has_fault]
    Should Be Equal As Integers    ${status}[fault_code]    39
    Should Be Equal As Integers    ${status}[datalogger][total_faults]    1
    Length Should Be    ${status}[datalogger][faults]    1
    Should Be Equal    ${status}[datalogger][faults][0][fault_code]    39
    Should Be Equal As Integers    ${status}[datalogger][faults][0][dev_id]    1
    Set Register    work_state_1    ${0x0000}
    ${result} =    Run Intelbras    --call    status
    Should Be Equal As Integers    ${result}[status][datalogger][total_faults]    0
    Should Be Empty    ${result}[status][datalogger][faults]

Datalogger Info Is Read Over HTTP
    Start Mock With Standard WiNet Ports    SH10RT
    ${result} =    Run Intelbras    --call    datalogger_info
    VAR    ${info} =    ${result}[datalogger_info]
    ${raw} =    Run Own WiNet Client    connect    http:/about/list?page=1&limit=10    http:/device/overview
    ${about} =    Labelled Values    ${raw}[steps][1][result_data][list]
    VAR    ${overview} =    ${raw}[steps][2][result_data]
    Should Be Equal    ${info}[serial]    ${about}[I18N_COMMON_DEVICE_SN]
    Should Be Equal    ${info}[serial]    ${overview}[module_info][module_sn]
    Should Be Equal    ${info}[firmware_version]    ${about}[I18N_COMMON_APPLI_SOFT_VERSION]
    Should Be Equal    ${info}[build_version]    ${about}[I18N_COMMON_BUILD_SOFT_VERSION]
    Should Be Equal    ${info}[hardware_version]    ${about}[I18N_COMMON_VERSION]
    Should Be Equal    ${info}[cloud_server]    ${overview}[remote_info][ip]
    Should Be Equal    ${info}[timezone]    ${overview}[sys_time][timezone]
    Should Be Equal    ${info}[wifi_connected]    ${{ $overview['net_info']['wifi_conn_sts'] == '1' }}
    Should Be Equal    ${info}[ethernet_connected]    ${{ $overview['net_info']['eth_conn_sts'] == '1' }}
    # PROTOCOLS 4.4 examples of a WiNet-S
    Should Match Regexp    ${info}[firmware_version]    ^WINET-SV\\d{3}\\.\\d{3}\\.\\d{2}\\.P\\d{3}$
    Should Be Equal    ${info}[hardware_version]    M_WiNet-S_V01_V01_A
    VAR    ${serial_in_list} =    ${overview}[list][0][dev_sn]
    ${inverter_serial} =    Get Register Text    serial_number
    Should Be Equal    ${serial_in_list}    ${inverter_serial}

Grid Parameters Are Read For The First Device
    Start Mock With Standard WiNet Ports    SG5.0RS
    ${result} =    Run Intelbras    --call    grid_parameters
    ${code} =    Get Register    device_type_code
    ${raw} =    Run Own WiNet Client    connect    devicelist
    ...    http:/device/getParam?type=2&dev_id=1&dev_type=21&dev_code=${code}
    Should Be Equal As Integers    ${raw}[steps][1][result_data][list][0][dev_type]    21
    VAR    ${items} =    ${raw}[steps][2][result_data][list]
    Should Not Be Empty    ${result}[grid_parameters]
    Length Should Be    ${result}[grid_parameters]    ${{ len($items) }}
    FOR    ${parameter}    ${item}    IN ZIP    ${result}[grid_parameters]    ${items}
        ${key} =    Evaluate    $item['param_name'].removeprefix('I18N_COMMON_').lower()
        Should Be Equal    ${parameter}[key]    ${key}
        Should Be Equal As Numbers    ${parameter}[value]    ${item}[param_value]
        Should Be Equal    ${parameter}[unit]    ${item}[unit]
        Should Be Equal As Integers    ${parameter}[register]    ${item}[param_addr]
    END

With Two Inverters The Datalogger Reports The First
    [Documentation]    devicelist lists the inverters in dev_id order; the client takes ``list[0]``.
    Start Mock With Standard WiNet Ports    SG5.0RS
    Add Inverter    SG10RT    2
    ${result} =    Run Intelbras    --call    status    --call    grid_parameters
    Should Be Equal    ${result}[status][datalogger][model]    SG5.0RS
    Should Not Be Empty    ${result}[grid_parameters]


*** Keywords ***
Run Intelbras
    [Documentation]    Runs python-intelbras-solar-local on the current mock with the
    ...    standard WiNet WebSocket port and returns its result.
    [Arguments]    @{args}
    ${result} =    Run Client On Mock    intelbras    --winet-port    ${WINET_WS_PORT}    @{args}
    RETURN    ${result}

Run Own WiNet Client
    [Documentation]    The raw replies, all of which must be successes.
    [Arguments]    @{steps}
    ${result} =    Run WiNet Client    @{steps}
    FOR    ${step}    IN    @{result}[steps]
        WiNet Step Should Be    ${step}    1    success
    END
    RETURN    ${result}

Labelled Values
    [Documentation]    Returns WiNet data items as a dictionary of ``data_name`` to ``data_value``.
    [Arguments]    ${items}
    ${values} =    Evaluate    {i['data_name']: i['data_value'] for i in $items}
    RETURN    ${values}

Datalogger Links Should Match The Dongle
    [Documentation]    Checks the client's Wi-Fi and cloud link states against the dongle's ``state`` reply.
    [Arguments]    ${wifi}    ${cloud}
    ${raw} =    Run Own WiNet Client    connect    state
    Should Be Equal    ${wifi}    ${{ $raw['steps'][1]['result_data']['wifi_conn_sts'] == '1' }}
    Should Be Equal    ${cloud}    ${{ $raw['steps'][1]['result_data']['cloud_conn_sts'] == '1' }}
