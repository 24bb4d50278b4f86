"""The morning stand-up digest: its messages, pictures and drill-down buttons."""
