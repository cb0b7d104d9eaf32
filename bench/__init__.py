"""Benchmarks: each runs the fast path and a naive baseline in the same run and prints both."""
