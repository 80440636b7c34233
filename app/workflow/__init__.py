"""A report's life after intake: the state machine every step goes through."""
