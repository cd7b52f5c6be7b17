"""Celery tasks for submissions. Tasks take ids, are idempotent, and call services."""

from celery import shared_task


@shared_task
def ping():
    """Round-trip check used by the health page and the worker tier of the test suite."""
    return "pong"
