"""Handlers for time: jobs that find due work in the database and hand it to the sender."""
