"""Reports (cases) from every intake channel, and their append-only timeline."""
