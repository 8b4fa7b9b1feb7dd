*** Settings ***
Documentation       The SBR battery beside a hybrid, read by a real client: SungrowModbusTcpClient 0.1.6 on
...                 pymodbus 2.5.3 (driver ``sungrowmodbustcp``, plain on the mock's Modbus door) reads
...                 the pack's own unit as mkaiser's SBR sensors do (wire 10740 x9: voltage, current,
...                 temperature, SOC, SOH, total charge and discharge; 10710 x10 serial; 10720 x10 BCU
...                 firmware). The pack answers on unit 200 on the inverter's LAN port and on unit 2
...                 through a WiNet-S (PROTOCOLS 1.7), and says what the inverter says of its battery.
Resource            ../resources/clients.resource
Library             Collections

Test Tags           modbus    battery


*** Variables ***
@{PACK_READS}       --read    input:10740:9    --read    input:10710:10    --read    input:10720:10


*** Test Cases ***
The Client Reads The SBR On Unit 200 As The Inverter Reports Its Battery
    Start Mock Sungrow    SH10RT    doors=modbus
    Set Battery SOC    57.3
    Advance Mock Clock    60
    ${unit} =    Get Battery Unit Id
    Should Be Equal As Integers    ${unit}    200
    ${result} =    Run Client On Mock    sungrowmodbustcp    --unit    ${unit}    @{PACK_READS}
    Pack Read Should Agree With The Inverter    ${result}    ${unit}

Through A WiNet-S The Client Finds The SBR On Unit 2 With Its Pack Data Only
    [Documentation]    The dongle forwards the pack as unit 2 (its devicelist's ``logc_addr``); the cell
    ...    and module arrays from 10757 are refused with exception 02, and unit 200 answers nothing.
    Start Mock Sungrow    SH10RT    doors=modbus    modbus_path=winet
    ${unit} =    Get Battery Unit Id
    Should Be Equal As Integers    ${unit}    2
    ${result} =    Run Client On Mock    sungrowmodbustcp    --unit    ${unit}    @{PACK_READS}
    Pack Read Should Agree With The Inverter    ${result}    ${unit}
    ${arrays} =    Run Client On Mock    sungrowmodbustcp    --unit    2    --read    input:10756:8
    ...    expect_ok=${False}
    Should Be Equal As Integers    ${arrays}[rounds][0][reads][0][exception_code]    2
    ${direct} =    Run Client On Mock    sungrowmodbustcp    --unit    200    --read    input:10740:9
    ...    --timeout    1    expect_ok=${False}
    Should Contain    ${direct}[rounds][0][reads][0][error]    No response received

Nothing Answers On Unit 200 Beside A String Inverter
    Start Mock Sungrow    SG10RT    doors=modbus
    ${unit} =    Get Battery Unit Id
    Should Be Equal    ${unit}    ${None}
    ${result} =    Run Client On Mock    sungrowmodbustcp    --unit    200    --read    input:10740:9
    ...    --timeout    1    expect_ok=${False}
    Should Contain    ${result}[rounds][0][reads][0][error]    No response received


*** Keywords ***
Pack Read Should Agree With The Inverter
    [Documentation]    Checks the pack values the client read from ``unit`` against the inverter's
    ...    battery registers (13020-13041, 5631) and the firmware against inverter register 13280.
    [Arguments]    ${result}    ${unit}
    VAR    ${reads} =    ${result}[rounds][0][reads]
    VAR    ${pack} =    ${reads}[0][registers]
    ${voltage} =    Get Inverter Value    battery_voltage
    ${current} =    Get Inverter Value    battery_current_signed
    ${temperature} =    Get Inverter Value    battery_temperature
    ${soc} =    Get Inverter Value    battery_level
    ${charged} =    Get Inverter Value    total_charge_energy
    ${discharged} =    Get Inverter Value    total_battery_discharge_energy
    Should Be Equal As Numbers    ${{ $pack[0] / 10 }}    ${voltage}
    Should Be Equal As Numbers    ${{ ($pack[1] - 65536 if $pack[1] > 32767 else $pack[1]) / 10 }}    ${current}
    Should Be Equal As Numbers    ${{ $pack[2] / 10 }}    ${temperature}
    Should Be Equal As Numbers    ${{ $pack[3] / 10 }}    ${soc}
    Should Be Equal As Numbers    ${{ ($pack[5] + 65536 * $pack[6]) / 10 }}    ${charged}
    Should Be Equal As Numbers    ${{ ($pack[7] + 65536 * $pack[8]) / 10 }}    ${discharged}
    ${serial} =    Get Register Text    serial_number    unit_id=${unit}
    Should Be Equal    ${reads}[1][text]    ${serial}
    ${firmware} =    Get Register Text    battery_firmware_version
    Should Be Equal    ${reads}[2][text]    ${firmware}
