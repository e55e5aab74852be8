"""Simulated devices for tests and the standalone demo."""
