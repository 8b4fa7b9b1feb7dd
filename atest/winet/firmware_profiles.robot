*** Settings ***
Documentation       The WiNet-S firmware profiles with the tests' own WiNet client (aiohttp,
...                 ``drive_winet_ws.py``) and what the public clients make of them.
...
...                 ``legacy``: ws + http, ``connect`` alone gives a usable token. ``login``: every
...                 service but ``connect``/``login`` answers 401 ``I18N_COMMON_INTER_ABNORMAL``
...                 until the session logs in (admin/pw8888, user/pw1111; PROTOCOLS 4.1, 4.2).
...                 ``tls``: the same behind wss + https on one port, self-signed certificate.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           winet    firmware


*** Variables ***
${GET_TYPE}         http:/device/getParam?dev_id=1&type=3&param_addr=5000&param_num=1&param_type=0


*** Test Cases ***
Legacy Firmware Needs No Login
    Start Mock Sungrow    SH10RT    doors=winet
    ${code} =    Get Register    device_type_code
    ${result} =    Run WiNet Client    connect    devicelist    real    ${GET_TYPE}
    FOR    ${step}    IN    @{result}[steps]
        WiNet Step Should Be    ${step}    1    success
    END
    Should Be Equal As Integers    ${result}[steps][1][result_data][list][0][dev_code]    ${code}
    Param Value Should Be Register    ${result}[steps][3]    ${code}
    # winet2 tells v1 firmware from a connect reply without "ip" (PROTOCOLS 4.3)
    Dictionary Should Not Contain Key    ${result}[steps][0][result_data]    ip

Login Firmware Answers 401 Until The Session Logs In
    [Template]    Login Should Be Required
    login    ${False}
    tls      ${True}

A Wrong Password Or User Is Refused And The Session Stays Unauthorised
    [Template]    Wrong Password Should Be Refused
    login    ${False}
    tls      ${True}

Both Default Accounts Can Log In
    [Template]    Account Should Log In
    admin    pw8888
    user     pw1111

Repeated Wrong Passwords Lock The Account
    [Documentation]    PROTOCOLS 4.1: too many failed logins answer 114 I18N_COMMON_USR_ACCOUNT_LOCK.
    Start Mock Sungrow    SH10RT    doors=winet    firmware=login
    ${result} =    Run WiNet Client    connect    login:admin:bad1    login:admin:bad2    login:admin:bad3
    ...    login:admin:bad4    login:admin:bad5    login:admin:bad6    login
    ${codes} =    Evaluate    [s['result_code'] for s in $result['steps'][1:]]
    Should Not Contain    ${codes}    ${1}    A wrong password was accepted: ${codes}
    Should Contain    ${codes}    ${114}    The account was never locked: ${codes}
    WiNet Step Should Be    ${result}[steps][-1]    114    I18N_COMMON_USR_ACCOUNT_LOCK

TLS Firmware Serves wss And https With A Self-Signed Certificate
    Start Mock Sungrow    SG10RT    doors=winet    firmware=tls
    ${ws} =    Get Mock Sungrow Endpoint    winet_ws
    ${http} =    Get Mock Sungrow Endpoint    winet_http
    Should Be Equal    ${ws}    ${http}
    ${code} =    Get Register    device_type_code
    ${result} =    Run WiNet Client    connect    login    devicelist    real    ${GET_TYPE}    tls=${True}
    Should Start With    ${result}[url]    wss://
    FOR    ${step}    IN    @{result}[steps]
        WiNet Step Should Be    ${step}    1    success
    END
    Param Value Should Be Register    ${result}[steps][4]    ${code}
    # winet2 reads v3 firmware from forceModifyPasswd in the connect reply (PROTOCOLS 4.3)
    Dictionary Should Contain Key    ${result}[steps][0][result_data]    forceModifyPasswd

Plain ws Is Not Served On The TLS Port
    Start Mock Sungrow    SG10RT    doors=winet    firmware=tls
    ${result} =    Run WiNet Client    connect    expect_ok=${False}
    Should Not Be True    ${result}[ok]
    Should Be Empty    ${result}[steps]    A plain WebSocket got a reply on the TLS port: ${result}[steps]

Require WiNet Login Switches A Running Legacy Dongle
    Start Mock Sungrow    SH10RT    doors=winet
    ${before} =    Require WiNet Login
    Should Not Be True    ${before}
    ${result} =    Run WiNet Client    connect    devicelist    login    devicelist
    WiNet Step Should Be    ${result}[steps][1]    401    I18N_COMMON_INTER_ABNORMAL
    WiNet Step Should Be    ${result}[steps][3]    1    success
    Require WiNet Login    ${False}
    ${result} =    Run WiNet Client    connect    devicelist
    WiNet Step Should Be    ${result}[steps][1]    1    success

