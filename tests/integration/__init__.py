"""Repositories and migrations on SQLite and PostgreSQL."""
