*** Settings ***
Documentation       Faults of the WiNet-S door as the real WiNet clients meet them: sungrow-websocket 0.2.2
...                 and python-intelbras-solar-local 0.2.0, unmodified, against a faulted mock.
...
...                 sungrow-websocket GETs ``/i18n/en_US.properties`` (aiohttp, port 80), then asks one
...                 WebSocket (the ``websockets`` library, no timeouts) for ``connect``, ``devicelist``,
...                 ``real``, ``real_battery`` and ``direct``, and silently returns what it has at the
...                 first reply that is not a success. python-intelbras-solar-local opens a new aiohttp
...                 WebSocket for every call (``connect`` first) with a 10 s budget; its ``status``
...                 swallows WiNet errors (Modbus values stay, ``datalogger`` is None, the driver reports
...                 the error as ``winet_errors``), its ``datalogger_info`` (HTTP ``/about/list``,
...                 ``/device/overview``) and ``grid_parameters`` (``devicelist``, HTTP
...                 ``/device/getParam``) raise. aiohttp retries an idempotent request (a GET, a
...                 WebSocket handshake) once when its connection is reset.
...
...                 Each test injects one fault, runs the client, and checks what the client reported,
...                 how often the fault fired, and the mock's journal of the WiNet requests, in order,
...                 as ``SERVICE -> REPLY [FAULT]``. Every kind is shown by these two clients, so
...                 SungrowClient (``sungrowclient_winet.robot``) is not needed here.
Resource            ../resources/clients.resource
Library             Collections
Library             ../resources/winetpoints.py

Test Tags           faults    winet


*** Variables ***
${SERIAL}           TIB0000042
${RUN_TIMEOUT}      30s
${GUARD}            25
${I18N}             /i18n/en_US.properties
${WS_PATH}          /ws/home/overview
${STATUS_FAILED}    WiNet datalogger read failed:


*** Test Cases ***
sungrow-websocket Fails When The Socket Closes Instead Of Answering real
    [Documentation]    The ``websockets`` library raises ConnectionClosedError with the 1011 close
    ...    frame's reason, so get_data() returns nothing; the client does not reconnect.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    ws_close    service=real    times=1
    ${result} =    Run Sungrow Websocket    expect_ok=${False}
    Should Start With    ${result}[error]    ConnectionClosedError: received 1011 (internal error) injected fault
    Should Not Contain    ${result}    data
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    ws_close    real    closed 1011
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> closed 1011 [ws_close]

intelbras Loses The Datalogger To A Closed Socket And Its Next Call Connects Again
    [Documentation]    ``async_get_status()`` swallows "WiNet fault: connection closed" and returns the
    ...    Modbus values without the datalogger; the next call opens a new WebSocket and gets it.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    ${id} =    Inject Fault    ws_close    service=fault    times=1
    ${result} =    Run Intelbras    --call    status    --call    status
    Should Be Equal    ${result}[winet_errors]    ${{ [$STATUS_FAILED + ' WiNet fault: connection closed'] }}
    Status Should Have The Datalogger    ${result}[status]
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    ws_close    fault    closed 1011
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> closed 1011 [ws_close]
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> ok
    ...    devicelist -> ok

sungrow-websocket Fails On A devicelist Reply Cut In Half
    [Documentation]    ``json.loads`` of the truncated reply raises JSONDecodeError out of get_data(); the
    ...    client asks nothing more.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    malformed_json    service=devicelist    times=1
    ${result} =    Run Sungrow Websocket    expect_ok=${False}
    Should Start With    ${result}[error]    JSONDecodeError:
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    malformed_json    devicelist    malformed json
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> malformed json [malformed_json]

intelbras Datalogger Info Fails On An HTTP Reply Cut In Half
    [Documentation]    ``async_get_datalogger_info()`` raises IntelbrasSolarProtocolError "bad JSON" for
    ...    ``/about/list`` and never asks for ``/device/overview``.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    malformed_json    service=/about/list    times=1
    ${result} =    Run Intelbras    --call    datalogger_info    expect_ok=${False}
    Should Be Equal    ${result}[error]    IntelbrasSolarProtocolError: WiNet /about/list: bad JSON
    Should Not Contain    ${result}    datalogger_info
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    malformed_json    /about/list    malformed json
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    /about/list -> malformed json [malformed_json]

