"""How an audited attempt ended. Its own module so that the models, the recorder and the
queries share it without importing one another."""

from django.db import models


class Outcome(models.TextChoices):
    REQUESTED = "requested", "requested"
    DENIED = "denied", "denied"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"
