"""Open311 GeoReport v2: the international civic-issue API over our categories and reports."""
