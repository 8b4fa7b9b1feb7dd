*** Settings ***
Documentation       pysungrow 1.1.0 controls the battery of a simulated SH10RT through the EMS registers.
...
...                 Holding 13050 ``ems_mode`` follows Sungrow's document: 0 self-consumption,
...                 2 forced, 3 external EMS, 4 VPP, 8 microgrid. pysungrow numbers its ``EMSMode``
...                 differently: ``SELF_CONSUMPTION`` = 0, ``FORCED`` = 1, ``EXTERNAL_EMS`` = 2
...                 (CLIENTS.md §5). The mock follows Sungrow's document, so a write of 1 is refused
...                 with Modbus exception 03 (illegal value) and **to select Sungrow's forced mode
...                 through pysungrow one must write pysungrow's ``EXTERNAL_EMS``** (raw 2). pysungrow's
...                 ``FORCED`` does nothing, and pysungrow does not notice: it ignores the exception
...                 reply of its write and simply reads the unchanged register back.
...
...                 The forced command and power are pysungrow's own variables
...                 ``charge_discharge_command`` (13051, ``CHARGE`` = 0xAA) and ``charge_discharge``
...                 (13052, W). pysungrow reads neither ``battery_power_wide_range`` (5214) nor a signed
...                 battery power: it sees the direction in the power-flow bits of ``running_state``
...                 (13001: bit 1 charging, bit 2 discharging) and the magnitude in ``battery_power``
...                 (13022); the test reads 5214 on the mock as well.
...
...                 Scene: a clear-sky day at latitude 48 with the irradiance held at 50 W/m² and the
...                 house load at 6 kW, so in self-consumption the battery discharges to serve the
...                 house. The clock is frozen and moved with `Advance Mock Clock`.
Resource            ../resources/clients.resource

Test Tags           simulation    modbus    pysungrow


*** Variables ***
${FORCED_POWER}     5000
${SUNGROW_FORCED}   ${2}


*** Test Cases ***
Forced Charge Selected Through pysungrow Charges The Battery
    Start Dim Day With High Load
    ${before} =    Refresh
    Should Be Equal    ${before}[ems_mode][name]    SELF_CONSUMPTION
    Battery Should Discharge    ${before}

    ${result} =    Run Client On Mock    pysungrow    --set    charge_discharge_command    CHARGE
    Should Be Equal    ${result}[set][read_back][name]    CHARGE
    ${result} =    Run Client On Mock    pysungrow    --set    charge_discharge    ${FORCED_POWER}
    Should Be Equal As Integers    ${result}[set][read_back]    ${FORCED_POWER}
    # pysungrow's EXTERNAL_EMS is raw 2: Sungrow's forced mode
    ${result} =    Run Client On Mock    pysungrow    --set    ems_mode    EXTERNAL_EMS
    Should Be Equal    ${result}[set][before][name]    SELF_CONSUMPTION
    Should Be Equal    ${result}[set][read_back][name]    EXTERNAL_EMS
    ${mode} =    Get Register    ems_mode    table=holding
    Should Be Equal As Integers    ${mode}    ${SUNGROW_FORCED}
    Should Be Equal As Integers    ${{ $result['set']['read_back']['value'] }}    ${SUNGROW_FORCED}

    Advance Mock Clock    5 min
    ${charging} =    Refresh
    Battery Should Charge At    ${charging}    ${FORCED_POWER}
    Should Be Equal    ${charging}[system_state][name]    RUNNING_FORCED_MODE
    Should Be True    ${charging}[battery_level] > ${before}[battery_level]
    ...    SOC did not rise: ${before}[battery_level] -> ${charging}[battery_level]
    # load and battery together need more than the dim PV gives: the grid covers the rest
    Should Be True    ${charging}[export_power] < 0    the house should import: ${charging}[export_power] W
    Should Be True    ${charging}[running_state][importing_power_from_grid]

    Advance Mock Clock    10 min
    ${later} =    Refresh
    Battery Should Charge At    ${later}    ${FORCED_POWER}
    Should Be True    ${later}[battery_level] > ${charging}[battery_level]
    ...    SOC did not rise: ${charging}[battery_level] -> ${later}[battery_level]
    # 5 kW for 10 minutes is 0.83 kWh into the battery (0.1 kWh registers)
    ${charged} =    Evaluate    round($later['daily_charge_energy'] - $charging['daily_charge_energy'], 1)
    Should Be True    0.7 <= ${charged} <= 0.9    10 min at ${FORCED_POWER} W charged ${charged} kWh
    # the SOC cannot rise by more than the charged energy fills of the battery's capacity
    ${rise} =    Evaluate    $later['battery_level'] - $charging['battery_level']
    ${capacity} =    Get Inverter Value    battery_capacity
    ${most} =    Evaluate    100 * ($charged + 0.1) / ${capacity}
    Should Be True    0 < ${rise} <= ${most}
    ...    SOC rose by ${rise} % for ${charged} kWh into a ${capacity} kWh battery

