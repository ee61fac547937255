"""Hooks other parts of screening listen to. Sent only after the transaction that caused them commits."""

from __future__ import annotations

from django.dispatch import Signal

# Sent (sender=ListSnapshot) once a new snapshot has become current, after commit, with keyword arguments:
#   snapshot  the new current ListSnapshot
#   previous  the snapshot it replaced, or None for a list's first snapshot
#   added, changed, removed  reference numbers (lists of str); `changed` holds every content change
#   matching_changed  the reference numbers among `changed` whose names, dates or countries changed
# Receivers may enqueue re-screening; they must be quick and must not raise (errors are logged by the sender).
snapshot_loaded = Signal()
