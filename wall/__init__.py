"""Murmur's shell: configuration, sources, store, bus and the web app around the pure core."""
