*** Settings ***
Documentation       Which sungather charm options point the charm at a mock: the part of the juju suite that
...                 needs no Juju (atest/juju/sungather_charm.robot uses the same keyword).
Library             SungrowMockLibrary
Library             ../resources/juju_charm.py

Test Tags           deployment    juju-support


*** Test Cases ***
Each Connection Type Points At Its Door
    ${host} =    Find Free Loopback Address    80    8082
    ${endpoints} =    Start Mock Sungrow    SG10RT    host=${host}    winet_http_port=80    winet_ws_port=8082
    ${address} =    Find Reachable Address    ${host}
    Should Be Equal    ${address}    127.0.0.1
    ${modbus} =    Charm Options For Mock Endpoints    ${endpoints}    modbus    10.0.0.5
    Should Be Equal    ${modbus}[inverter-host]    10.0.0.5
    ${port} =    Get Mock Sungrow Endpoint    modbus    part=port
    Should Be Equal As Integers    ${modbus}[inverter-port]    ${port}
    Should Be Equal    ${modbus}[connection-type]    modbus
    ${sungrow} =    Charm Options For Mock Endpoints    ${endpoints}    sungrow    10.0.0.5    level=${2}
    ${port} =    Get Mock Sungrow Endpoint    encrypted    part=port
    Should Be Equal As Integers    ${sungrow}[inverter-port]    ${port}
    Should Be Equal As Integers    ${sungrow}[level]    2
    ${http} =    Charm Options For Mock Endpoints    ${endpoints}    http    10.0.0.5    smart-meter=${True}
    Should Be Equal As Integers    ${http}[inverter-port]    8082
    Should Be True    ${http}[smart-meter]

Bad Requests Name What Is Wrong
    ${endpoints} =    Start Mock Sungrow    SG10RT    doors=modbus
    Run Keyword And Expect Error    *unknown connection type 'serial'; valid: modbus, sungrow, http*
    ...    Charm Options For Mock Endpoints    ${endpoints}    serial    10.0.0.5
    Run Keyword And Expect Error    *no encrypted door for connection type sungrow*
    ...    Charm Options For Mock Endpoints    ${endpoints}    sungrow    10.0.0.5
    Stop Mock Sungrow
    ${endpoints} =    Start Mock Sungrow    SG10RT    doors=winet
    Run Keyword And Expect Error    *standard ports 8082 and 80*
    ...    Charm Options For Mock Endpoints    ${endpoints}    http    10.0.0.5

The Juju Suite Says Why It Cannot Run Here
    [Documentation]    The juju suite skips with this reason; here (no Juju in CI) it must name what is missing.
    ${reason} =    Why Juju Is Unavailable
    IF    $reason
        Should Match Regexp    ${reason}    ^(the juju suite needs Jubilant|no juju command|no Juju controller)
    END
