"""The waiting room: per event, buyers wait in Redis and are admitted at a set rate with a
short-lived pass that the hold path checks (docs/architecture.md, "The waiting room")."""
