"""The resident's side: the scan-to-report page, the public intake API, tracking and rating."""
