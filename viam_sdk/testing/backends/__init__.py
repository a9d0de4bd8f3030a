"""The emulator's backends: per area, the tables, every SQL statement and the domain rules.

Handlers (``services/``) identify the caller, authorize, call a backend and
build the answer; backends read and write the store and return typed rows
(frozen dataclasses).  Imports go one way: services -> backends -> store.
See README.md in this folder for the layout.
"""
