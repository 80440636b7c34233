"""The grid worker's phone app at /app/: an installable, offline-first client of the staff API."""
