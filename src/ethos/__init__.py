"""Ethos: practice system for certified trauma recovery coaches."""
