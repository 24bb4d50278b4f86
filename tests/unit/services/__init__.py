"""Services on the in-memory unit of work: access, versioning, notices."""
