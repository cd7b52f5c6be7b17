"""The Celery application; tasks live in each app's tasks.py and are found automatically."""

import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("planning_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class RecoverWhenConnected(bootsteps.StartStopStep):
    """Each time a worker's consumer connects to the broker (when the worker starts, and again
    after every reconnection, e.g. when Redis is back from an outage) it queues the rebuild of
    stale plans and the render watchdog, so what waited for the queue runs at once rather than at
    the next beat. Celery's `worker_ready` signal fires only at start, not after a reconnection."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, consumer):
        # Imported here: the app is configured before Django's apps are loaded.
        from submissions import queue

        queue.recover()


app.steps["consumer"].add(RecoverWhenConnected)
