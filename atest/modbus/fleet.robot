*** Settings ***
Documentation       Fleets: real clients read different inverters of one fleet (``Start Mock Sungrow Fleet``).
...
...                 SungrowClient 0.1.0 (SunGather's engine) reads two unit ids behind one Modbus
...                 port (``units`` layout), three inverters each on a port of its own side by side
...                 (``ports``), and an inverter behind a WiNet-S dongle by its ``dev_id``
...                 (``dongle``: SungrowModbusWebClient asks for the Modbus unit id as ``dev_id``).
...                 Each detects the model and serial of the inverter it reached: the fleet's
...                 inverters differ, and each client sees its own. The seeds are chosen so that the
...                 inverters read differ in model; the models are ones SunGather knows.
Resource            ../resources/clients.resource

Test Tags           modbus    sungrowclient    fleet


*** Test Cases ***
SunGather Reads Two Unit Ids Behind One Port As Two Inverters
    ${inverters} =    Start Mock Sungrow Fleet    3    models=SH10RT,SG10RT    seed=1
    Should Be Equal    ${inverters}[0][endpoints]    ${inverters}[1][endpoints]
    Should Not Be Equal    ${inverters}[0][model]    ${inverters}[1][model]
    Set Inverter Value    daily_power_yields    21.5    alias=inv2
    ${first} =    Run Client On Mock    sungrowclient    --level    1    --unit    1    alias=inv1
    ${second} =    Run Client On Mock    sungrowclient    --level    1    --unit    2    alias=inv2
    Client Should Have Read    ${first}    ${inverters}[0]
    Client Should Have Read    ${second}    ${inverters}[1]
    Should Be Equal As Numbers    ${second}[latest_scrape][daily_power_yields]    21.5

SunGather Reads A Ports Fleet Side By Side
    ${inverters} =    Start Mock Sungrow Fleet    3    layout=ports    models=SH8.0RT,SG5.0RS,SG10RT    seed=1
    VAR    @{each} =    @{EMPTY}
    FOR    ${inverter}    IN    @{inverters}
        Append To List    ${each}    --each    ${inverter}[endpoints][modbus]
    END
    ${result} =    Run Client    sungrowclient    --level    1    @{each}
    FOR    ${inverter}    IN    @{inverters}
        Client Should Have Read    ${result}[runs][${inverter}[endpoints][modbus]]    ${inverter}
    END
    ${models} =    Evaluate    {i['model'] for i in $inverters}
    Length Should Be    ${models}    3

SunGather Reads An Inverter Behind A Dongle By Its dev_id
    [Documentation]    SunGather's ``http`` mode needs the WiNet ports 80 and 8082: the fleet's one
    ...    dongle takes them on a loopback address of its own.
    Privileged Ports Should Be Bindable    ${WINET_HTTP_PORT}
    ${host} =    Find Free Loopback Address    ${WINET_HTTP_PORT}    ${WINET_WS_PORT}
    ${inverters} =    Start Mock Sungrow Fleet    3    layout=dongle    models=SH10RT,SG10RT,SG5.0RS    seed=3
    ...    host=${host}    winet_http_port=${WINET_HTTP_PORT}    winet_ws_port=${WINET_WS_PORT}
    Should Be Equal    ${inverters}[2][endpoints][winet_http]    ${host}:${WINET_HTTP_PORT}
    Should Not Be Equal    ${inverters}[0][model]    ${inverters}[2][model]
    ${result} =    Run Client    sungrowclient    --host    ${host}    --connection    http    --timeout    3
    ...    --level    1    --unit    3
    Client Should Have Read    ${result}    ${inverters}[2]


*** Keywords ***
Client Should Have Read
    [Documentation]    Checks that SungrowClient's ``result`` detected the model and serial of ``inverter`` (one
    ...    entry of `Start Mock Sungrow Fleet`'s list) and read every range it chose.
    [Arguments]    ${result}    ${inverter}
    Should Be True    ${result}[ok]    ${result}
    Should Be Equal    ${result}[model]    ${inverter}[model]
    Should Be Equal    ${result}[serial]    ${inverter}[serial]
    Should Be Empty    ${result}[detection]    Model/serial detection reads failed: ${result}[detection]
