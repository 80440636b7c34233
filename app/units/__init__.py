"""Units that handle cases: sub-districts, village committees, departments, the district."""
