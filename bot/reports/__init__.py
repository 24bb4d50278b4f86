"""Charts and pictures for the head, rendered to PNG bytes off the event loop."""
