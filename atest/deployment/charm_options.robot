*** Settings ***
Documentation       Which sungather charm options point the charm at a mock, and why the juju suite cannot run:
...                 the parts of the juju suite that need no Juju (atest/juju/sungather_charm.robot uses
...                 the same keywords).
Library             OperatingSystem
Library             SungrowMockLibrary
Library             ../resources/juju_charm.py
Library             ../resources/sungather_workload.py

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
    [Documentation]    The juju suite skips with this reason; without a charm file and an image it names both,
    ...    and whatever else this machine lacks (no Juju in CI).
    [Setup]    Forget Charm And Image
    ${reason} =    Why Juju Is Unavailable
    Should Start With    ${reason}    the juju suite cannot run on this machine:
    Should Contain    ${reason}    no charm file: set SUNGATHER_CHARM to the sungather-k8s .charm
    Should Contain    ${reason}    no workload image: set SUNGATHER_IMAGE to the rock built with 'rockcraft pack'
    Should End With    ${reason}    (see 'The juju suite' in atest/README.md)
    ${jubilant} =    Run Keyword And Return Status    Evaluate    __import__("jubilant")
    IF    not ${jubilant}    Should Contain    ${reason}    no Jubilant: pip install jubilant
    [Teardown]    Restore Charm And Image

The Charm Must Be A Charm File
    [Documentation]    sungather-k8s is not on Charmhub: a name is refused, a missing file too; an existing .charm is taken.
    [Setup]    Forget Charm And Image
    Set Environment Variable    SUNGATHER_CHARM    sungather
    ${reason} =    Why Juju Is Unavailable
    Should Contain    ${reason}    SUNGATHER_CHARM=sungather is not a .charm file: sungather-k8s is not on Charmhub
    Set Environment Variable    SUNGATHER_CHARM    ${OUTPUT_DIR}/absent/sungather-k8s_ubuntu-22.04-amd64.charm
    ${reason} =    Why Juju Is Unavailable
    Should Contain    ${reason}    no charm file: SUNGATHER_CHARM=${OUTPUT_DIR}/absent/sungather-k8s_ubuntu-22.04-amd64.charm does not exist
    Create File    ${OUTPUT_DIR}/charm/sungather-k8s_ubuntu-22.04-amd64.charm    not a real charm
    Set Environment Variable    SUNGATHER_CHARM    ${OUTPUT_DIR}/charm/sungather-k8s_ubuntu-22.04-amd64.charm
    ${reason} =    Why Juju Is Unavailable
    Should Not Contain    ${reason}    SUNGATHER_CHARM
    Should Not Contain    ${reason}    no charm file
    [Teardown]    Restore Charm And Image

The Image Must Be The Charm's Rock
    [Documentation]    The upstream SunGather image has another layout: it is refused by name; any other image is taken.
    [Setup]    Forget Charm And Image
    Set Environment Variable    SUNGATHER_IMAGE    docker.io/bohdans/sungather:latest
    ${reason} =    Why Juju Is Unavailable
    Should Contain    ${reason}    SUNGATHER_IMAGE=docker.io/bohdans/sungather:latest is the upstream SunGather image
    Set Environment Variable    SUNGATHER_IMAGE    localhost:32000/sungather:1.0
    ${reason} =    Why Juju Is Unavailable
    Should Not Contain    ${reason}    SUNGATHER_IMAGE
    Should Not Contain    ${reason}    no workload image
    [Teardown]    Restore Charm And Image

Low Ports Need Root Or The Sysctl
    [Documentation]    ``--standard-ports`` binds port 80: root or ``ip_unprivileged_port_start`` <= 80 may.
    ${reason} =    Why Low Ports Are Unavailable    euid=1000    unprivileged_port_start=1024
    VAR    ${expected} =    no low ports: the mock serves --standard-ports (80, 502 and 8082 among them) and uid 1000
    ...    may not bind port 80 (net.ipv4.ip_unprivileged_port_start is 1024); run as root or
    ...    'sudo sysctl net.ipv4.ip_unprivileged_port_start=80'    separator=${SPACE}
    Should Be Equal    ${reason}    ${expected}
    ${reason} =    Why Low Ports Are Unavailable    euid=0    unprivileged_port_start=1024
    Should Be Empty    ${reason}
    ${reason} =    Why Low Ports Are Unavailable    euid=1000    unprivileged_port_start=80
    Should Be Empty    ${reason}
    ${here} =    Why Low Ports Are Unavailable
    ${reason} =    Why Juju Is Unavailable
    IF    $here    Should Contain    ${reason}    ${here}

The Suite Waits Until The Charm Rendered The New Options
    [Documentation]    After ``juju config`` the suite polls the unit's config.yaml until it shows the new options.
    VAR    &{options} =    inverter-host=10.0.0.5    inverter-port=${1502}    connection-type=modbus
    ...    enable-webserver=false
    ${path} =    Render SunGather Config    &{options}
    ${rendered} =    Get File    ${path}
    ${applied} =    Config Yaml Reflects Options    ${rendered}    ${options}
    Should Be True    ${applied}
    VAR    &{changes} =    inverter-host=10.0.0.6    inverter-port=${502}    connection-type=sungrow
    ...    enable-webserver=true
    FOR    ${key}    ${value}    IN    &{changes}
        VAR    &{changed} =    &{options}    ${key}=${value}
        ${applied} =    Config Yaml Reflects Options    ${rendered}    ${changed}
        Should Not Be True    ${applied}    the old config.yaml must not count as ${key}=${value} applied
    END


*** Keywords ***
Forget Charm And Image
    [Documentation]    Unsets the juju suite's charm and image variables, keeping their values to restore.
    ${charm} =    Evaluate    os.environ.get("SUNGATHER_CHARM")    modules=os
    ${image} =    Evaluate    os.environ.get("SUNGATHER_IMAGE")    modules=os
    VAR    ${SAVED_CHARM} =    ${charm}    scope=TEST    # robocop: off=no-test-variable
    VAR    ${SAVED_IMAGE} =    ${image}    scope=TEST    # robocop: off=no-test-variable
    Remove Environment Variable    SUNGATHER_CHARM    SUNGATHER_IMAGE

Restore Charm And Image
    [Documentation]    Puts back the values `Forget Charm And Image` kept.
    Remove Environment Variable    SUNGATHER_CHARM    SUNGATHER_IMAGE
    IF    $SAVED_CHARM is not None    Set Environment Variable    SUNGATHER_CHARM    ${SAVED_CHARM}
    IF    $SAVED_IMAGE is not None    Set Environment Variable    SUNGATHER_IMAGE    ${SAVED_IMAGE}
