*** Settings ***
Documentation       The encrypted Modbus door with the two encrypted clients, unmodified:
...                 SungrowModbusTcpClient 0.1.6 on pymodbus 2.5.3 (driver ``sungrowmodbustcp``,
...                 run in the ``sungrowclient`` venv) and its pymodbus-3 fork
...                 SungrowModbusTcpClient-jesseklm 0.1.9 on pymodbus 3.7.4 (``jesseklm``).
...
...                 Each client asks for the public key (unit 247, FC4 wire 2791x8), reconnects and
...                 encrypts every later frame with AES-128-ECB under public key XOR the fixed
...                 private key ``Grow#0*2Sun68CbE`` (PROTOCOLS 3.2-3.5). The drivers report the
...                 key the client negotiated (``client._key``, ``client._pub_key``) and every
...                 register they read: by default input 4990-4999 (serial), input 5000 (device
...                 type code) and holding 5000-5005 (clock).
Resource            ../resources/clients.resource
Library             Collections

Test Tags           encrypted


*** Variables ***
${SERIAL}           TEN0000077
${PRIVATE_KEY}      Grow#0*2Sun68CbE
${TEST_KEY}         00112233445566778899aabbccddeeff
# PROTOCOLS 3.4: the AES key for the public key 00 11 22 ... ff
${TEST_AES_KEY}     47634d4467654c45dbecc48df49e8cba
${NO_KEY}           00000000000000000000000000000000


*** Test Cases ***
The Key Is Negotiated And Equals The Mock's Key
    [Documentation]    The client switches to encryption with the mock's public key and reads the values the test set.
    [Template]    Client Should Negotiate The Mock's Key And Read
    sungrowmodbustcp
    jesseklm

A Key Set By The Test Is Used
    [Documentation]    ``Set Encryption Key`` with the test vector of PROTOCOLS 3.3/3.4 gives its AES key.
    [Template]    Client Should Use The Key The Test Set
    sungrowmodbustcp
    jesseklm

After A Key Rotation A Client With The Old Key Is Rejected And A Fresh Client Works
    [Documentation]    The same client object keeps the key it got (it re-asks only after midnight,
    ...    PROTOCOLS 3.8). After ``Rotate Encryption Key`` its frames no longer decrypt, the mock
    ...    drops them, and every read fails. A new client asks for the key again and works.
    [Template]    Old Key Should Be Rejected After Rotation
    sungrowmodbustcp
    jesseklm

With Encryption Disabled The Client Falls Back To Plain Modbus
    [Documentation]    ``Disable Encryption``: the key request gets 16 zero bytes, the client stays plain
    ...    (``client._key == b'no encryption'``, PROTOCOLS 3.7) and plain frames are answered on the
    ...    encrypted door.
    [Template]    Client Should Fall Back To Plain Modbus
    sungrowmodbustcp
    jesseklm

The Plain Modbus Door Answers The Key Request With No Key
    [Documentation]    An inverter without encryption: the zero key keeps the clients plain at once.
    [Template]    Client On The Plain Door Should Stay Plain
    sungrowmodbustcp
    jesseklm

A Read Too Long For The Encrypted Frame Gets An Exception And Later Reads Still Work
    [Documentation]    L is one byte: 125 registers (reply of 259 bytes) cannot be carried (PROTOCOLS
    ...    3.6). The mock answers with a Modbus exception instead of a truncated frame, so the
    ...    client's next read on the same connection works.
    [Template]    Over-Long Read Should Fail Alone
    sungrowmodbustcp
    jesseklm

A Second Inverter Behind The Same Door Is Read By Its Unit Id
    [Template]    Client Should Read The Second Inverter
    sungrowmodbustcp
    jesseklm


*** Keywords ***
Start Encrypted Mock
    [Documentation]    Starts ``model`` with the plain and encrypted doors and the test's serial and clock.
    [Arguments]    ${model}=SH10RT
    Start Mock Sungrow    ${model}    serial=${SERIAL}    doors=modbus,encrypted
    Set Inverter Clock    2031    3    4    5    6    7

Run Encrypted Client
    [Documentation]    Runs an encrypted client driver on the current mock's ``door`` and returns its result.
    [Arguments]    ${client}    @{args}    ${door}=encrypted    ${expect_ok}=${True}
    ${result} =    Run Client On Mock    ${client}    --timeout    2    @{args}    door=${door}
    ...    expect_ok=${expect_ok}
    RETURN    ${result}

