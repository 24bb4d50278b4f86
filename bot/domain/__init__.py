"""Pure sales rules: dataclasses and functions, no I/O, no clock."""
