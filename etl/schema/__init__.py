"""The one definition of every table, and what is generated from it (DDL, Table Schemas)."""