pysungrow's FORCED Is Refused And Changes Nothing
    [Documentation]    pysungrow's ``FORCED`` writes raw 1, which is no EMS mode in Sungrow's document:
    ...    the mock answers the FC16 write with exception 03 and keeps self-consumption.
    ...    pysungrow ignores the exception reply (its run succeeds) and reads back the
    ...    unchanged mode; the battery goes on discharging.
    Start Dim Day With High Load
    Set Inverter Value    battery_forced_charge_discharge_cmd    charge
    Set Inverter Value    battery_forced_charge_discharge_power    ${FORCED_POWER}
    ${result} =    Run Client On Mock    pysungrow    --set    ems_mode    FORCED
    Should Be Equal As Integers    ${result}[set][value][value]    1
    Should Be Equal    ${result}[set][read_back][name]    SELF_CONSUMPTION
    ${mode} =    Get Register    ems_mode    table=holding
    Should Be Equal As Integers    ${mode}    0

    Advance Mock Clock    5 min
    ${after} =    Refresh
    Should Be Equal    ${after}[ems_mode][name]    SELF_CONSUMPTION
    Should Be Equal    ${after}[system_state][name]    RUNNING
    Battery Should Discharge    ${after}

A Forced Charge Shows In The Next Refresh
    [Documentation]    A control write shows in the very next read, even with the clock frozen
    ...    (issue 4 point 3): the battery charges at the forced power at once.
    Start Dim Day With High Load
    Set Inverter Value    battery_forced_charge_discharge_cmd    charge
    Set Inverter Value    battery_forced_charge_discharge_power    ${FORCED_POWER}
    Run Client On Mock    pysungrow    --set    ems_mode    EXTERNAL_EMS
    ${data} =    Refresh
    Should Be Equal    ${data}[ems_mode][name]    EXTERNAL_EMS
    Battery Should Charge At    ${data}    ${FORCED_POWER}

A Battery SOC Set By Keyword Shows In The Next Refresh
    [Documentation]    `Set Battery SOC` (like `Set Irradiance` and `Set House Load`) shows in the
    ...    next refresh even with the clock frozen.
    Start Mock Sungrow    SH10RT    doors=modbus    start_time=2026-06-21T12:00:00
    ...    clock_speed=0    latitude=48
    ${before} =    Refresh
    Should Be Equal As Numbers    ${before}[battery_level]    100
    Set Battery SOC    50
    ${after} =    Refresh
    Should Be Equal As Numbers    ${after}[battery_level]    50


*** Keywords ***
Start Dim Day With High Load
    [Documentation]    Starts an SH10RT at noon with little sun, a 6 kW house and a
    ...    half-full battery, held for a minute.
    Start Mock Sungrow    SH10RT    doors=modbus    start_time=2026-06-21T11:59:00
    ...    clock_speed=0    latitude=48
    Set Irradiance    50
    Set House Load    6000
    Set Battery SOC    50
    # let the held conditions act for a minute before the first read
    ${now} =    Advance Mock Clock    1 min
    Should Be Equal    ${now}    2026-06-21T12:00:00

Refresh
    [Documentation]    pysungrow ``identify`` + ``refresh()``; returns its data.
    ${result} =    Run Client On Mock    pysungrow
    Should Be Equal    ${result}[identity][device][name]    SH10RT
    RETURN    ${result}[data]

Battery Should Discharge
    [Documentation]    Checks that pysungrow's ``data`` shows the battery discharging
    ...    and the mock's signed battery power agrees.
    [Arguments]    ${data}
    Should Be True    ${data}[running_state][battery_discharging]    not discharging: ${data}[running_state]
    Should Not Be True    ${data}[running_state][battery_charging]
    Should Be True    ${data}[battery_power] > 0
    ${signed} =    Get Inverter Value    battery_power_wide_range
    Should Be Equal As Integers    ${signed}    ${data}[battery_power]    battery_power_wide_range (+ discharging)

Battery Should Charge At
    [Documentation]    Checks that pysungrow's ``data`` shows the battery charging at
    ...    ``watts`` and the mock's signed battery power agrees.
    [Arguments]    ${data}    ${watts}
    Should Be True    ${data}[running_state][battery_charging]    not charging: ${data}[running_state]
    Should Not Be True    ${data}[running_state][battery_discharging]
    Should Be Equal As Integers    ${data}[battery_power]    ${watts}
    ${signed} =    Get Inverter Value    battery_power_wide_range
    Should Be Equal As Integers    ${signed}    -${watts}    battery_power_wide_range (− charging)