AES Key Of
    [Documentation]    The AES key the clients derive from a public key (hex): public XOR private.
    [Arguments]    ${public}
    ${aes} =    Evaluate    bytes(a ^ b for a, b in zip(bytes.fromhex($public), $PRIVATE_KEY.encode())).hex()
    RETURN    ${aes}

Encryption Should Be
    [Documentation]    Checks that the client switched to encryption with
    ...    ``public_key`` and the AES key derived from it.
    [Arguments]    ${encryption}    ${public_key}
    Should Be True    ${encryption}[encrypted]    The client did not switch to encryption: ${encryption}
    Should Be Equal    ${encryption}[public_key]    ${public_key}    ignore_case=True
    ${aes} =    AES Key Of    ${public_key}
    Should Be Equal    ${encryption}[client_key]    ${aes}    ignore_case=True

Plain Reads Should Show The Test's Values
    [Documentation]    The three default reads of a round: serial, device type code and clock.
    [Arguments]    ${round}
    Should Be True    ${round}[ok]    Reads failed: ${round}[reads]
    VAR    ${reads} =    ${round}[reads]
    Should Be Equal    ${reads}[0][text]    ${SERIAL}
    ${code} =    Get Register    device_type_code
    Should Be Equal As Integers    ${reads}[1][registers][0]    ${code}
    Should Be Equal As Integers    ${reads}[2][registers][0]    2031
    Should Be Equal As Integers    ${reads}[2][registers][1]    3
    Should Be Equal As Integers    ${reads}[2][registers][2]    4
    Should Be Equal As Integers    ${reads}[2][registers][3]    5

Client Should Negotiate The Mock's Key And Read
    [Documentation]    Checks that ``client`` gets the mock's own key, encrypts with it and reads the test's values.
    [Arguments]    ${client}
    Start Encrypted Mock
    ${key} =    Get Encryption Key
    Should Not Be Equal    ${key}    ${NO_KEY}
    ${result} =    Run Encrypted Client    ${client}
    Should Be True    ${result}[connected]
    Encryption Should Be    ${result}[encryption]    ${key}
    Plain Reads Should Show The Test's Values    ${result}[rounds][0]

Client Should Use The Key The Test Set
    [Documentation]    Sets the test vector key on the mock and checks that ``client``
    ...    derives its AES key and reads with it.
    [Arguments]    ${client}
    Start Encrypted Mock    SG10RT
    Set Encryption Key    ${TEST_KEY}
    ${key} =    Get Encryption Key
    Should Be Equal    ${key}    ${TEST_KEY}    ignore_case=True
    ${result} =    Run Encrypted Client    ${client}
    Encryption Should Be    ${result}[encryption]    ${TEST_KEY}
    Should Be Equal    ${result}[encryption][client_key]    ${TEST_AES_KEY}    ignore_case=True
    Plain Reads Should Show The Test's Values    ${result}[rounds][0]

Old Key Should Be Rejected After Rotation
    [Documentation]    Rotates the key between two rounds of one ``client`` and checks that the old
    ...    key's reads fail and a fresh client reads with the new key.
    [Arguments]    ${client}
    Start Encrypted Mock
    ${old} =    Get Encryption Key
    ${host} =    Get Mock Sungrow Endpoint    encrypted    part=host
    ${port} =    Get Mock Sungrow Endpoint    encrypted    part=port
    ${running} =    Start Client    ${client}    --host    ${host}    --port    ${port}    --timeout    1
    ...    --rounds    2
    Wait For Client Phase    ${running}[handshake]    2    ${running}[handle]
    ${new} =    Rotate Encryption Key
    Should Not Be Equal    ${new}    ${old}
    ${current} =    Get Encryption Key
    Should Be Equal    ${current}    ${new}
    Let Client Continue    ${running}[handshake]    2
    ${result} =    Wait For Client    ${running}    expect_ok=${False}
    # round 1: old key, works
    Should Be True    ${result}[rounds][0][ok]
    Should Be Equal    ${result}[rounds][0][encryption][public_key]    ${old}    ignore_case=True
    Plain Reads Should Show The Test's Values    ${result}[rounds][0]
    # round 2: the same client still encrypts with the old key, every read fails
    Should Be Equal    ${result}[rounds][1][encryption][public_key]    ${old}    ignore_case=True
    FOR    ${read}    IN    @{result}[rounds][1][reads]
        Should Not Be True    ${read}[ok]    A read under the old key succeeded: ${read}
        Dictionary Should Not Contain Key    ${read}    registers
        # the mock drops a connection whose frames do not decrypt
        Should Contain    ${read}[error]    closed
    END
    # a fresh client asks again and gets the new key
    ${fresh} =    Run Encrypted Client    ${client}
    Encryption Should Be    ${fresh}[encryption]    ${new}
    Plain Reads Should Show The Test's Values    ${fresh}[rounds][0]

