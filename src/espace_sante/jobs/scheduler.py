"""The schedule of background tasks, shared by the in-process worker and ``worker``."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from espace_sante.gateway.ports import Services
from espace_sante.jobs import tasks


def configure(scheduler: BaseScheduler, services: Services) -> BaseScheduler:
    poll = services.settings.outbox_poll_seconds
    # coalesce + max_instances=1: a slow run is never stacked with the next one.
    common = {"coalesce": True, "max_instances": 1}
    scheduler.add_job(
        tasks.deliver_outbox, "interval", seconds=poll, args=[services], id="outbox", **common
    )
    scheduler.add_job(
        tasks.purge_expired_logins, "interval", minutes=10, args=[services], id="logins", **common
    )
    scheduler.add_job(tasks.sweep_blobs, "interval", hours=1, args=[services], id="blobs", **common)
    scheduler.add_job(tasks.open_default_spaces, "interval", hours=1, args=[services],
                      id="default-opening", **common)
    scheduler.add_job(tasks.purge_closed_spaces, "interval", hours=1, args=[services],
                      id="purge", **common)
    scheduler.add_job(tasks.print_letters, "interval", minutes=15, args=[services],
                      id="letters", **common)
    scheduler.add_job(tasks.hand_over_majorities, "interval", hours=6, args=[services],
                      id="majority", **common)
    return scheduler


def start_background(services: Services) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    configure(scheduler, services)
    scheduler.start()
    return scheduler


def run_forever(services: Services) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    configure(scheduler, services)
    scheduler.start()
