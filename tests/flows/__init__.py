"""Whole conversations through build_dispatcher() with a mocked bot."""
