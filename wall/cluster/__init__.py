"""Several Murmur processes on one store: how each one's screens get every change.

Only used when ``[bus] url`` is set (a single process on SQLite never imports it, nor
redis). ``relay`` carries each process's committed log entries to the others through a
Redis channel; ``sequencer`` hands them to the local bus in ``seq`` order, once each, and
reads from the store whatever Redis did not bring; ``follow`` applies the other processes'
changes to this process's memory (an event's live settings, the desk's author blocks).
docs/scaling.md says what an operator sees.
"""
