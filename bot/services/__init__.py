"""Use cases: one async function per user intent, each owning its single commit."""
