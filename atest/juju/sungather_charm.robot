*** Settings ***
Documentation       The real sungather-k8s charm, deployed with Jubilant, against a mock served beside the cluster.
...
...                 Needs a Juju controller on Kubernetes and a model (``$JUJU_MODEL`` or the current
...                 one), Jubilant (``pip install jubilant``), and the charm (``$SUNGATHER_CHARM``: a
...                 .charm file, default ``sungather`` from Charmhub; ``$SUNGATHER_IMAGE`` for the
...                 workload image). Excluded from the default run (tag ``juju``): run it with
...                 ``python3 run_tests.py --only atest --include juju``. Without a controller every
...                 test skips, saying why.
...
...                 The mock runs as ``sungrow-mock serve --host 0.0.0.0 --standard-ports`` in a
...                 process on this machine; the charm's pod reaches it at this machine's address on
...                 the route to the cluster (`Find Reachable Address`, or ``$SUNGATHER_CLUSTER_ADDRESS``
...                 as the target). Which options point the charm at the mock is tested without Juju in
...                 ``atest/deployment/charm_options.robot``.
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

Test Connection Fails Clearly When The Mock Refuses
    ${options} =    Charm Options For Mock Endpoints    ${READY}[endpoints]    modbus    ${ADDRESS}
    Deploy SunGather Charm    ${options}
    MockRemote.Inject Fault    refuse    door=modbus
    ${result} =    Run Charm Action    test-connection    expect_ok=${False}
    Should Be Equal    ${result}[status]    failed
    [Teardown]    MockRemote.Clear Faults


*** Keywords ***
Start Mock Beside The Cluster
    [Documentation]    Serves an SG10RT on the standard ports at an address the cluster reaches,
    ...    and keeps its address and ready line for the suite.
    ${target} =    Juju Model Should Be Available
    ${reachable} =    Find Reachable Address    ${target}
    ${daemon} =    Start Mock Daemon    --host    0.0.0.0    --standard-ports    --model    SG10RT
    ...    --serial    JUJU000042    --control-port    0
    Import Mock Remote    ${daemon}
    VAR    ${ADDRESS} =    ${reachable}    scope=SUITE    # robocop: off=no-suite-variable
    VAR    &{READY} =    &{daemon}    scope=SUITE    # robocop: off=no-suite-variable

Charm Should Work Over
    [Documentation]    Deploys the charm against the mock's door for ``connection_type`` and
    ...    checks that its three actions reach the mock.
    [Arguments]    ${connection_type}
    ${options} =    Charm Options For Mock Endpoints    ${READY}[endpoints]    ${connection_type}    ${ADDRESS}
    Deploy SunGather Charm    ${options}
    Run Charm Action    test-connection
    ${info} =    Run Charm Action    get-inverter-info
    Should Contain    ${info}[model]    SG10RT
    ${once} =    Run Charm Action    run-once
    Should Be Equal    ${once}[status]    completed
    MockRemote.Register Should Have Been Read    device_type_code

Stop Everything
    [Documentation]    Removes the charm and stops the mock daemon, whichever of the two is still there.
    Run Keyword And Ignore Error    Remove SunGather Charm
    Run Keyword And Ignore Error    Stop Mock Daemon
