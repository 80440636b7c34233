"""The staff console (/console): sign-in, the cleaner's queue, the unit's cases, call-backs."""
