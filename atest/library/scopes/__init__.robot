*** Settings ***
Documentation       Every test starts clean: a mock started in this directory's setup is shared by
...                 its suites, and what a test (or a suite) sets on it is undone when that test (or
...                 suite) ends. What evolves (battery level, simulated time) goes on.
Library             SungrowMockLibrary    clock_speed=0    start_time=2026-06-21T12:00:00
Suite Setup         Start Mock Sungrow    SH10RT    alias=shared

Test Tags           library    scopes
