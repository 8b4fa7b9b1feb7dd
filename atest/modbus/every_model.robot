*** Settings ***
Documentation       SunGather's engine (SungrowClient 0.1.0) detects every model of the catalogue.
...
...                 The suite setup starts one mock per model that ``sungrow-mock models --json``
...                 lists, all in this process on the frozen clock, and runs the SungrowClient driver
...                 once over all of them (``--each``, ${CONCURRENCY} at a time: SungrowClient waits
...                 3 s after its first connect) at level 2, as SunGather does: detect model and
...                 serial, close, reconnect, scrape. Then, per model:
...
...                 - a device type code SunGather's register file maps is detected under SunGather's
...                 name for it, which is the model's name or one it is also sold as;
...                 - a code SunGather does not map (the SH-T, RT-P2, CX-P2, HX and RS-L models, among
...                 others) leaves SunGather's model None, exactly as a real such inverter does; it then
...                 reads only the registers without a model list;
...                 - the serial is detected, and no scan range fails, except the statistics ranges
...                 SunGather reads from the SH-RS models it knows, which a real SH-RS lacks
...                 (PROTOCOLS 2.4) and refuses.
Resource            ../resources/clients.resource
Library             Process

Suite Setup         Start Every Model And Run SunGather Over Them

Test Tags           modbus    sungrowclient    catalogue


*** Variables ***
${CONCURRENCY}          64
${REGISTER_FILE}        ${CURDIR}${/}..${/}resources${/}registers-sungrow.yaml


*** Test Cases ***
SunGather Detects Every Model By Its Device Type Code
    [Documentation]    One check per catalogue model; a failure names the model.
    [Template]    SunGather Should Have Detected
    FOR    ${model}    IN    @{MODELS}
        ${model}
    END

SunGather Detects Each Code Its Register File Maps And No Other
    [Documentation]    The detection figure: how many models SunGather names, how many it leaves None.
    VAR    @{named} =    @{EMPTY}
    VAR    @{mapped} =    @{EMPTY}
    VAR    @{refusing} =    @{EMPTY}
    FOR    ${model}    IN    @{MODELS}
        VAR    ${run} =    ${RUNS}[${model}[model]]
        IF    $run['model'] is not None    Append To List    ${named}    ${model}[model]
        IF    $model['device_type_code'] in $SUNGATHER_NAMES    Append To List    ${mapped}    ${model}[model]
        IF    $run['scrapes'][0]['failed_ranges']    Append To List    ${refusing}    ${model}[model]
    END
    Lists Should Be Equal    ${named}    ${mapped}
    Length Should Be    ${named}    ${{ len($SUNGATHER_NAMES) }}
    ${figure} =    Catenate    ${{ len($MODELS) }} models x level 2: ${{ len($named) }} detected by SunGather's name,
    ...    ${{ len($MODELS) - len($named) }} as model None; scan ranges refused only on ${refusing}
    Log    ${figure}
    Set Test Message    ${figure}


*** Keywords ***
Start Every Model And Run SunGather Over Them
    [Documentation]    Starts one mock per catalogue model (alias = model name) and runs SungrowClient
    ...    over all of them at level 2; publishes ``${MODELS}`` (the rows of ``models --json``),
    ...    ``${RUNS}`` (model name: the driver's result for its mock) and ``${SUNGATHER_NAMES}``.
    ${listed} =    Run Process    ${{ sys.executable }}    -m    SungrowMockLibrary    models    --json
    ...    timeout=60s    on_timeout=kill
    Should Be Equal As Integers    ${listed.rc}    0    ${listed.stderr}
    ${models} =    Evaluate    json.loads($listed.stdout)    modules=json
    VAR    @{each} =    @{EMPTY}
    VAR    &{by_endpoint} =    &{EMPTY}
    FOR    ${model}    IN    @{models}
        Start Mock Sungrow    ${model}[model]    alias=${model}[model]    doors=modbus
        ${endpoint} =    Get Mock Sungrow Endpoint    modbus    alias=${model}[model]
        Append To List    ${each}    --each    ${endpoint}
        Set To Dictionary    ${by_endpoint}    ${endpoint}=${model}[model]
    END
    ${result} =    Run Client    sungrowclient    --level    2    --concurrency    ${CONCURRENCY}
    ...    --timeout    5    --guard    300    @{each}    timeout=360s
    ${runs} =    Evaluate    dict(zip(map($by_endpoint.__getitem__, $result['runs']), $result['runs'].values()))
    ${names} =    SunGather Model Names    ${REGISTER_FILE}
    VAR    @{MODELS} =    @{models}    scope=SUITE    # robocop: off=no-suite-variable
    VAR    &{RUNS} =    &{runs}    scope=SUITE    # robocop: off=no-suite-variable
    VAR    &{SUNGATHER_NAMES} =    &{names}    scope=SUITE    # robocop: off=no-suite-variable

SunGather Should Have Detected
    [Documentation]    Checks SungrowClient's run on the mock of ``model`` (a row of ``models --json``).
    [Arguments]    ${model}
    VAR    ${run} =    ${RUNS}[${model}[model]]
    ${expected} =    Evaluate    $SUNGATHER_NAMES.get($model['device_type_code'])
    Should Be Equal    ${run}[model]    ${expected}
    ...    ${model}[model] (0x${{ '%04X' % $model['device_type_code'] }}): SunGather detected ${run}[model]
    IF    $expected is not None
        Should Contain    ${{ [$model['model'], *$model['aliases']] }}    ${expected}
    END
    Should Be Equal    ${run}[serial]    ${model}[serial]
    VAR    @{lacking} =    @{EMPTY}
    IF    $model['family'] == 'SH-RS' and $expected is not None
        VAR    @{lacking} =    @{SH_RS_STATISTICS}
    END
    Only These Ranges Should Fail    ${run}    @{lacking}
