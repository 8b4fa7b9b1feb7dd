*** Settings ***
Documentation       The container image, built from deploy/Containerfile and run as deploy/kubernetes/sungrow-mock.yaml
...                 runs its pod: the image's own entry command and arguments, the token from the environment,
...                 the pod's sysctls, in a network namespace of its own. Real clients reach every door on the
...                 device's ports there, and the readiness probe's ``/api/health`` answers.
...
...                 The image is built without a registry or a container daemon (see
...                 atest/resources/container_image.py): a Debian base made by mmdebstrap, buildah with chroot
...                 isolation and vfs storage. It needs root and Debian's buildah, mmdebstrap and iproute2
...                 (run_tests.py installs them when it runs as root); elsewhere the suite skips, naming what is
...                 missing, and under ``SUNGROW_MOCK_REQUIRE_IMAGE`` (set by CI) it fails instead. Tag
...                 ``image``: leave it out with ``python3 run_tests.py --exclude image``.
Library             Collections
Library             ../resources/container_image.py
Resource            ../resources/clients.resource
Suite Setup         Build And Start The Image
Suite Teardown      Stop And Remove The Image

Test Tags           image


*** Variables ***
${NAMESPACE}        sungrow-mock-image-${{ os.getpid() }}
${TOKEN}            token-from-the-secret
${DEFAULT_MODEL}    ${{ SungrowMockLibrary.vocabulary.DEFAULT_MODEL }}
&{READY}            &{EMPTY}
${IMAGE}            ${EMPTY}


*** Test Cases ***
The Built Image Runs What The Manifest Runs
    ${config} =    Get Image Config    ${IMAGE}
    ${manifest} =    Get Manifest Container
    Should Be Equal    ${config}[Entrypoint]    ${{ ['sungrow-mock', 'serve'] }}
    Should Be Equal    ${config}[Cmd]    ${manifest}[args]
    Should Be Equal    ${config}[User]    ${manifest}[user]
    ${exposed} =    Evaluate    sorted(int(port.split('/')[0]) for port in $config['ExposedPorts'])
    ${ports} =    Evaluate    sorted($manifest['ports'].values())
    Should Be Equal    ${exposed}    ${ports}

Every Door Listens On The Manifest's Ports
    ${manifest} =    Get Manifest Container
    Should Be Equal    ${READY}[model]    ${DEFAULT_MODEL}
    VAR    &{endpoint_of_port} =    modbus=modbus    encrypted=encrypted    winet-ws=winet_ws    winet-http=winet_http
    ...    control=control
    FOR    ${name}    ${port}    IN    &{manifest}[ports]
        Should Be Equal    ${READY}[endpoints][${endpoint_of_port}[${name}]]    0.0.0.0:${port}
    END

The Mock Runs As The Pod's Unprivileged User
    ${manifest} =    Get Manifest Container
    ${user} =    Get Image Process User
    Should Be Equal    ${user}    ${manifest}[user]

SunGather Reads The Image Over Plain Modbus
    ${result} =    Run Client    sungrowclient    --host    127.0.0.1    --port    502    --level    1
    ...    namespace=${NAMESPACE}
    Should Be Equal    ${result}[model]    ${DEFAULT_MODEL}
    Scrape Should Have No Failed Ranges    ${result}

SunGather Reads The Image Over Encrypted Modbus
    ${result} =    Run Client    sungrowclient    --host    127.0.0.1    --port    1502    --connection    sungrow
    ...    --level    1    namespace=${NAMESPACE}
    Should Be Equal    ${result}[model]    ${DEFAULT_MODEL}
    Should Be True    ${result}[encryption][encrypted]
    Should Be Equal    ${result}[encryption][public_key]    ${READY}[encryption_key]    ignore_case=True
    Only The Over-Long Range Should Fail    ${result}

SunGather Reads The Image Through Its WiNet-S Door
    [Documentation]    SunGather's ``http`` mode always uses WebSocket 8082 and HTTP 80: the image's own ports.
    ${result} =    Run Client    sungrowclient    --host    127.0.0.1    --connection    http    --level    1
    ...    namespace=${NAMESPACE}
    Should Be Equal    ${result}[model]    ${DEFAULT_MODEL}
    Scrape Should Have No Failed Ranges    ${result}

The Readiness Probe Needs No Token And Everything Else Does
    ${health} =    Request In Image Network    http://127.0.0.1:8080/api/health
    Should Be Equal As Integers    ${health}[status]    200
    Should Be Equal    ${{ json.loads($health['body']) }}    ${{ {'status': 'ok'} }}
    ${refused} =    Request In Image Network    http://127.0.0.1:8080/api/mock
    Should Be Equal As Integers    ${refused}[status]    401
    ${mock} =    Request In Image Network    http://127.0.0.1:8080/api/mock    token=${TOKEN}
    Should Be Equal As Integers    ${mock}[status]    200
    Should Be Equal    ${{ json.loads($mock['body'])['endpoints'] }}    ${READY}[endpoints]

The Image Stops Cleanly On SIGTERM
    ${code} =    Stop Mock Image
    Should Be Equal As Integers    ${code}    0


*** Keywords ***
Build And Start The Image
    [Documentation]    Builds the image and starts it in its namespace; keeps the image and its ready line for the suite.
    Skip Unless Images Can Be Built
    ${built} =    Build Mock Image
    VAR    ${IMAGE} =    ${built}    scope=SUITE    # robocop: off=no-suite-variable
    ${ready} =    Start Mock Image    ${built}    token=${TOKEN}    namespace=${NAMESPACE}
    VAR    &{READY} =    &{ready}    scope=SUITE    # robocop: off=no-suite-variable

Stop And Remove The Image
    [Documentation]    Stops the image if a test has not, and removes it from the store.
    Stop Mock Image
    Remove Mock Image    ${IMAGE}
