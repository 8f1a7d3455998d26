"""Turning retrieved passages into an answer, in the language the user asked in."""
