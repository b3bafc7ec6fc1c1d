"""Checkpoints: the chain head, signed with HMAC-SHA256 under AUDIT_CHECKPOINT_KEY and
written outside the database (the log and an append-only file). Someone who rewrites the
whole chain, recomputing every hash, cannot also forge these.

A checkpoint line is the JSON object {"v", "time", "last_id", "hash", "count", "hmac"} where
hmac = HMAC-SHA256(key, canonical JSON of the other fields) (see canonical.py).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from opsconsole.audit.canonical import GENESIS, format_time, sign
from opsconsole.audit.models import AuditEvent

log = logging.getLogger(__name__)


def checkpoint_key() -> str:
    """The signing key; only the processes that write or verify checkpoints hold it."""
    key = str(settings.AUDIT_CHECKPOINT_KEY)
    if not key:
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_KEY is missing. Checkpoints are written and verified where it is "
            "set (the worker); set it or AUDIT_CHECKPOINT_KEY_FILE there."
        )
    return key


def write_checkpoint(path: Path | None = None) -> dict[str, Any]:
    """Sign the current chain head, log it and append it to the checkpoint file."""
    key = checkpoint_key()  # before any query: a missing key is the message that matters
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    last_id, head_hash = head if head else (0, GENESIS)
    # Appends are serialized and ids follow chain order, so this count is the chain's
    # length up to the head even while new events arrive.
    count = AuditEvent.objects.filter(id__lte=last_id).count()
    payload: dict[str, Any] = {
        "v": 1,
        "time": format_time(timezone.now()),
        "last_id": last_id,
        "hash": head_hash,
        "count": count,
    }
    line = {**payload, "hmac": sign(payload, key)}
    text = json.dumps(line, sort_keys=True)
    log.info("audit checkpoint %s", text)
    target = Path(path or settings.AUDIT_CHECKPOINT_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as file:
        file.write(text + "\n")
        file.flush()
        os.fsync(file.fileno())
    return line


@dataclass(frozen=True)
class Checkpoint:
    line: int
    last_id: int
    hash: str
    count: int
    time: str


class BadCheckpoint(Exception):
    pass


def read_checkpoints(path: Path) -> Iterator[Checkpoint]:
    """Every checkpoint in the file, each one's HMAC checked; raises BadCheckpoint on the
    first that is malformed or not signed with the configured key."""
    with path.open(encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                payload = {key: data[key] for key in ("v", "time", "last_id", "hash", "count")}
                mac = str(data["hmac"])
            except (ValueError, KeyError, TypeError) as exc:
                raise BadCheckpoint(f"{path}:{number}: not a checkpoint ({exc})") from None
            if not hmac.compare_digest(mac, sign(payload, checkpoint_key())):
                raise BadCheckpoint(
                    f"{path}:{number}: wrong HMAC (altered, or signed with another key)"
                )
            yield Checkpoint(
                number,
                int(payload["last_id"]),
                str(payload["hash"]),
                int(payload["count"]),
                str(payload["time"]),
            )
