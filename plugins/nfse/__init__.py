"""NFS-e — built-in Quita plugin (see plugin.py)."""
