"""`/pipelines` (admins): the pipeline, stage and lost-reason editor."""