Client Should Fall Back To Plain Modbus
    [Documentation]    Disables encryption and checks that ``client`` stays plain and is answered on the encrypted door.
    [Arguments]    ${client}
    Start Encrypted Mock    SG5.0RS
    Disable Encryption
    ${key} =    Get Encryption Key
    Should Be Equal    ${key}    ${NO_KEY}
    ${result} =    Run Encrypted Client    ${client}
    Should Be Equal    ${result}[encryption][client_key]    no encryption
    Should Not Be True    ${result}[encryption][encrypted]
    Should Be Equal    ${result}[encryption][public_key]    ${NO_KEY}
    Plain Reads Should Show The Test's Values    ${result}[rounds][0]

Client On The Plain Door Should Stay Plain
    [Documentation]    Checks that ``client`` on the plain door gets the zero key and reads unencrypted.
    [Arguments]    ${client}
    Start Encrypted Mock    SG10RT
    ${result} =    Run Encrypted Client    ${client}    door=modbus
    Should Be Equal    ${result}[encryption][client_key]    no encryption
    Should Be Equal    ${result}[encryption][public_key]    ${NO_KEY}
    Plain Reads Should Show The Test's Values    ${result}[rounds][0]

Over-Long Read Should Fail Alone
    [Documentation]    Checks that a 125-register read fails with an exception while 123
    ...    registers and the next read on the same connection succeed.
    [Arguments]    ${client}
    Start Encrypted Mock    SH10RT
    Set Inverter Value    battery_level    61.5
    ${result} =    Run Encrypted Client    ${client}
    ...    --read    input:12999:125    --read    input:12999:123    --read    input:4989:10
    ...    expect_ok=${False}
    VAR    ${reads} =    ${result}[rounds][0][reads]
    Should Not Be True    ${reads}[0][ok]
    Should Be True    0 < ${reads}[0][exception_code] < 5
    ...    Expected a Modbus exception for 125 registers, got: ${reads}[0]
    # 123 registers (a 255-byte reply) is the most an encrypted frame carries: input 13000-13122
    Should Be True    ${reads}[1][ok]    ${reads}[1]
    Length Should Be    ${reads}[1][registers]    123
    ${raw_level} =    Get Register    battery_level
    Should Be Equal As Integers    ${reads}[1][registers][23]    ${raw_level}
    Should Be True    ${reads}[2][ok]    ${reads}[2]
    Should Be Equal    ${reads}[2][text]    ${SERIAL}

Client Should Read The Second Inverter
    [Documentation]    Adds unit 2 behind the encrypted door and checks that ``client``
    ...    reads its serial, type code and daily yield.
    [Arguments]    ${client}
    Start Encrypted Mock    SH10RT
    Add Inverter    SG5.0RS    2    serial=TEN0000002
    Set Inverter Value    daily_power_yields    12.3    unit_id=2
    Set Inverter Value    daily_power_yields    45.6
    ${result} =    Run Encrypted Client    ${client}    --unit    2
    ...    --read    input:4989:10    --read    input:4999:1    --read    input:5002:1
    ${key} =    Get Encryption Key
    Encryption Should Be    ${result}[encryption]    ${key}
    VAR    ${reads} =    ${result}[rounds][0][reads]
    Should Be Equal    ${reads}[0][text]    TEN0000002
    ${code} =    Get Register    device_type_code    unit_id=2
    Should Be Equal As Integers    ${reads}[1][registers][0]    ${code}
    Should Be Equal As Integers    ${reads}[2][registers][0]    123