sungrow-websocket Silently Returns Only The real Points When real_battery Demands A Login
    [Documentation]    The 401 on ``real_battery`` ends get_data() without an error: the client returns
    ...    the ``real`` points (with the mock's values) and lacks the battery and ``direct`` ones.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    Set Inverter Value    daily_power_yields    17.6
    ${id} =    Inject Fault    login_required    service=real_battery    times=1
    ${result} =    Run Sungrow Websocket
    Data Points Should Come From    ${result}[data]    real
    Should Be Equal    ${result}[data][daily_power_yield][value]    17.6
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    login_required    real_battery    result_code 401
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> result_code 401 [login_required]

intelbras Grid Parameters Fail When getParam Demands A Login
    [Documentation]    ``async_get_grid_parameters()`` raises IntelbrasSolarProtocolError with the
    ...    dongle's message I18N_COMMON_INTER_ABNORMAL; it has no login to offer.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    login_required    service=/device/getParam    times=1
    ${result} =    Run Intelbras    --call    grid_parameters    expect_ok=${False}
    Should Be Equal    ${result}[error]
    ...    IntelbrasSolarProtocolError: WiNet /device/getParam: I18N_COMMON_INTER_ABNORMAL
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    login_required    /device/getParam    result_code 401
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    devicelist -> ok
    ...    /device/getParam -> result_code 401 [login_required]

sungrow-websocket Misses The direct Points On 106 And Reads Them On Its Next Poll
    [Documentation]    106 on ``direct`` silently ends get_data() with the ``real`` and ``real_battery``
    ...    points; the next get_data() connects again, gets a new token and reads everything.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    result_code    code=106    service=direct    times=1
    ${first} =    Run Sungrow Websocket
    Data Points Should Come From    ${first}[data]    real    real_battery
    ${second} =    Run Sungrow Websocket
    Data Points Should Come From    ${second}[data]    real    real_battery    direct
    Sungrow Websocket Data Should Match The Mock    ${second}[data]    SH
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    result_code    direct    result_code 106
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> ok
    ...    direct -> result_code 106 [result_code]
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> ok
    ...    direct -> ok

intelbras Loses The Datalogger To 106 And Its Next Call Connects Again
    [Documentation]    ``async_get_status()`` swallows "WiNet devicelist: I18N_COMMON_TOKEN_INVALID"; the
    ...    next call opens a new WebSocket, connects for a new token and gets the datalogger.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    ${id} =    Inject Fault    result_code    code=106    service=devicelist    times=1
    ${result} =    Run Intelbras    --call    status    --call    status
    Should Be Equal    ${result}[winet_errors]
    ...    ${{ [$STATUS_FAILED + ' WiNet devicelist: I18N_COMMON_TOKEN_INVALID'] }}
    Status Should Have The Datalogger    ${result}[status]
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    result_code    devicelist    result_code 106
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> ok
    ...    devicelist -> result_code 106 [result_code]
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> ok
    ...    devicelist -> ok

sungrow-websocket Survives One Server Error On The Properties File
    [Documentation]    After a non-200 for its locale the client asks for ``en_US.properties`` again
    ...    (the same file here), gets it and reads every data point, translated.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    http_error    status=503    service=${I18N}    times=1
    ${result} =    Run Sungrow Websocket
    Should Be True    ${result}[strings] > 0    the client kept no translations: ${result}[strings]
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    http_error    ${I18N}    http 503
    WiNet Traffic Should Be
    ...    ${I18N} -> http 503 [http_error]
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> ok
    ...    direct -> ok

sungrow-websocket Gives Up When The Properties File Fails Twice
    [Documentation]    With its fallback failing too the client raises "Unable to get locale" and never
    ...    opens the WebSocket.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    http_error    status=503    service=${I18N}    times=2
    ${result} =    Run Sungrow Websocket    expect_ok=${False}
    Should Be Equal    ${result}[error]    Exception: Unable to get locale
    Fault Should Have Triggered    ${id}    times=2
    Faulted Requests Should Be    http_error    ${I18N}    http 503    count=2
    WiNet Traffic Should Be
    ...    ${I18N} -> http 503 [http_error]
    ...    ${I18N} -> http 503 [http_error]

intelbras Reads A Server Error's Text As Bad JSON
    [Documentation]    The client does not look at the HTTP status: it parses the 500 page's text body
    ...    as JSON and raises IntelbrasSolarProtocolError "bad JSON".
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    http_error    status=500    service=/about/list    times=1
    ${result} =    Run Intelbras    --call    datalogger_info    expect_ok=${False}
    Should Be Equal    ${result}[error]    IntelbrasSolarProtocolError: WiNet /about/list: bad JSON
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    http_error    /about/list    http 500
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    /about/list -> http 500 [http_error]

sungrow-websocket Waits Out A Slow real Reply
    [Documentation]    The client has no timeout: it waits the 2 s for ``real`` and reads every data point.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    delay    delay=2s    service=real    times=1
    ${result} =    Run Sungrow Websocket
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH
    Fault Should Have Triggered    ${id}    times=1
    ${delayed} =    Faulted Requests Should Be    delay    real    ok
    Should Be True    ${delayed}[0][latency_ms] >= 2000    ${delayed}
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok [delay]
    ...    real_battery -> ok
    ...    direct -> ok

intelbras Gives Up On The Datalogger After Its 10 Second Budget
    [Documentation]    ``state`` held back 11 s outlasts the client's 10 s WiNet timeout: ``status``
    ...    swallows the TimeoutError and returns the Modbus values; the late reply finds the socket gone.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    ${id} =    Inject Fault    delay    delay=11s    service=state    times=1
    ${result} =    Run Intelbras    --call    status
    Length Should Be    ${result}[winet_errors]    1
    Should Match    ${result}[winet_errors][0]    ${STATUS_FAILED} WiNet ws://*:8082${WS_PATH}: TimeoutError()
    Should Be Equal    ${result}[status][datalogger]    ${None}
    Should Be Equal    ${result}[status][serial]    ${SERIAL}
    Fault Should Have Triggered    ${id}    times=1
    # the mock journals the delayed request when its delay is over, a second after the client gave up
    ${delayed} =    Wait Until Keyword Succeeds    5s    0.2s
    ...    Faulted Requests Should Be    delay    state    closed
    Should Be True    ${delayed}[0][latency_ms] >= 11000    ${delayed}
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    state -> closed [delay]

sungrow-websocket Fails When connect Is Reset
    [Documentation]    The ``websockets`` library raises ConnectionClosedError "no close frame received or
    ...    sent"; get_data() returns nothing.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    reset    service=connect    times=1
    ${result} =    Run Sungrow Websocket    expect_ok=${False}
    Should Be Equal    ${result}[error]    ConnectionClosedError: no close frame received or sent
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    reset    connect    reset
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    connect -> reset [reset]

sungrow-websocket Does Not Notice One Reset Of The Properties GET
    [Documentation]    aiohttp sends the reset GET again on a new connection, so the client reads every
    ...    data point as if nothing happened.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    reset    service=${I18N}    times=1
    ${result} =    Run Sungrow Websocket
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    reset    ${I18N}    reset
    WiNet Traffic Should Be
    ...    ${I18N} -> reset [reset]
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> ok
    ...    direct -> ok

intelbras Grid Parameters Fail When devicelist Is Reset
    [Documentation]    The reset ends the client's message loop: it raises IntelbrasSolarConnectionError
    ...    "WiNet devicelist: connection closed" (the same as for a close frame) and asks no getParam.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    reset    service=devicelist    times=1
    ${result} =    Run Intelbras    --call    grid_parameters    expect_ok=${False}
    Should Be Equal    ${result}[error]    IntelbrasSolarConnectionError: WiNet devicelist: connection closed
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    reset    devicelist    reset
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    devicelist -> reset [reset]

sungrow-websocket Fails When Its WebSocket Handshake Is Refused
    [Documentation]    The properties GET gets through (``after=1``); the ``websockets`` library does not
    ...    retry the refused handshake and raises InvalidMessage.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    refuse    door=winet    after=1    times=1
    ${result} =    Run Sungrow Websocket    expect_ok=${False}
    Should Be Equal    ${result}[error]    InvalidMessage: did not receive a valid HTTP response
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    refuse    ${WS_PATH}    refused
    WiNet Traffic Should Be
    ...    ${I18N} -> ok
    ...    ${WS_PATH} -> refused [refuse]

intelbras Retries A Refused Handshake Once And Its Next Call Gets Through
    [Documentation]    aiohttp tries the handshake twice; both refused, ``status`` swallows the reset
    ...    (ClientOSError 104) and the next call connects and gets the datalogger.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    ${id} =    Inject Fault    refuse    door=winet    times=2
    ${result} =    Run Intelbras    --call    status    --call    status
    Length Should Be    ${result}[winet_errors]    1
    Should Match    ${result}[winet_errors][0]
    ...    ${STATUS_FAILED} WiNet ws://*:8082${WS_PATH}: ClientOSError(104, 'Connection reset by peer')
    Status Should Have The Datalogger    ${result}[status]
    Fault Should Have Triggered    ${id}    times=2
    Faulted Requests Should Be    refuse    ${WS_PATH}    refused    count=2
    WiNet Traffic Should Be
    ...    ${WS_PATH} -> refused [refuse]
    ...    ${WS_PATH} -> refused [refuse]
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> ok
    ...    devicelist -> ok

sungrow-websocket Is Turned Away While Another Client Holds The Only Session
    [Documentation]    With one WebSocket allowed and the tests' own client holding it, the handshake
    ...    is refused (InvalidMessage) while the holder goes on; once it has left, the client reads everything.
    [Tags]    sungrowwebsocket
    Start Mock With Standard WiNet Ports    SH10RT
    ${id} =    Inject Fault    connection_limit    connections=1    door=winet
    ${holder} =    Hold The Only WiNet Session
    ${refused} =    Run Sungrow Websocket    expect_ok=${False}
    Should Be Equal    ${refused}[error]    InvalidMessage: did not receive a valid HTTP response
    Release The WiNet Session    ${holder}
    ${result} =    Run Sungrow Websocket
    Sungrow Websocket Data Should Match The Mock    ${result}[data]    SH
    Fault Should Have Triggered    ${id}    times=1
    Faulted Requests Should Be    connection_limit    ${WS_PATH}    refused
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    devicelist -> ok
    ...    ${I18N} -> ok
    ...    ${WS_PATH} -> refused [connection_limit]
    ...    devicelist -> ok
    ...    ${I18N} -> ok
    ...    connect -> ok
    ...    devicelist -> ok
    ...    real -> ok
    ...    real_battery -> ok
    ...    direct -> ok

intelbras Is Turned Away While Another Client Holds The Only Session
    [Documentation]    Both handshakes aiohttp tries are refused; ``status`` swallows the reset and
    ...    returns the Modbus values, and once the holder has left it gets the datalogger again.
    [Tags]    intelbras
    Start Mock With Standard WiNet Ports    SH10RT    serial=${SERIAL}
    ${id} =    Inject Fault    connection_limit    connections=1    door=winet
    ${holder} =    Hold The Only WiNet Session
    ${refused} =    Run Intelbras    --call    status
    Length Should Be    ${refused}[winet_errors]    1
    Should Match    ${refused}[winet_errors][0]
    ...    ${STATUS_FAILED} WiNet ws://*:8082${WS_PATH}: ClientOSError(104, 'Connection reset by peer')
    Should Be Equal    ${refused}[status][datalogger]    ${None}
    Should Be Equal    ${refused}[status][serial]    ${SERIAL}
    Release The WiNet Session    ${holder}
    ${result} =    Run Intelbras    --call    status
    Should Be Empty    ${result}[winet_errors]
    Status Should Have The Datalogger    ${result}[status]
    Fault Should Have Triggered    ${id}    times=2
    Faulted Requests Should Be    connection_limit    ${WS_PATH}    refused    count=2
    WiNet Traffic Should Be
    ...    connect -> ok
    ...    devicelist -> ok
    ...    ${WS_PATH} -> refused [connection_limit]
    ...    ${WS_PATH} -> refused [connection_limit]
    ...    devicelist -> ok
    ...    connect -> ok
    ...    state -> ok
    ...    fault -> ok
    ...    devicelist -> ok


*** Keywords ***
Run Sungrow Websocket
    [Documentation]    sungrow-websocket's get_data() on the current mock (WebSocket 8082, HTTP 80).
    [Arguments]    ${expect_ok}=${True}
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${result} =    Run Client    sungrowwebsocket    --host    ${host}    --port    ${WINET_WS_PORT}
    ...    --guard    ${GUARD}    timeout=${RUN_TIMEOUT}    expect_ok=${expect_ok}
    RETURN    ${result}

Run Intelbras
    [Documentation]    python-intelbras-solar-local's ``calls`` on the current mock (Modbus, WebSocket 8082, HTTP 80).
    [Arguments]    @{calls}    ${expect_ok}=${True}
    ${result} =    Run Client On Mock    intelbras    --winet-port    ${WINET_WS_PORT}    --guard    ${GUARD}
    ...    @{calls}    timeout=${RUN_TIMEOUT}    expect_ok=${expect_ok}
    RETURN    ${result}

Hold The Only WiNet Session
    [Documentation]    Starts the tests' own WiNet client: it connects, asks devicelist and keeps its
    ...    WebSocket open until `Release The WiNet Session`.
    ${options} =    WiNet Client Arguments
    ${holder} =    Start Client    winet_ws    @{options}    --guard    ${GUARD}    connect    devicelist    pause
    ...    devicelist
    Wait For Client Phase    ${holder}[handshake]    2    ${holder}[handle]    timeout=${RUN_TIMEOUT}
    RETURN    ${holder}

Release The WiNet Session
    [Documentation]    Lets the holder ask devicelist once more (its session was never disturbed) and leave.
    [Arguments]    ${holder}
    ${result} =    Wait For Client    ${holder}    timeout=${RUN_TIMEOUT}
    FOR    ${step}    IN    @{result}[steps]
        IF    $step['step'] != 'pause'    WiNet Step Should Be    ${step}    1    success
    END

Data Points Should Come From
    [Documentation]    Checks which of sungrow-websocket's data services ``data`` has points of, by one
    ...    point each: ``real`` (daily_power_yield), ``real_battery`` (battery_soc), ``direct`` (mppt1_voltage).
    [Arguments]    ${data}    @{services}
    VAR    &{markers} =    real=daily_power_yield    real_battery=battery_soc
    ...    direct=mppt1_voltage
    FOR    ${service}    ${point}    IN    &{markers}
        IF    $service in $services
            Dictionary Should Contain Key    ${data}    ${point}    no ${service} data point: ${data.keys()}
        ELSE
            Dictionary Should Not Contain Key    ${data}    ${point}    unexpected ${service} data point
        END
    END

Status Should Have The Datalogger
    [Documentation]    The status of python-intelbras-solar-local has its Modbus part and its WiNet datalogger.
    [Arguments]    ${status}
    Should Be Equal    ${status}[serial]    ${SERIAL}
    Should Not Be Equal    ${status}[datalogger]    ${None}    the WiNet part of async_get_status() failed
    Should Be Equal    ${status}[datalogger][model]    SH10RT

Faulted Requests Should Be
    [Documentation]    Checks that the journal holds ``count`` WiNet requests changed by a fault of
    ...    ``kind``, each to ``service`` with ``reply``; returns them.
    [Arguments]    ${kind}    ${service}    ${reply}    ${count}=1
    ${faulted} =    Get Mock Requests    door=winet    fault=${kind}
    Length Should Be    ${faulted}    ${count}    ${faulted}
    FOR    ${entry}    IN    @{faulted}
        Should Be Equal    ${entry}[service]    ${service}    ${entry}
        Should Be Equal    ${entry}[reply]    ${reply}    ${entry}
    END
    Request Count Should Be    ${count}    fault=${kind}
    RETURN    ${faulted}

WiNet Traffic Should Be
    [Documentation]    Checks every WiNet request the mock journaled, in order, as ``SERVICE -> REPLY``
    ...    followed by `` [KIND]`` when a fault changed it.
    [Arguments]    @{expected}
    ${journal} =    Get Mock Requests    door=winet
    ${seen} =    Evaluate
    ...    [f"{r['service']} -> {r['reply']}" + (f" [{r['fault']}]" if r['fault'] else '') for r in $journal]
    Lists Should Be Equal    ${seen}    ${expected}    msg=the mock's WiNet journal differs    values=True
