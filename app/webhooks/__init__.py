"""Outgoing webhooks: subscriptions, a transactional outbox, signed and retried deliveries."""
