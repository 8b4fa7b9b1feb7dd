*** Settings ***
Documentation       The previous suite's settings ended with it; the shared mock lives on.
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00


*** Test Cases ***
A Suite's Settings End With The Suite
    ${irradiance} =    Get Irradiance    alias=shared
    Should Be Equal    ${irradiance}    ${None}
    ${lifetime} =    Get WiNet Token Lifetime
    Should Be Equal As Numbers    ${lifetime.total_seconds()}    1800
    ${speed} =    Get Clock Speed
    Should Be Equal As Numbers    ${speed}    0
