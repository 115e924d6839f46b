"""`triagewise serve`: tracker webhooks in, the changed issue re-triaged within seconds."""
