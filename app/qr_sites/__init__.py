"""QR sites (码点): signed codes for places, posters, scan counts."""
