*** Settings ***
Documentation       The real sungather-k8s charm, deployed with Jubilant, against a mock served beside the cluster.
...
...                 Needs a Juju controller on MicroK8s and a model (``$JUJU_MODEL`` or the current
...                 one), Jubilant (``pip install jubilant``), the charm file (``$SUNGATHER_CHARM``:
...                 the .charm that ``charmcraft pack`` builds; sungather-k8s is not on Charmhub), its
...                 workload image (``$SUNGATHER_IMAGE``: the rock built from the charm's
...                 ``rock/rockcraft.yaml``, pushed where the cluster pulls from) and low ports
...                 (root, or ``net.ipv4.ip_unprivileged_port_start=80``) for ``--standard-ports``.
...                 Steps: atest/README.md, "The juju suite". Excluded from the default run (tag
...                 ``juju``): run it with ``python3 run_tests.py --only atest --include juju``.
...                 When anything is missing (always on the CI machine, which has no Juju) every test
...                 skips, naming all that is missing.
...
...                 The mock runs as ``sungrow-mock serve --host 0.0.0.0 --standard-ports`` in a
...                 process on this machine; the charm's pod reaches it at this machine's address on
...                 the route to the cluster (`Find Reachable Address`, or ``$SUNGATHER_CLUSTER_ADDRESS``
...                 as the target). Which options point the charm at the mock, and the skip reasons,
...                 are tested without Juju in ``atest/deployment/charm_options.robot``.
...
...                 What the real charm returns (CHARM.md): ``get-inverter-info`` never contacts the
...                 inverter; ``test-connection`` fails on a healthy deployment with the default
...                 ``enable-webserver=true`` (the run-once process cannot bind the webserver port the
...                 service holds), so the tests that expect success deploy with ``enable-webserver=false``.
Library             SungrowMockLibrary
Library             ../resources/juju_charm.py
Resource            ../resources/daemon.resource
Suite Setup         Start Mock Beside The Cluster
Suite Teardown      Stop Everything

Test Tags           juju


*** Variables ***
${ADDRESS}      ${EMPTY}
&{READY}        &{EMPTY}


*** Test Cases ***
The Charm Becomes Active And Its Actions Reach The Mock
    [Template]    Charm Should Work Over
    modbus
    sungrow
    http

Test Connection Fails On A Healthy Deployment With The Default Webserver
    [Documentation]    The charm's default ``enable-webserver=true``: the action's run-once process
    ...    cannot bind the port the running service holds, logs an error, and the charm reports failed.
    ${options} =    Charm Options For Mock Endpoints    ${READY}[endpoints]    modbus    ${ADDRESS}
    ...    enable-webserver=true
    Deploy SunGather Charm    ${options}
    ${result} =    Run Charm Action    test-connection
    Should Be Equal    ${result}[status]    failed
    Should Be Equal    ${result}[message]    Connection test failed - check logs for details

Test Connection Reports Failed When The Mock Refuses
    [Documentation]    The action completes; its ``status`` result says failed. ``run-once`` completes too
    ...    (SunGather exits 0 when collection fails).
    ${options} =    Charm Options For Mock Endpoints    ${READY}[endpoints]    modbus    ${ADDRESS}
    ...    enable-webserver=false
    Deploy SunGather Charm    ${options}
    MockRemote.Inject Fault    refuse    door=modbus
    ${result} =    Run Charm Action    test-connection
    Should Be Equal    ${result}[task-status]    completed
    Should Be Equal    ${result}[status]    failed
    Should Be Equal    ${result}[message]    Connection test failed - check logs for details
    ${once} =    Run Charm Action    run-once
    Should Be Equal    ${once}[task-status]    completed
    [Teardown]    MockRemote.Clear Faults


*** Keywords ***
Start Mock Beside The Cluster
    [Documentation]    Skips the suite, naming what is missing, unless Juju can run here; then serves an
    ...    SG10RT on the standard ports at an address the cluster reaches, and keeps its address and
    ...    ready line for the suite.
    ${target} =    Juju Model Should Be Available
    ${reachable} =    Find Reachable Address    ${target}
    ${daemon} =    Start Mock Daemon    --host    0.0.0.0    --standard-ports    --model    SG10RT
    ...    --serial    JUJU000042    --control-port    0
    Import Mock Remote    ${daemon}
    VAR    ${ADDRESS} =    ${reachable}    scope=SUITE    # robocop: off=no-suite-variable
    VAR    &{READY} =    &{daemon}    scope=SUITE    # robocop: off=no-suite-variable

Charm Should Work Over
    [Documentation]    Deploys the charm (webserver off) against the mock's door for ``connection_type``
    ...    and checks its three actions as a real deployment shows them.
    [Arguments]    ${connection_type}
    ${options} =    Charm Options For Mock Endpoints    ${READY}[endpoints]    ${connection_type}    ${ADDRESS}
    ...    enable-webserver=false
    Deploy SunGather Charm    ${options}
    MockRemote.Clear Journal
    ${connection} =    Run Charm Action    test-connection
    Should Be Equal    ${connection}[status]    success
    Should Be Equal    ${connection}[message]    Successfully connected to inverter and collected data
    ${info} =    Run Charm Action    get-inverter-info
    VAR    &{expected} =    status=Configuration loaded    config-path=/config/config.yaml
    ...    message=Inverter auto-detection happens on first data collection    task-status=completed
    Dictionaries Should Be Equal    ${info}    ${expected}
    ${once} =    Run Charm Action    run-once
    Should Be Equal    ${once}[task-status]    completed
    MockRemote.Register Should Have Been Read    device_type_code

Stop Everything
    [Documentation]    Removes the charm and stops the mock daemon, whichever of the two is still there.
    Run Keyword And Ignore Error    Remove SunGather Charm
    Run Keyword And Ignore Error    Stop Mock Daemon
