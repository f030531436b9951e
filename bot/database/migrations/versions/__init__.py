"""The revisions, oldest first by number; each one frozen once released."""
