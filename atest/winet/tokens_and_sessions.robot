*** Settings ***
Documentation       WiNet-S tokens and sessions with the tests' own WiNet client (``drive_winet_ws.py``).
...
...                 A token dies when ``Expire WiNet Tokens`` is called, after its lifetime
...                 (``Set WiNet Token Lifetime``), or when a login beyond the session limit pushes
...                 its session out; a request with a dead token gets 106 over WebSocket and HTTP,
...                 and ``connect`` (plus ``login`` where required) gives a new one (PROTOCOLS 4.1,
...                 4.2). A client started with ``Start Client`` pauses at each ``pause`` step
...                 until the test lets it continue, so the mock can change between two requests
...                 of one WebSocket session.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           winet    tokens


*** Variables ***
${GET_TYPE}         http:/device/getParam?dev_id=1&type=3&param_addr=5000&param_num=1&param_type=0


*** Test Cases ***
An Expired Token Gets 106 And Connect Gives A Working One
    [Template]    Expired Token Should Get 106
    legacy    ${False}    connect
    login     ${False}    connect    login
    tls       ${True}     connect    login

A Token Dies After Its Lifetime
    Start Mock Sungrow    SG10RT    doors=winet
    Set WiNet Token Lifetime    1
    ${result} =    Run WiNet Client    connect    devicelist    sleep:1.5    devicelist    ${GET_TYPE}
    ...    connect    devicelist
    WiNet Step Should Be    ${result}[steps][1]    1    success
    WiNet Step Should Be    ${result}[steps][3]    106
    WiNet Step Should Be    ${result}[steps][4]    106
    WiNet Step Should Be    ${result}[steps][6]    1    success

A Login Beyond The Session Limit Pushes The Oldest Session Out
    [Documentation]    PROTOCOLS 4.1: the dongle keeps one web session; a second login logs the first
    ...    one out, which is pushed ``{"result_code": 100, "result_msg": "normal user limit",
    ...    "result_data": {"service": "notice"}}``, and its token is dead.
    Start Mock Sungrow    SH10RT    doors=winet    firmware=login
    Set WiNet Session Limit    1
    ${options} =    WiNet Client Arguments
    ${first} =    Start Client    winet_ws    @{options}    connect    login    devicelist    pause
    ...    devicelist
    Wait For Client Phase    ${first}[handshake]    2    ${first}[handle]
    ${second} =    Run WiNet Client    connect    login:user:pw1111    devicelist
    WiNet Step Should Be    ${second}[steps][1]    1    success
    WiNet Step Should Be    ${second}[steps][2]    1    success
    ${first} =    Wait For Client    ${first}
    WiNet Step Should Be    ${first}[steps][2]    1    success
    WiNet Step Should Be    ${first}[steps][4]    106
    Length Should Be    ${first}[pushed]    1    ${first}[pushed]
    Should Be Equal As Integers    ${first}[pushed][0][result_code]    100
    Should Be Equal    ${first}[pushed][0][result_msg]    normal user limit
    Should Be Equal    ${first}[pushed][0][result_data][service]    notice

With A Higher Session Limit Two Sessions Coexist
    Start Mock Sungrow    SH10RT    doors=winet    firmware=login
    Set WiNet Session Limit    2
    ${options} =    WiNet Client Arguments
    ${first} =    Start Client    winet_ws    @{options}    connect    login    pause    devicelist
    Wait For Client Phase    ${first}[handshake]    2    ${first}[handle]
    ${second} =    Run WiNet Client    connect    login:user:pw1111    devicelist
    WiNet Step Should Be    ${second}[steps][2]    1    success
    ${first} =    Wait For Client    ${first}
    WiNet Step Should Be    ${first}[steps][3]    1    success
    Should Be Empty    ${first}[pushed]


*** Keywords ***
Expired Token Should Get 106
    [Documentation]    Expires the token of a paused client and checks that its next WebSocket and
    ...    HTTP requests get 106 and that signing in again works.
    [Arguments]    ${firmware}    ${tls}    @{sign_in}
    Start Mock Sungrow    SH10RT    doors=winet    firmware=${firmware}
    ${options} =    WiNet Client Arguments    tls=${tls}
    ${running} =    Start Client    winet_ws    @{options}    @{sign_in}    devicelist    pause    real
    ...    ${GET_TYPE}    @{sign_in}    real    ${GET_TYPE}
    Wait For Client Phase    ${running}[handshake]    2    ${running}[handle]
    ${expired} =    Expire WiNet Tokens
    Should Be True    ${expired} >= 1    Expire WiNet Tokens found no live token: ${expired}
    ${result} =    Wait For Client    ${running}
    ${n} =    Get Length    ${sign_in}
    VAR    ${steps} =    ${result}[steps]
    # before the pause: signed in, devicelist works
    WiNet Step Should Be    ${steps}[${n}]    1    success
    VAR    ${old_token} =    ${steps}[${n - 1}][result_data][token]
    # after the pause (step n + 1): the old token is dead for WebSocket and HTTP
    @{after} =    Get Slice From List    ${steps}    ${n + 2}
    WiNet Step Should Be    ${after}[0]    106
    WiNet Step Should Be    ${after}[1]    106
    # signing in again gives a new token that works for both
    FOR    ${step}    IN    @{after}[2:]
        WiNet Step Should Be    ${step}    1    success
    END
    Length Should Be    ${after}    ${{ 4 + $n }}
    Should Not Be Equal    ${result}[token]    ${old_token}
