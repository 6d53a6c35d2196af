"""Screens of the app; each owns its handlers."""
