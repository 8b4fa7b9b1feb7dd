*** Settings ***
Documentation       The SunGather workload deployed as the sungather-k8s charm configures it, against the mock.
...
...                 Each test renders SunGather's config.yaml from the charm's options (the charm's
...                 mapping and validation) and runs the charm's actions (``test-connection``,
...                 ``get-inverter-info``, ``run-once``) with SunGather's engine, the unmodified
...                 SungrowClient 0.1.0, over each of SunGather's connection types: ``modbus``
...                 (the mock's plain Modbus door), ``sungrow`` (its encrypted door) and ``http``
...                 (its WiNet-S door on the standard ports 8082 and 80). What the workload collects
...                 must be what the mock holds (frozen clock, see ``clients.resource``); an
...                 unreachable inverter must fail the actions with a message that says so; and
...                 reconfiguring (connection type, level, smart meter) and redeploying must keep
...                 working. In ``sungrow`` mode the hybrid range input 13000-13124 cannot be
...                 carried (see ``atest/encrypted/sungrowclient.robot``): those rows use an SG model,
...                 and the test that switches a hybrid to ``sungrow`` expects exactly that gap.
Resource            ../resources/sungather_workload.resource

Test Tags           deployment    sungather


*** Variables ***
# Registers compared with the mock after a run-once (SunGather's names; looked up where it read them).
@{SH_VALUES}                daily_power_yields    internal_temperature    phase_a_voltage
...                         total_active_power    battery_level    battery_power    load_power_hybrid
...                         total_pv_generation    total_import_energy    daily_export_energy
@{SG_VALUES}                daily_power_yields    internal_temperature    phase_a_voltage    total_active_power
...                         total_apparent_power    daily_running_time    total_running_time    monthly_power_yields
@{SH_LEVEL_2_VALUES}        mppt_1_voltage    mppt_1_current    mppt_2_voltage    total_dc_power    meter_total_power
...                         max_soc
@{SG_METER_VALUES}          meter_power    load_power    daily_export_energy    total_export_energy
...                         daily_import_energy    total_import_energy    daily_direct_energy_consumption
@{METER_REGISTERS}          meter_power    load_power    daily_export_energy    total_export_energy
...                         daily_import_energy    total_import_energy
# What SunGather's transports report: a stopped mock (nothing listens), the mock's refuse fault
# (it accepts the TCP connection and resets it at once) and an unanswered request.
${REFUSED}                  *Connection refused*
${RESET}                    *Connection reset by peer*
${SILENT}                   *No Response received from the remote unit*


*** Test Cases ***
Test Connection Succeeds
    [Documentation]    The charm's ``test-connection`` over each connection type: SunGather connects,
    ...    detects the inverter and collects one cycle with nothing in its output saying "error".
    [Template]    Test Connection Should Succeed
    modbus     SH10RT
    sungrow    SG10RT
    http       SH10RT

Get Inverter Info Returns The Mock's Model And Serial
    [Template]    Inverter Info Should Be Detected
    modbus     SG10RT     TSG0000011
    sungrow    SH10RT     TSH0000012
    http       SG5.0RS    TSG0000013

Run Once Returns A Full Collection Equal To The Mock's Registers
    [Documentation]    Every register SunGather selects is collected and decodes to the mock's value.
    [Template]    Run Once Should Collect The Mock's Values
    modbus     SH10RT
    sungrow    SG10RT
    http       SH10RT

Test Connection Fails When The Mock Is Stopped
    [Template]    Test Connection Should Fail Once The Mock Is Stopped
    modbus
    sungrow
    http

Test Connection Fails While A Fault Makes The Inverter Unreachable
    [Documentation]    ``refuse``: every new connection is reset; ``no_response``: requests are read
    ...    and never answered (SunGather's 10 s per request is cut to 0.5 s). Once the fault is
    ...    cleared, the same deployment connects again (checked for two of the rows).
    [Template]    Test Connection Should Fail While Faulted
    refuse         modbus     ${RESET}     recovers=${True}
    refuse         http       ${RESET}
    no_response    modbus     ${SILENT}
    no_response    sungrow    ${SILENT}    recovers=${True}

Every Action Fails With A Clear Message While The Inverter Refuses Connections
    [Documentation]    The mock's ``refuse`` fault resets every new connection.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    Inject Fault    refuse    door=modbus
    VAR    ${where} =    the inverter at ${options}[inverter-host]:${options}[inverter-port] over 'modbus'
    Workload Action Should Fail    get-inverter-info
    ...    Failed to get inverter info: no answer to model/serial detection from ${where}: ${RESET}
    ${result} =    Workload Action Should Fail    run-once    Failed to run sungather: no data collected from ${where}: ${RESET}
    Dictionary Should Not Contain Key    ${result}    collection

Changing The Connection Type And Redeploying Keeps Working
    [Documentation]    One hybrid with every door open: modbus, then http, then sungrow. Each redeploy
    ...    reads the same values; only in sungrow mode the over-long hybrid range is missing.
    Start Mock With Standard WiNet Ports    SH10RT    serial=TSH0000021
    Set Inverter Value    daily_power_yields    21.7
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    ${modbus} =    Run Workload Action    run-once
    Collection Should Be Complete    ${modbus}
    Collection Should Match Mock    ${modbus}    @{SH_VALUES}

    ${options} =    Charm Options For Mock    http
    ${deployment} =    Reconfigure Workload    &{options}
    Should Be Equal As Integers    ${deployment}[revision]    2
    ${config} =    Get Workload Config
    Should Be Equal    ${config}[inverter][connection]    http
    Should Be Equal As Integers    ${config}[inverter][port]    8082
    ${http} =    Run Workload Action    run-once
    Should Be Equal    ${http}[connection]    http
    Should Be Equal    ${http}[serial]    TSH0000021
    Collection Should Be Complete    ${http}
    Collection Should Match Mock    ${http}    @{SH_VALUES}
    Lists Should Be Equal    ${http}[scan_ranges]    ${modbus}[scan_ranges]

    ${options} =    Charm Options For Mock    sungrow
    Reconfigure Workload    &{options}
    ${sungrow} =    Run Workload Action    run-once
    Should Be Equal    ${sungrow}[connection]    sungrow
    Should Be Equal As Numbers    ${sungrow}[collection][daily_power_yields]    21.7
    Collection Should Be Complete    ${sungrow}    missing_from=13000    missing_to=13124
    ${failed} =    Evaluate    [f['range'] for f in $sungrow['failed_ranges']]
    Should Be Equal    ${failed}    ${{ ['read 12999x125'] }}
    Dictionary Should Not Contain Key    ${sungrow}[collection]    battery_level
    Collection Should Match Mock    ${sungrow}    daily_power_yields    internal_temperature    phase_a_voltage

Raising The Level Returns More Registers
    Start Mock Sungrow    SH10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    ${level_1} =    Run Workload Action    run-once
    Dictionary Should Not Contain Key    ${level_1}[collection]    mppt_1_voltage
    Reconfigure Workload    level=2
    ${config} =    Get Workload Config
    Should Be Equal As Integers    ${config}[inverter][level]    2
    ${level_2} =    Run Workload Action    run-once
    Should Be True    ${level_2}[values] > ${level_1}[values] + 20
    ...    level 2 collected ${level_2}[values] values, level 1 ${level_1}[values]
    List Should Contain Sub List    ${level_2}[scan_ranges]    ${level_1}[scan_ranges]
    Collection Should Be Complete    ${level_2}
    Collection Should Match Mock    ${level_2}    @{SH_VALUES}    @{SH_LEVEL_2_VALUES}

Enabling The Smart Meter Adds The Meter Values
    [Documentation]    On a string inverter SunGather reads the meter registers only with
    ...    ``smart-meter=true``, and then derives the grid export from ``meter_power``; the daily
    ...    export it integrates over one ``scan-interval`` (2.5 kW for 360 s = 0.25 kWh).
    Start Mock Sungrow    SG10RT    doors=modbus
    Set Inverter Value    meter_power    -2500
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    ${without} =    Run Workload Action    run-once
    FOR    ${name}    IN    @{METER_REGISTERS}
        Dictionary Should Not Contain Key    ${without}[collection]    ${name}
    END
    Should Be Equal As Numbers    ${without}[collection][export_to_grid]    0
    Reconfigure Workload    smart-meter=true    scan-interval=360
    ${config} =    Get Workload Config
    Should Be True    ${config}[inverter][smart_meter]
    Should Be Equal As Integers    ${config}[inverter][scan_interval]    360
    ${with} =    Run Workload Action    run-once
    Collection Should Be Complete    ${with}
    Collection Should Match Mock    ${with}    @{SG_VALUES}    @{SG_METER_VALUES}
    Should Be Equal As Numbers    ${with}[collection][meter_power]    -2500
    Should Be Equal As Numbers    ${with}[collection][export_to_grid]    2500
    Should Be Equal As Numbers    ${with}[collection][import_from_grid]    0
    Should Be Equal As Numbers    ${with}[collection][daily_export_to_grid]    0.25
    Should Be True    ${with}[values] > ${without}[values]

A Configuration The Charm Would Block Is Refused And The Workload Keeps Its Config
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    Run Keyword And Expect Error
    ...    The charm would be blocked: Config error: invalid connection-type 'serial': use 'juju config sungather connection-type=modbus' (or sungrow/http)
    ...    Reconfigure Workload    connection-type=serial
    Run Keyword And Expect Error    The charm would be blocked: Config error: invalid level 0:*
    ...    Reconfigure Workload    level=0
    Run Keyword And Expect Error    The charm would be blocked: Config error: mqtt-host required when MQTT enabled:*
    ...    Reconfigure Workload    enable-mqtt=true
    Run Keyword And Expect Error    *unknown charm option(s) 'scan_interval' (did you mean 'scan-interval'?)*
    ...    Reconfigure Workload    scan_interval=10
    Run Keyword And Expect Error    *option 'level' expects an int, got 'two'*
    ...    Reconfigure Workload    level=two
    Run Keyword And Expect Error    The charm would be blocked: Config error: missing inverter-host:*
    ...    Reconfigure Workload    inverter-host=${None}
    ${deployment} =    Current Workload Deployment
    Should Be Equal As Integers    ${deployment}[revision]    1
    ${result} =    Run Workload Action    test-connection
    Should Be Equal    ${result}[status]    success

The Rendered config.yaml Is The Charm's
    [Documentation]    Option names, defaults and export sections as the charm renders them
    ...    (``yaml.dump``, keys sorted); ``log-level`` does not reach config.yaml.
    ${path} =    Render SunGather Config    inverter-host=192.0.2.7
    ${text} =    Get File    ${path}
    ${expected} =    Catenate    SEPARATOR=\n
    ...    exports:
    ...    - enabled: true
    ...    ${SPACE}${SPACE}name: webserver
    ...    ${SPACE}${SPACE}port: 8080
    ...    inverter:
    ...    ${SPACE}${SPACE}connection: modbus
    ...    ${SPACE}${SPACE}host: 192.0.2.7
    ...    ${SPACE}${SPACE}level: 1
    ...    ${SPACE}${SPACE}port: 502
    ...    ${SPACE}${SPACE}scan_interval: 30
    ...    ${SPACE}${SPACE}smart_meter: false
    ...    ${EMPTY}
    Should Be Equal    ${text}    ${expected}
    Deploy SunGather Workload    inverter-host=192.0.2.7    inverter-port=1502    connection-type=sungrow
    ...    inverter-model=SH10RT    scan-interval=10    level=3    smart-meter=true    enable-webserver=false
    ...    enable-mqtt=true    mqtt-host=broker    mqtt-homeassistant=true    enable-influxdb=true
    ...    influxdb-host=influx    influxdb-version=1    pvoutput-enabled=true    log-level=DEBUG
    ${config} =    Get Workload Config
    VAR    &{inverter} =    host=192.0.2.7    port=${1502}    connection=sungrow    model=SH10RT
    ...    scan_interval=${10}    level=${3}    smart_meter=${True}
    Dictionaries Should Be Equal    ${config}[inverter]    ${inverter}
    VAR    &{mqtt} =    name=mqtt    enabled=${True}    host=broker    port=${1883}    topic=sungather
    ...    homeassistant=${True}
    VAR    &{influxdb} =    name=influxdb    enabled=${True}    host=influx    port=${8086}    database=sungather
    ...    version=${1}
    VAR    &{pvoutput} =    name=pvoutput    enabled=${True}
    VAR    @{exports} =    ${mqtt}    ${influxdb}    ${pvoutput}
    Should Be Equal    ${config}[exports]    ${exports}


*** Keywords ***
Start Mock For Connection
    [Documentation]    Starts a mock with just the door ``connection_type`` needs (WiNet on the standard ports for http).
    [Arguments]    ${connection_type}    ${model}    &{options}
    IF    $connection_type == 'http'
        Start Mock With Standard WiNet Ports    ${model}    doors=winet    &{options}
    ELSE
        ${door} =    Set Variable If    $connection_type == 'sungrow'    encrypted    modbus
        Start Mock Sungrow    ${model}    doors=${door}    &{options}
    END

Deploy Against The Mock
    [Documentation]    Deploys the workload pointed at the current mock's door for ``connection_type``; returns the charm options.
    [Arguments]    ${connection_type}    &{options}
    ${charm} =    Charm Options For Mock    ${connection_type}    &{options}
    Deploy SunGather Workload    &{charm}
    RETURN    ${charm}

Test Connection Should Succeed
    [Documentation]    Deploys against ``model`` over ``connection_type`` and checks that
    ...    test-connection succeeds and reads the mock.
    [Arguments]    ${connection_type}    ${model}
    Start Mock For Connection    ${connection_type}    ${model}
    Deploy Against The Mock    ${connection_type}
    ${result} =    Run Workload Action    test-connection
    Should Be Equal    ${result}[status]    success
    Should Be Equal    ${result}[message]    Successfully connected to inverter and collected data
    Should Be Equal    ${result}[connection]    ${connection_type}
    Should Be Equal    ${result}[model]    ${model}
    Register Should Have Been Read    device_type_code

Inverter Info Should Be Detected
    [Documentation]    Deploys against ``model`` over ``connection_type`` and checks the
    ...    model and serial get-inverter-info detects.
    [Arguments]    ${connection_type}    ${model}    ${serial}
    Start Mock For Connection    ${connection_type}    ${model}    serial=${serial}
    Deploy Against The Mock    ${connection_type}
    ${result} =    Run Workload Action    get-inverter-info
    Should Be Equal    ${result}[model]    ${model}
    Should Be Equal    ${result}[serial]    ${serial}
    Should Be Equal    ${result}[model_source]    detected
    Should Be Equal    ${result}[status]    Configuration loaded
    ${deployment} =    Current Workload Deployment
    Should Be Equal    ${result}[config-path]    ${deployment}[config]
    Should Contain    ${result}[message]    ${model}, serial ${serial}

Run Once Should Collect The Mock's Values
    [Documentation]    Deploys against ``model`` over ``connection_type`` and checks
    ...    that run-once collects the mock's values.
    [Arguments]    ${connection_type}    ${model}
    Start Mock For Connection    ${connection_type}    ${model}
    Set Inverter Value    daily_power_yields    12.3
    Deploy Against The Mock    ${connection_type}
    ${result} =    Run Workload Action    run-once
    Should Be Equal    ${result}[collection][device_type_code]    ${model}
    Should Be Equal As Numbers    ${result}[collection][daily_power_yields]    12.3
    Should Be Equal    ${result}[error]    ${EMPTY}
    Should Match    ${result}[output]    Collected ${result}[values] values from ${model} * over '${connection_type}' *
    Collection Should Be Complete    ${result}
    ${family} =    Evaluate    $model[:2]
    Collection Should Match Mock    ${result}    @{${family}_VALUES}
    IF    $family == 'SH'
        # SunGather does not scale the hybrids' total yield (0.1 kWh) and reports it in tenths
        ${total} =    Get Inverter Value    total_power_yields
        Should Be Equal As Numbers    ${result}[collection][total_power_yields]    ${total * 10}
    END

Test Connection Should Fail Once The Mock Is Stopped
    [Documentation]    Deploys over ``connection_type``, stops the mock and checks test-connection's refused message.
    [Arguments]    ${connection_type}
    Start Mock For Connection    ${connection_type}    SG10RT
    ${charm} =    Deploy Against The Mock    ${connection_type}
    Stop Mock Sungrow
    VAR    ${host} =    ${charm}[inverter-host]
    ${where} =    Set Variable If    $connection_type == 'http'
    ...    ${host} (WiNet-S: WebSocket port 8082, HTTP port 80)    ${host}:${charm}[inverter-port]
    ${result} =    Workload Action Should Fail    test-connection
    ...    Connection test failed: no data collected from the inverter at ${where} over '${connection_type}': ${REFUSED}
    Should Be Equal    ${result}[connection]    ${connection_type}

Test Connection Should Fail While Faulted
    [Documentation]    Injects ``kind`` on the door of ``connection_type``, checks that test-connection fails with
    ...    ``pattern`` and, when ``recovers``, passes once the fault is cleared.
    [Arguments]    ${kind}    ${connection_type}    ${pattern}    ${recovers}=${False}
    Start Mock For Connection    ${connection_type}    SG10RT
    Deploy Against The Mock    ${connection_type}
    ${door} =    Evaluate    {'modbus': 'modbus', 'sungrow': 'encrypted', 'http': 'winet'}[$connection_type]
    ${id} =    Inject Fault    ${kind}    door=${door}
    Workload Action Should Fail    test-connection    Connection test failed: ${pattern}    request_timeout=0.5
    Fault Should Have Triggered    ${id}
    IF    ${recovers}
        Clear Faults
        ${result} =    Run Workload Action    test-connection
        Should Be Equal    ${result}[status]    success
    END
