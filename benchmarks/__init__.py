"""Throughput benchmarks, run as scripts from the repository root (`make bench`)."""
