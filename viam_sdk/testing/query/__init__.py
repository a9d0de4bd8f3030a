"""The emulator's query engines: Viam's SQL dialect over SQLite (``sql``) and MongoDB aggregation
pipelines over plain documents (``mql``), with what both share: the time and memory budgets and the
worker threads queries run on (``budget``), the documents a query reads (``sources``).

Imports go one way: the data services import this package; nothing here imports a service.
See README.md in this folder for the phases a query goes through.
"""
