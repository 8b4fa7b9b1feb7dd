*** Settings ***
Documentation       The SunGather workload deployed as the sungather-k8s charm configures it, against the mock, with the charm's action results.
...
...                 Each test renders SunGather's config.yaml from the charm's options (the charm's
...                 mapping and validation) and runs the charm's actions (``test-connection``,
...                 ``get-inverter-info``, ``run-once``) over each of SunGather's connection types:
...                 ``modbus`` (the mock's plain Modbus door), ``sungrow`` (its encrypted door) and
...                 ``http`` (its WiNet-S door on the standard ports 8082 and 80). The results are
...                 asserted as a real deployment shows them (``shared/reference/CHARM.md``):
...                 ``get-inverter-info`` never contacts the inverter; ``run-once`` completes when
...                 the collection fails; ``test-connection`` reports ``failed`` when "error" is in
...                 the output, which with the charm's default ``enable-webserver=true`` is the
...                 case on a healthy deployment (the tests that expect ``success`` deploy with
...                 ``enable-webserver=false``, the workaround).
...
...                 What SunGather collected is the emulation's view (`Get Last Workload Run`): it is
...                 compared with the mock (frozen clock, see ``clients.resource``) through the
...                 project's register file ``atest/resources/registers-sungrow.yaml``, not
...                 SunGather's own, so those comparisons check the mock and SungrowClient, not
...                 what a real deployment's exports publish. In ``sungrow`` mode the hybrid range
...                 input 13000-13124 cannot be carried (see ``atest/encrypted/sungrowclient.robot``).
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
# The charm's results (shared/reference/CHARM.md).
&{TEST_SUCCESS}             status=success    message=Successfully connected to inverter and collected data
&{INFO_RESULTS}             status=Configuration loaded    config-path=/config/config.yaml
...                         message=Inverter auto-detection happens on first data collection


*** Test Cases ***
Test Connection Succeeds With The Webserver Disabled
    [Documentation]    The charm's ``test-connection`` over each connection type with
    ...    ``enable-webserver=false``: exactly the charm's success result.
    [Template]    Test Connection Should Succeed
    modbus     SH10RT
    sungrow    SG10RT
    http       SH10RT

Test Connection Fails On A Healthy Deployment With The Charm's Default Webserver
    [Documentation]    With ``enable-webserver=true`` (the default) the ``--runonce`` process cannot
    ...    bind the webserver port the running service holds and logs it at ERROR, so the charm
    ...    reports ``failed``; ``enable-webserver=false`` is the workaround.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    ${config} =    Get Workload Config
    Should Be Equal    ${config}[exports][0][name]    webserver
    ${results} =    Run Workload Action    test-connection
    VAR    &{failed} =    status=failed    message=Connection test failed - check logs for details    output=${EMPTY}
    Dictionaries Should Be Equal    ${results}    ${failed}
    ${run} =    Get Last Workload Run
    Should Contain    ${run}[stderr]    Address already in use
    Collection Should Be Complete    ${run}
    Reconfigure Workload    enable-webserver=false
    ${results} =    Run Workload Action    test-connection
    Dictionaries Should Be Equal    ${results}    ${TEST_SUCCESS}

Test Connection Fails With The MQTT Home Assistant Option
    [Documentation]    ``mqtt-homeassistant=true`` renders ``homeassistant: True`` without ``ha_sensors``:
    ...    SunGather's MQTT export fails to load (an ERROR line), so the charm reports ``failed``.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus    enable-webserver=false    enable-mqtt=true
    ...    mqtt-host=127.0.0.1    mqtt-homeassistant=true
    Deploy SunGather Workload    &{options}
    ${results} =    Run Workload Action    test-connection
    Should Be Equal    ${results}[status]    failed
    Should Be Equal    ${results}[message]    Connection test failed - check logs for details
    Reconfigure Workload    mqtt-homeassistant=false
    ${results} =    Run Workload Action    test-connection
    Dictionaries Should Be Equal    ${results}    ${TEST_SUCCESS}

Get Inverter Info Never Contacts The Inverter
    [Documentation]    The charm's ``get-inverter-info`` returns its three fixed keys, with the
    ...    inverter up or gone: no model, no serial.
    [Template]    Inverter Info Should Be The Charm's
    modbus
    sungrow
    http

The Workload Runs As The Charm Execs It
    [Documentation]    The emulated exec is the charm's: command, working directory, environment and
    ...    timeout per action; get-inverter-info executes nothing.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    VAR    @{command} =    /usr/bin/python3.10    sungather.py    -c    /config/config.yaml    --runonce
    FOR    ${action}    ${timeout}    IN    run-once    ${60}    test-connection    ${30}
        Run Workload Action    ${action}
        ${run} =    Get Last Workload Run
        Lists Should Be Equal    ${run}[exec][command]    ${command}
        Should Be Equal    ${run}[exec][working_dir]    /opt/sungather/SunGather
        Should Be Equal    ${run}[exec][environment][PYTHONPATH]    /opt/sungather-lib
        Should Be Equal As Numbers    ${run}[exec][timeout]    ${timeout}
        Should Be Equal    ${run}[stdout]    ${EMPTY}
    END
    Run Workload Action    get-inverter-info
    ${run} =    Get Last Workload Run
    Should Be Equal    ${run}[exec]    ${None}

Run Once Returns The Charm's Keys And Collects The Mock's Values
    [Documentation]    ``run-once`` returns ``output`` (stdout, empty) and ``error`` (stderr). What
    ...    SunGather collected (the emulation's view) decodes to the mock's values.
    [Template]    Run Once Should Collect The Mock's Values
    modbus     SH10RT
    sungrow    SG10RT
    http       SH10RT

Test Connection Completes Once The Mock Is Stopped
    [Documentation]    Its status follows the charm's rule (the word "error" in the output), not
    ...    whether anything was collected.
    [Template]    Test Connection Should Fail Once The Mock Is Stopped
    modbus
    sungrow
    http

Test Connection Completes While A Fault Makes The Inverter Unreachable
    [Documentation]    ``refuse``: every new connection is reset; ``no_response``: requests are read
    ...    and never answered (SunGather's 10 s per request is cut to 0.5 s). The status follows
    ...    the charm's rule (the word "error" in the output). Once the fault is cleared, the same deployment
    ...    connects again (checked for two of the rows).
    [Template]    Test Connection Should Fail While Faulted
    refuse         modbus     recovers=${True}
    refuse         http
    no_response    modbus
    no_response    sungrow    recovers=${True}

Every Action Completes While The Inverter Refuses Connections
    [Documentation]    The mock's ``refuse`` fault resets every new connection. SunGather logs "Data
    ...    collection failed" and exits 0: ``run-once`` completes; ``test-connection`` completes
    ...    with the charm's rule; ``get-inverter-info`` does not contact the inverter.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus    enable-webserver=false
    Deploy SunGather Workload    &{options}
    Inject Fault    refuse    door=modbus
    ${results} =    Run Workload Action    run-once
    Lists Should Be Equal    ${{ sorted($results) }}    ${{ ['error', 'output'] }}
    Should Be Equal    ${results}[output]    ${EMPTY}
    Should Contain    ${results}[error]    Data collection failed, skipped exporting data
    ${run} =    Get Last Workload Run
    Should Be Equal As Integers    ${run}[exit_code]    0
    Should Be Empty    ${run}[collection]
    ${results} =    Run Workload Action    test-connection
    Test Connection Should Follow The Charm's Rule    ${results}
    ${results} =    Run Workload Action    get-inverter-info
    Dictionaries Should Be Equal    ${results}    ${INFO_RESULTS}

A Workload That Overruns The Exec Timeout
    [Documentation]    A silent inverter (SunGather: 10 s per request, 3 retries) overruns the charm's
    ...    exec timeout (30 s; cut to 1 s here): ``run-once`` fails with the charm's message and
    ...    ``test-connection`` reports the exec error through its results.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus    enable-webserver=false
    Deploy SunGather Workload    &{options}
    Inject Fault    no_response    door=modbus
    Workload Action Should Fail    run-once    Failed to run sungather: timed out after 1 s *
    ...    request_timeout=3    exec_timeout=1
    ${results} =    Run Workload Action    test-connection    request_timeout=3    exec_timeout=1
    Should Be Equal    ${results}[status]    failed
    Should Match    ${results}[message]    Connection test failed: timed out after 1 s *

Changing The Connection Type And Redeploying Keeps Working
    [Documentation]    One hybrid with every door open: modbus, then http, then sungrow. Each redeploy
    ...    reads the same values; only in sungrow mode the over-long hybrid range is missing.
    Start Mock With Standard WiNet Ports    SH10RT    serial=TSH0000021
    Set Inverter Value    daily_power_yields    21.7
    ${options} =    Charm Options For Mock    modbus    enable-webserver=false
    Deploy SunGather Workload    &{options}
    ${modbus} =    Run Once And Get The Run
    Collection Should Be Complete    ${modbus}
    Collection Should Match Mock    ${modbus}    @{SH_VALUES}

    ${options} =    Charm Options For Mock    http
    ${deployment} =    Reconfigure Workload    &{options}
    Should Be Equal As Integers    ${deployment}[revision]    2
    ${config} =    Get Workload Config
    Should Be Equal    ${config}[inverter][connection]    http
    Should Be Equal As Integers    ${config}[inverter][port]    8082
    ${http} =    Run Once And Get The Run
    Should Be Equal    ${http}[connection]    http
    Should Be Equal    ${http}[serial]    TSH0000021
    Collection Should Be Complete    ${http}
    Collection Should Match Mock    ${http}    @{SH_VALUES}
    Lists Should Be Equal    ${http}[scan_ranges]    ${modbus}[scan_ranges]

    ${options} =    Charm Options For Mock    sungrow
    Reconfigure Workload    &{options}
    ${sungrow} =    Run Once And Get The Run
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
    ${level_1} =    Run Once And Get The Run
    Dictionary Should Not Contain Key    ${level_1}[collection]    mppt_1_voltage
    Reconfigure Workload    level=2
    ${config} =    Get Workload Config
    Should Be Equal As Integers    ${config}[inverter][level]    2
    ${level_2} =    Run Once And Get The Run
    Should Be True    ${level_2}[values] > ${level_1}[values] + 20
    ...    level 2 collected ${level_2}[values] values, level 1 ${level_1}[values]
    List Should Contain Sub List    ${level_2}[scan_ranges]    ${level_1}[scan_ranges]
    Collection Should Be Complete    ${level_2}
    Collection Should Match Mock    ${level_2}    @{SH_VALUES}    @{SH_LEVEL_2_VALUES}

Enabling The Smart Meter Adds The Meter Registers
    [Documentation]    On a string inverter SunGather reads the meter registers only with
    ...    ``smart-meter=true``. The register names are those of the project's register file; the
    ...    export counters SunGather derives are not asserted (they depend on SunGather's own
    ...    register file).
    Start Mock Sungrow    SG10RT    doors=modbus
    Set Inverter Value    meter_power    -2500
    ${options} =    Charm Options For Mock    modbus
    Deploy SunGather Workload    &{options}
    ${without} =    Run Once And Get The Run
    FOR    ${name}    IN    @{METER_REGISTERS}
        Dictionary Should Not Contain Key    ${without}[collection]    ${name}
    END
    Reconfigure Workload    smart-meter=true    scan-interval=360
    ${config} =    Get Workload Config
    Should Be True    ${config}[inverter][smart_meter]
    Should Be Equal As Integers    ${config}[inverter][scan_interval]    360
    ${with} =    Run Once And Get The Run
    Collection Should Be Complete    ${with}
    Collection Should Match Mock    ${with}    @{SG_VALUES}    @{SG_METER_VALUES}
    Should Be True    ${with}[values] > ${without}[values]

A Configuration The Charm Would Block Fails With The Charm's Blocked Message
    [Documentation]    The deployment keywords fail with exactly the charm's Blocked status
    ...    message, ``Config error: <first error>``; the workload keeps its config.
    Start Mock Sungrow    SG10RT    doors=modbus
    ${options} =    Charm Options For Mock    modbus    enable-webserver=false
    Deploy SunGather Workload    &{options}
    Run Keyword And Expect Error
    ...    Config error: invalid connection-type 'serial': use 'juju config sungather connection-type=modbus' (or sungrow/http)
    ...    Reconfigure Workload    connection-type=serial
    Run Keyword And Expect Error
    ...    Config error: invalid level 0: use 'juju config sungather level=1' (1=essential, 2=complete, 3=all)
    ...    Reconfigure Workload    level=0
    VAR    ${mqtt} =    mqtt-host required when MQTT enabled: set with 'juju config sungather mqtt-host=<hostname>'
    Run Keyword And Expect Error
    ...    Config error: ${mqtt} or disable with 'juju config sungather enable-mqtt=false'
    ...    Reconfigure Workload    enable-mqtt=true
    Run Keyword And Expect Error
    ...    Config error: invalid level 7: use 'juju config sungather level=1' (1=essential, 2=complete, 3=all)
    ...    Reconfigure Workload    log-level=TRACE    level=7
    Run Keyword And Expect Error    *unknown charm option(s) 'scan_interval' (did you mean 'scan-interval'?)*
    ...    Reconfigure Workload    scan_interval=10
    Run Keyword And Expect Error    *option 'level' expects an int, got 'two'*
    ...    Reconfigure Workload    level=two
    Run Keyword And Expect Error
    ...    Config error: missing inverter-host: set with 'juju config sungather inverter-host=<ip-address>'
    ...    Deploy SunGather Workload    connection-type=modbus
    ${deployment} =    Current Workload Deployment
    Should Be Equal As Integers    ${deployment}[revision]    1
    ${results} =    Run Workload Action    test-connection
    Dictionaries Should Be Equal    ${results}    ${TEST_SUCCESS}

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

Run Once And Get The Run
    [Documentation]    Runs ``run-once``, checks it has the charm's result keys, and returns the emulation's view of the run.
    ${results} =    Run Workload Action    run-once
    Lists Should Be Equal    ${{ sorted($results) }}    ${{ ['error', 'output'] }}
    Should Be Equal    ${results}[output]    ${EMPTY}
    ${run} =    Get Last Workload Run
    RETURN    ${run}

Test Connection Should Succeed
    [Documentation]    Deploys against ``model`` over ``connection_type`` with the webserver disabled and
    ...    checks that test-connection returns exactly the charm's success result.
    [Arguments]    ${connection_type}    ${model}
    Start Mock For Connection    ${connection_type}    ${model}
    Deploy Against The Mock    ${connection_type}    enable-webserver=false
    ${results} =    Run Workload Action    test-connection
    Dictionaries Should Be Equal    ${results}    ${TEST_SUCCESS}
    ${run} =    Get Last Workload Run
    Should Be Equal    ${run}[connection]    ${connection_type}
    Should Be Equal    ${run}[model]    ${model}
    Register Should Have Been Read    device_type_code

Inverter Info Should Be The Charm's
    [Documentation]    Deploys over ``connection_type``; get-inverter-info returns the charm's three
    ...    keys, with the mock up and once it is stopped.
    [Arguments]    ${connection_type}
    Start Mock For Connection    ${connection_type}    SG10RT
    Deploy Against The Mock    ${connection_type}
    ${results} =    Run Workload Action    get-inverter-info
    Dictionaries Should Be Equal    ${results}    ${INFO_RESULTS}
    Stop Mock Sungrow
    ${results} =    Run Workload Action    get-inverter-info
    Dictionaries Should Be Equal    ${results}    ${INFO_RESULTS}

Run Once Should Collect The Mock's Values
    [Documentation]    Deploys against ``model`` over ``connection_type`` and checks run-once's
    ...    results and that SunGather collected the mock's values (project register file).
    [Arguments]    ${connection_type}    ${model}
    Start Mock For Connection    ${connection_type}    ${model}
    Set Inverter Value    daily_power_yields    12.3
    Deploy Against The Mock    ${connection_type}
    ${run} =    Run Once And Get The Run
    Should Contain    ${run}[results][error]    Address already in use
    Should Be Equal    ${run}[collection][device_type_code]    ${model}
    Should Be Equal As Numbers    ${run}[collection][daily_power_yields]    12.3
    Collection Should Be Complete    ${run}
    ${family} =    Evaluate    $model[:2]
    Collection Should Match Mock    ${run}    @{${family}_VALUES}

Test Connection Should Fail Once The Mock Is Stopped
    [Documentation]    Deploys over ``connection_type``, stops the mock: test-connection completes and its
    ...    status follows the charm's rule (see `Test Connection Should Follow The Charm's Rule`).
    [Arguments]    ${connection_type}
    Start Mock For Connection    ${connection_type}    SG10RT
    Deploy Against The Mock    ${connection_type}    enable-webserver=false
    Stop Mock Sungrow
    ${results} =    Run Workload Action    test-connection
    ${run} =    Test Connection Should Follow The Charm's Rule    ${results}
    Should Be Equal    ${run}[connection]    ${connection_type}

Test Connection Should Follow The Charm's Rule
    [Documentation]    Checks a test-connection result against the charm's rule and returns the emulation's run.
    ...
    ...    The charm reports ``failed`` exactly when the word "error" (any case) is in the
    ...    workload's stdout or stderr, and ``success`` otherwise, also when nothing was
    ...    collected: SunGather logs an unanswered or resetting inverter largely as warnings,
    ...    so on a real deployment ``test-connection`` can report ``success`` against an
    ...    inverter that answered nothing. Here nothing may have been collected.
    [Arguments]    ${results}
    ${run} =    Get Last Workload Run
    Should Be Empty    ${run}[collection]
    ${says_error} =    Evaluate    'error' in ($run['stdout'] + $run['stderr']).lower()
    IF    ${says_error}
        VAR    &{expected} =    status=failed    message=Connection test failed - check logs for details
        ...    output=${EMPTY}
    ELSE
        VAR    &{expected} =    &{TEST_SUCCESS}
        Log    No "error" in the output although nothing was collected: the charm reports success.
    END
    Dictionaries Should Be Equal    ${results}    ${expected}
    RETURN    ${run}

Test Connection Should Fail While Faulted
    [Documentation]    Injects ``kind`` on the door of ``connection_type``, checks test-connection's result against
    ...    the charm's rule and, when ``recovers``, ``success`` once the fault is cleared.
    [Arguments]    ${kind}    ${connection_type}    ${recovers}=${False}
    Start Mock For Connection    ${connection_type}    SG10RT
    Deploy Against The Mock    ${connection_type}    enable-webserver=false
    ${door} =    Evaluate    {'modbus': 'modbus', 'sungrow': 'encrypted', 'http': 'winet'}[$connection_type]
    ${id} =    Inject Fault    ${kind}    door=${door}
    ${results} =    Run Workload Action    test-connection    request_timeout=0.5
    Test Connection Should Follow The Charm's Rule    ${results}
    Fault Should Have Triggered    ${id}
    IF    ${recovers}
        Clear Faults
        ${results} =    Run Workload Action    test-connection
        Dictionaries Should Be Equal    ${results}    ${TEST_SUCCESS}
    END
