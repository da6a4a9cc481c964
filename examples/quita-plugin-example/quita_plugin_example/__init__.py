"""Quita example plugin: shows how a third-party package extends Quita without touching it."""
