"""Webhooks: editors' endpoints told of curation events, in signed, retried deliveries."""
