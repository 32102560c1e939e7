"""Background work: outbox delivery, expiries, sweeps. APScheduler runs it, inside the
server process in the embedded default, in ``espace-sante worker`` processes in production."""
