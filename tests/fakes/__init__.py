"""Fakes of the narrow ports: fast service tests without a database."""
