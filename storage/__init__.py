"""Persistence: ORM models, repositories, the unit of work and migrations."""
