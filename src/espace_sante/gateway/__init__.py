"""What every front door shares: the actor of a request and the mapping of errors."""
