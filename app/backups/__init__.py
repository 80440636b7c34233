"""Backups of the database and the photo store in one archive (`flask db backup | restore`)."""