SunGather http Mode Cannot Pass Login Firmware
    [Documentation]    SungrowModbusWebClient 0.3.2 has no login: devicelist gets 401 and it gives up
    ...    (SungrowModbusWebClient issue #5, PROTOCOLS 4.2). The mock must not let it through.
    Start Mock With Standard WiNet Ports    SH10RT    firmware=login
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${result} =    Run Client    sungrowclient    --host    ${host}    --connection    http    --timeout    3
    ...    expect_ok=${False}
    Should Not Be True    ${result}[ok]
    Should Be Equal    ${result}[error]    checkConnection() failed on start-up

sungrow-websocket Gets Nothing From Login Firmware
    [Documentation]    sungrow-websocket 0.2.2 has no login: devicelist is not a success and it
    ...    returns what it has, nothing.
    Start Mock With Standard WiNet Ports    SH10RT    firmware=login
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${result} =    Run Client    sungrowwebsocket    --host    ${host}    expect_ok=${False}
    Should Not Be True    ${result}[ok]
    Should Be Equal As Integers    ${result}[count]    0


*** Keywords ***
Param Value Should Be Register
    [Documentation]    A getParam type=3 reply for one register: two hex bytes, each followed by a space.
    [Arguments]    ${step}    ${raw}
    ${expected} =    Evaluate    '%02x %02x ' % (int($raw) >> 8, int($raw) & 0xFF)
    Should Be Equal    ${step}[result_data][param_value]    ${expected}    ignore_case=True

Login Should Be Required
    [Documentation]    Checks that ``firmware`` refuses every request with 401 until a
    ...    login, whose new token then serves them.
    [Arguments]    ${firmware}    ${tls}
    Start Mock Sungrow    SH10RT    doors=winet    firmware=${firmware}
    ${result} =    Run WiNet Client    connect    devicelist    real    ${GET_TYPE}    login    devicelist
    ...    real    ${GET_TYPE}    tls=${tls}
    VAR    ${steps} =    ${result}[steps]
    WiNet Step Should Be    ${steps}[0]    1    success
    WiNet Step Should Be    ${steps}[1]    401    I18N_COMMON_INTER_ABNORMAL
    WiNet Step Should Be    ${steps}[2]    401    I18N_COMMON_INTER_ABNORMAL
    WiNet Step Should Be    ${steps}[3]    401    I18N_COMMON_INTER_ABNORMAL
    WiNet Step Should Be    ${steps}[4]    1    success
    # login hands out a new token that replaces the connect token (PROTOCOLS 4.3)
    Should Not Be Equal    ${steps}[4][result_data][token]    ${steps}[0][result_data][token]
    Should Be Equal    ${result}[token]    ${steps}[4][result_data][token]
    WiNet Step Should Be    ${steps}[5]    1    success
    WiNet Step Should Be    ${steps}[6]    1    success
    WiNet Step Should Be    ${steps}[7]    1    success
    Should Not Be Empty    ${steps}[6][result_data][list]
    ${code} =    Get Register    device_type_code
    Param Value Should Be Register    ${steps}[7]    ${code}

Wrong Password Should Be Refused
    [Documentation]    Checks that ``firmware`` refuses a wrong password and an unknown user,
    ...    hands out no token and keeps refusing requests.
    [Arguments]    ${firmware}    ${tls}
    Start Mock Sungrow    SG5.0RS    doors=winet    firmware=${firmware}
    ${result} =    Run WiNet Client    connect    login:admin:pw1111    devicelist    login:nobody:pw8888
    ...    devicelist    tls=${tls}
    VAR    ${steps} =    ${result}[steps]
    FOR    ${index}    IN    1    3
        Should Not Be Equal As Integers    ${steps}[${index}][result_code]    1    ${steps}[${index}]
        Should Be Equal    ${steps}[${index}][service_echo]    login
        Dictionary Should Not Contain Key    ${steps}[${index}][result_data]    token
    END
    WiNet Step Should Be    ${steps}[2]    401    I18N_COMMON_INTER_ABNORMAL
    WiNet Step Should Be    ${steps}[4]    401    I18N_COMMON_INTER_ABNORMAL

Account Should Log In
    [Documentation]    Checks that ``user`` with ``password`` logs in on the login firmware and can list the devices.
    [Arguments]    ${user}    ${password}
    Start Mock Sungrow    SH10RT    doors=winet    firmware=login
    ${result} =    Run WiNet Client    connect    login:${user}:${password}    devicelist
    WiNet Step Should Be    ${result}[steps][1]    1    success
    WiNet Step Should Be    ${result}[steps][2]    1    success
