"""A task that only the worker test loads (celery -I), to prove the wiring end to end."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="tests.probe")
def probe(key: str, value: str) -> None:
    redis.Redis.from_url(settings.REDIS_URL).set(key, value, ex=60)
