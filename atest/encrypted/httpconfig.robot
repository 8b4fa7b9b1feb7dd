*** Settings ***
Documentation       sungrow-http-config 0.2.1 in ``modbus`` mode: export (feed-in) limit and serial.
...
...                 Its Modbus client is SungrowModbusTcpClient-jesseklm 0.1.9 on pymodbus 3.16.1
...                 (the package needs pymodbus >= 3.8), where that client's encryption is broken:
...                 it sends plain frames but decrypts the replies (PROTOCOLS 3.9). So it works
...                 against a server that hands out the zero key: the mock's plain Modbus door, or
...                 the encrypted door with encryption disabled. It reads holding 31221-31228
...                 (FC3 wire 31220x8) and writes holding 31221 (0xAA on / 0x55 off) and 31222
...                 (the limit) with FC6; the test reads both back from the mock.
...                 Each connect sleeps 3 s (library code).
Resource            ../resources/clients.resource

Test Tags           encrypted    httpconfig


*** Variables ***
${SERIAL}       THC0000031
${ON}           ${0xAA}
${OFF}          ${0x55}


*** Test Cases ***
Export Limit Is Read, Set And Unset
    [Template]    Export Limit Should Follow The Client
    SG5.0RS    modbus
    SH10RT     modbus
    SG10RT     encrypted

A Limit Set On The Mock Is Read By The Client
    Start Mock Sungrow    SG5.0RS    doors=modbus
    Set Register    31221    ${ON}    table=holding
    Set Register    31222    777    table=holding
    ${result} =    Run Client On Mock    httpconfig    --do    get
    Should Be Equal As Integers    ${result}[steps][0][value]    777
    Set Register    31221    ${OFF}    table=holding
    ${result} =    Run Client On Mock    httpconfig    --do    get
    Should Be Equal As Integers    ${result}[steps][0][value]    0

Serial Number Is Read
    Start Mock Sungrow    SG5.0RS    serial=${SERIAL}    doors=modbus
    ${result} =    Run Client On Mock    httpconfig    --do    serial
    Should Be Equal    ${result}[steps][0][value]    ${SERIAL}
    Should Be Equal    ${result}[encryption][client_key]    no encryption

Against Real Encryption The Client Fails As Its Reference Says
    [Documentation]    PROTOCOLS 3.9: with pymodbus >= 3.8 the jesseklm client negotiates the key,
    ...    then sends plain frames and tries to decrypt the plain replies ("Data must be aligned to
    ...    block boundary"). The same failure against the mock shows that its encrypted door
    ...    really hands out a key and that its plain replies to plain frames stay plain.
    Start Mock Sungrow    SG5.0RS    doors=encrypted
    ${key} =    Get Encryption Key
    ${result} =    Run Client On Mock    httpconfig    --do    get    door=encrypted    expect_ok=${False}
    Should Not Be True    ${result}[ok]
    Should Be Equal    ${result}[encryption][public_key]    ${key}    ignore_case=True
    Should Contain    ${result}[steps][0][error]    block boundary


*** Keywords ***
Export Limit Should Follow The Client
    [Documentation]    Checks that sungrow-http-config reads, sets and unsets the export limit of
    ...    ``model`` through ``door`` and that the mock's registers follow.
    [Arguments]    ${model}    ${door}
    Start Mock Sungrow    ${model}    serial=${SERIAL}    doors=${door}
    IF    '${door}' == 'encrypted'    Disable Encryption
    Set Register    31221    ${OFF}    table=holding
    Set Register    31222    0    table=holding
    ${result} =    Run Client On Mock    httpconfig    --do    get    --do    set=250    --do    get
    ...    door=${door}
    Should Be Equal    ${result}[encryption][client_key]    no encryption
    Should Be Equal As Integers    ${result}[steps][0][value]    0
    Should Be True    ${result}[steps][1][value]
    Should Be Equal As Integers    ${result}[steps][2][value]    250
    ${switch} =    Get Register    31221    table=holding
    ${limit} =    Get Register    31222    table=holding
    Should Be Equal As Integers    ${switch}    ${ON}
    Should Be Equal As Integers    ${limit}    250
    ${result} =    Run Client On Mock    httpconfig    --do    set=1234    --do    unset    --do    get
    ...    door=${door}
    Should Be True    ${result}[steps][0][value]
    Should Be True    ${result}[steps][1][value]
    Should Be Equal As Integers    ${result}[steps][2][value]    0
    ${switch} =    Get Register    31221    table=holding
    ${limit} =    Get Register    31222    table=holding
    Should Be Equal As Integers    ${switch}    ${OFF}
    # unset turns the limitation off and leaves the last limit in place
    Should Be Equal As Integers    ${limit}    1234
