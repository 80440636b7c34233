"""The area tree (district to micro-grid), GeoJSON import, and routing a point to its area."""
