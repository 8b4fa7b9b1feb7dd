*** Settings ***
Documentation       Starting, finding, switching and stopping mocks, and their scopes.
Library             Collections
Library             SungrowMockLibrary
Suite Setup         Start Mock Sungrow    SG10RT    alias=suite_mock

Test Tags           library    lifecycle


*** Test Cases ***
Start Returns The Modbus Endpoint On Loopback
    ${endpoints} =    Start Mock Sungrow    SH10RT
    Should Match Regexp    ${endpoints}[modbus]    ^127\\.0\\.0\\.1:\\d+$
    ${port} =    Get Mock Sungrow Endpoint    modbus    part=port
    Should Be True    isinstance($port, int) and $port > 0
    ${host} =    Get Mock Sungrow Endpoint    part=host
    Should Be Equal    ${host}    127.0.0.1
    ${address} =    Get Mock Sungrow Endpoint
    Should Be Equal    ${address}    ${endpoints}[modbus]

A Mock Started In A Test Stops With The Test
    ${endpoints} =    Start Mock Sungrow    SH10RT    alias=short_lived
    VAR    ${SHORT_LIVED} =    ${endpoints}[modbus]    scope=SUITE    # robocop: off=no-suite-variable

The Previous Test's Mock Is Gone And Its Port Is Free
    Run Keyword And Expect Error    *no mock with alias 'short_lived'*    Get Mock Sungrow Endpoint    alias=short_lived
    ${port} =    Evaluate    int($SHORT_LIVED.rsplit(':', 1)[1])
    ${again} =    Start Mock Sungrow    SH10RT    modbus_port=${port}
    Should Be Equal    ${again}[modbus]    ${SHORT_LIVED}

The Suite Setup's Mock Lives For The Whole Suite
    ${code} =    Get Register    device_type_code    alias=suite_mock
    Should Be Equal As Integers    ${code}    0x2433

Aliases And Switching
    Start Mock Sungrow    SH10RT    alias=house    serial=HOUSE00001
    Start Mock Sungrow    SG5.0RS    alias=garage    serial=GARAGE0001
    ${serial} =    Get Register Text    serial_number
    Should Be Equal    ${serial}    GARAGE0001
    ${previous} =    Switch Mock Sungrow    house
    Should Be Equal    ${previous}    garage
    ${serial} =    Get Register Text    serial_number
    Should Be Equal    ${serial}    HOUSE00001
    ${serial} =    Get Register Text    serial_number    alias=garage
    Should Be Equal    ${serial}    GARAGE0001

Stopping The Current Mock Makes The Last Started One Current
    Start Mock Sungrow    SH10RT    alias=first
    Start Mock Sungrow    SH5.0RS    alias=second
    Stop Mock Sungrow
    ${code} =    Get Register    device_type_code
    Should Be Equal As Integers    ${code}    0x0E03

Bad Arguments Name The Valid Choices
    Run Keyword And Expect Error    *unknown model 'SH99RT'; did you mean SH10RT, SH8.0RT, SH6.0RT, SH5.0RT, SH8T?*
    ...    Start Mock Sungrow    SH99RT
    Run Keyword And Expect Error    *no model has device type code 0x7777*    Start Mock Sungrow    0x7777
    Run Keyword And Expect Error    *unit id 300 is out of range; valid: 1..247*    Start Mock Sungrow    unit_id=300
    Run Keyword And Expect Error    *unknown firmware 'v9'; valid: legacy, login, tls*    Start Mock Sungrow    firmware=v9
    Run Keyword And Expect Error    *unknown door 'telnet'; valid: modbus, encrypted, winet*
    ...    Start Mock Sungrow    doors=modbus,telnet
    Run Keyword And Expect Error    *unknown endpoint 'winet'; valid: modbus, encrypted, winet_ws, winet_http*    Get Mock Sungrow Endpoint    door=winet
    Run Keyword And Expect Error    *alias 'suite_mock' is already running*    Start Mock Sungrow    alias=suite_mock
    Run Keyword And Expect Error    *no mock with alias 'nobody'*    Switch Mock Sungrow    nobody

Stop All Stops Every Mock, The Suite's Too
    [Documentation]    Last test of the suite: it stops the suite setup's mock as well.
    Start Mock Sungrow    SH10RT    alias=one
    Start Mock Sungrow    SH10RT    alias=two
    Stop All Mock Sungrows
    Run Keyword And Expect Error    *no mock is running*    Get Mock Sungrow Endpoint
    Run Keyword And Expect Error    *no mock with alias 'suite_mock'*    Get Register    5000    alias=suite_mock
