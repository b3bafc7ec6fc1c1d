"""The audit log's tables. Both are append-only: a row is written once and never changed.

The application refuses updates and deletes here; on PostgreSQL a trigger (migration 0003)
refuses them from any connection, whatever code runs.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from opsconsole.audit.canonical import event_hash, format_time
from opsconsole.audit.outcome import Outcome

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row through the application."""


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Events must be chained one by one through record().
        raise AppendOnlyError(f"{self.model.__name__} rows are written one at a time")


class AppendOnly(models.Model):
    """save() inserts and nothing else; delete() is refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} {self.pk} cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} {self.pk} cannot be deleted")


class JoinText(models.Func):
    """a || ' ' || b ...: flat and immutable (Concat nests a COALESCE per pair, too deep for
    SQLite's parser; the columns here are NOT NULL anyway)."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()


def _search_expression() -> Lower:
    # One lower-cased text per event, so a substring search is a single LIKE that the
    # pg_trgm GIN index (migration 0002) answers.
    columns = ["actor_name", "verb", "target_kind", "target_namespace", "target_name"]
    columns += ["reason", "operator_reason"]
    return Lower(JoinText(*columns, Cast("parameters", models.TextField())))


class AuditEvent(AppendOnly):
    id = models.BigAutoField(primary_key=True)
    time = models.DateTimeField(default=timezone.now)
    # The link goes when a user is deleted; the name snapshot stays (and is what is hashed).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    source_ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    verb = models.CharField(max_length=64)
    target_kind = models.CharField(max_length=64, blank=True)
    target_namespace = models.CharField(max_length=253, blank=True)
    target_name = models.CharField(max_length=253, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    operator_reason = models.TextField(blank=True)
    # The Action or Run this event belongs to, by kind and id: those models come later, and
    # an event must outlive them anyway.
    related_kind = models.CharField(max_length=32, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    search_text = models.GeneratedField(
        expression=_search_expression(), output_field=models.TextField(), db_persist=True
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        default_permissions = ()  # nobody may add, change or delete events by hand
        ordering = ("-time", "-id")
        indexes = (
            models.Index(fields=["-time", "-id"], name="audit_time"),
            models.Index(fields=["actor_name", "-time", "-id"], name="audit_actor"),
            models.Index(fields=["verb", "-time", "-id"], name="audit_verb"),
            models.Index(
                fields=["target_kind", "target_name", "-time", "-id"], name="audit_target"
            ),
            models.Index(fields=["target_namespace", "-time", "-id"], name="audit_namespace"),
            models.Index(fields=["outcome", "-time", "-id"], name="audit_outcome"),
            models.Index(
                fields=["related_kind", "related_id", "-time", "-id"], name="audit_related"
            ),
            models.Index(fields=["request_id"], name="audit_request"),
        )
        constraints = (
            # A fork in the chain (two events after the same one) cannot be stored.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_no_fork"),
        )

    def __str__(self) -> str:
        return f"#{self.id} {format_time(self.time)} {self.verb} {self.outcome}"

    @property
    def target_label(self) -> str:
        parts = [p for p in (self.target_namespace, self.target_name) if p]
        name = "/".join(parts)
        return f"{self.target_kind} {name}".strip()

    @property
    def hash_matches(self) -> bool:
        """Whether the stored hash still covers the stored content."""
        return event_hash(self.__dict__) == self.hash


class ReviewSignOff(AppendOnly):
    """An admin's statement that the events after the previous sign-off, up to and including
    `up_to_id`, were reviewed."""

    id = models.BigAutoField(primary_key=True)
    time = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_by_name = models.CharField(max_length=150)
    after_id = models.BigIntegerField(help_text="the previous sign-off's up_to_id (exclusive)")
    up_to_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    note = models.TextField()
    # The audit event that records this sign-off.
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="+")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        ordering = ("-id",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(up_to_id__gt=models.F("after_id")),
                name="audit_signoff_moves_forward",
            ),
            models.UniqueConstraint(fields=["after_id"], name="audit_signoff_no_overlap"),
        )

    def __str__(self) -> str:
        return f"sign-off #{self.after_id + 1}-#{self.up_to_id} by {self.signed_by_name}"


class AuditPermissions(models.Model):  # noqa: DJ008 - no rows, nothing to print
    """Holds the audit app's named permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (("sign_off_review", "Sign off a reviewed range of the audit log"),)
