"""The rules of the service: plain functions over a session, no Flask request objects."""
