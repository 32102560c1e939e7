"""The small core every brick stands on: actor, policy, audit, storage, clock, errors."""
