"""The Celery app. Settings come from Django's (CELERY_* names in opsconsole/settings.py).

Workers and beat start with `celery -A opsconsole.celery worker|beat`; Django processes create
this app in opsconsole.shell's AppConfig.ready(), so tasks they send reach the same broker.
"""

from celery import Celery

from opsconsole.startup import settings_or_exit

settings_or_exit()

app = Celery("opsconsole")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
