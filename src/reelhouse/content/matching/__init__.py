"""Matching parsed names to provider candidates, shared by movies and TV."""
