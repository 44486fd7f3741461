"""Screens of the reader app."""
