*** Settings ***
Documentation       What the control endpoint of ``sungrow-mock serve`` lets a caller touch beyond the mock.
...
...                 Its keywords read and write files only inside its data directory (``--data-dir``),
...                 record from loopback only and open doors on loopback only, unless the daemon is told
...                 otherwise (``--allow-recording-from``, ``--allow-public-doors``). A refused path gets
...                 the same message whether or not the file exists. Beyond loopback the endpoint needs a
...                 token: without one ``serve`` refuses to start.
Library             OperatingSystem
Library             Process
Resource            ../resources/daemon.resource
Suite Setup         Start A Confined Daemon
Suite Teardown      Stop Mock Daemon    alias=confined

Test Tags           remote


*** Variables ***
${TOKEN}         c0ntrol-t0ken
${DATA}          ${OUTPUT DIR}${/}control-data
${REFUSED}      is not inside the control endpoint's data directory: give a path relative to it (sungrow-mock serve --data-dir)


*** Test Cases ***
A Snapshot Recorded Through The Endpoint Lands In The Data Directory And Replays
    ${modbus} =    MockRemote.Get Mock Sungrow Endpoint    modbus
    ${path} =    MockRemote.Record Inverter Snapshot    ${modbus}    served.json
    Should Be Equal    ${path}    served.json
    File Should Exist    ${DATA}${/}served.json
    MockRemote.Start Mock Sungrow    snapshot=served.json    alias=replay
    ${code} =    MockRemote.Get Register    device_type_code
    Should Be Equal As Integers    ${code}    0x0E03
    [Teardown]    MockRemote.Stop Mock Sungrow    replay

Paths That Leave The Data Directory Are Refused Alike Whether Or Not They Exist
    Create File    ${OUTPUT DIR}${/}outside.toml    password = "swordfish"
    ${modbus} =    MockRemote.Get Mock Sungrow Endpoint    modbus
    FOR    ${path}    IN    ../outside.toml    ../missing.toml    ${OUTPUT DIR}${/}outside.toml    /etc/passwd
        ${message} =    Run Keyword And Expect Error    *    MockRemote.Load Scenario    ${path}
        Should Be Equal    ${message}    scenario '${path}' ${REFUSED}
        ${message} =    Run Keyword And Expect Error    *    MockRemote.Record Inverter Snapshot    ${modbus}    ${path}
        Should Be Equal    ${message}    snapshot file '${path}' ${REFUSED}
    END
    File Should Not Exist    ${OUTPUT DIR}${/}missing.toml

Recording From Beyond Loopback Needs Permission
    Run Keyword And Expect Error    recording from '192.0.2.1' needs permission*--allow-recording-from*
    ...    MockRemote.Record Inverter Snapshot    192.0.2.1:502    remote.json
    File Should Not Exist    ${DATA}${/}remote.json

Doors Beyond Loopback Need Permission
    Run Keyword And Expect Error    host '0.0.0.0' is beyond loopback*--allow-public-doors
    ...    MockRemote.Start Mock Sungrow    host=0.0.0.0
    ${endpoints} =    MockRemote.Start Mock Sungrow    host=127.0.0.1    alias=near
    Should Start With    ${endpoints}[modbus]    127.0.0.1:
    [Teardown]    MockRemote.Stop Mock Sungrow    near

A Public Control Endpoint Without A Token Is Refused In One Line
    ${python} =    Evaluate    sys.executable    modules=sys
    ${result} =    Run Process    ${python}    -m    SungrowMockLibrary    serve    --doors    modbus
    ...    --control-port    0    --control-host    0.0.0.0    env:SUNGROW_MOCK_CONTROL_TOKEN=${EMPTY}
    ...    cwd=${REPOSITORY}    timeout=60s    on_timeout=kill
    Should Be Equal As Integers    ${result.rc}    2
    Should Be Empty    ${result.stdout}
    Should Match    ${result.stderr}    sungrow-mock: error: a control endpoint on '0.0.0.0' without a token *--insecure*
    Length Should Be    ${result.stderr.splitlines()}    1


*** Keywords ***
Start A Confined Daemon
    [Documentation]    Serves an SH10RT whose control endpoint has a token and the data directory ``${DATA}``.
    Create Directory    ${DATA}
    ${daemon} =    Start Mock Daemon    --doors    modbus    --control-port    0    --control-token    ${TOKEN}
    ...    --data-dir    ${DATA}    alias=confined
    Import Mock Remote    ${daemon}    token=${TOKEN}
