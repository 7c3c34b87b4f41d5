"""The office's own formats: trips from CSV and XLSX tables, and tables from trips.

* :mod:`seoulcal.sources.tables`: a table (CSV or XLSX) as members, venues or events, every
  problem placed by file, sheet, row and column.
* :mod:`seoulcal.sources.sheets`: members and agendas as CSV (UTF-8 with a BOM) and XLSX.
* :mod:`seoulcal.sources.tomlfile`: a trip as one self-contained TOML trip file
  (``seoulcal import``).

``docs/tables.md`` is the reference.
"""
