"""Test and benchmark helpers that ship with reelhouse: real processes, synthetic libraries and
fake providers, never mocks."""
