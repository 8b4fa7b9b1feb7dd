*** Settings ***
Documentation       Faults of the WiNet-S door as SunGather meets them: SungrowClient 0.1.0 in ``http`` mode
...                 (SungrowModbusWebClient 0.3.2: WebSocket ``connect`` for a token, then HTTP
...                 ``getParam`` for every range).
Resource            ../resources/clients.resource
Library             Collections

Test Tags           faults    winet    sungrowclient


*** Test Cases ***
Result Code 106 Makes The Client Connect Again
    [Documentation]    One getParam answered with 106 ("token expired"): that range fails, the client
    ...    clears its token, and its next request opens a new WebSocket and connects again.
    Start Mock With Standard WiNet Ports    SG10RT
    ${id} =    Inject Fault    result_code    code=106    service=/device/getParam    after=3    times=1
    ${result} =    Run SunGather Over WiNet    --level    1    --scrapes    2
    Fault Should Have Triggered    ${id}    times=1
    ${faulted} =    Get Mock Requests    fault=result_code
    Length Should Be    ${faulted}    1
    Should Be Equal    ${faulted}[0][reply]    result_code 106
    ${failed} =    Evaluate    [f['range'] for s in $result['scrapes'] for f in s['failed_ranges']]
    Length Should Be    ${failed}    1
    Should Be Empty    ${result}[scrapes][1][failed_ranges]
    ${connects} =    Get Mock Requests    door=winet    service=connect
    Should Be True    len($connects) >= 2    the client connected again after 106: ${connects}

A Server Error Fails One Range And The Rest Of The Scrape Goes On
    Start Mock With Standard WiNet Ports    SG10RT
    ${id} =    Inject Fault    http_error    status=503    service=/device/getParam    after=3    times=1
    ${result} =    Run SunGather Over WiNet    --level    1    --scrapes    2
    Fault Should Have Triggered    ${id}    times=1
    ${faulted} =    Get Mock Requests    fault=http_error
    Should Be Equal    ${faulted}[0][reply]    http 503
    ${failed} =    Evaluate    [f['range'] for f in $result['scrapes'][0]['failed_ranges']]
    Should Be Equal    ${failed}    ${{ ['read 5100x100'] }}
    Should Be True    ${result}[scrapes][0][ok]
    Should Be Empty    ${result}[scrapes][1][failed_ranges]


*** Keywords ***
Run SunGather Over WiNet
    [Documentation]    Runs SunGather in ``http`` mode against the current mock's WiNet door and returns its result.
    [Arguments]    @{args}    ${expect_ok}=${True}
    ${host} =    Get Mock Sungrow Endpoint    winet_ws    part=host
    ${result} =    Run Client    sungrowclient    --host    ${host}    --connection    http    --timeout    3
    ...    @{args}    expect_ok=${expect_ok}
    RETURN    ${result}
