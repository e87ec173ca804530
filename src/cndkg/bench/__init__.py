"""Benchmarking: a synthetic corpus generator and the bench runner."""
