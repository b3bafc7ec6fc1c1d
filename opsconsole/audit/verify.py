"""Walks the whole chain in id order (streamed: a million events take constant memory) and
checks it against the signed checkpoints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from opsconsole.audit.canonical import GENESIS, HASHED_FIELDS, event_hash
from opsconsole.audit.checkpoint import Checkpoint
from opsconsole.audit.models import AuditEvent

_COLUMNS = ("id", "hash", *HASHED_FIELDS)


@dataclass
class Result:
    events: int = 0
    head_id: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(row: dict[str, object]) -> str:
    time = row["time"]
    stamp = time.isoformat() if hasattr(time, "isoformat") else str(time)
    return f"event id={row['id']} time={stamp} verb={row['verb']}"


def verify_chain(checkpoints: Iterable[Checkpoint] = ()) -> Result:
    """Stops at the first event that does not match; reports it first in `problems`."""
    result = Result()
    pending = sorted(checkpoints, key=lambda c: c.last_id)
    result.checkpoints = len(pending)
    previous = GENESIS
    rows = AuditEvent.objects.order_by("id").values(*_COLUMNS).iterator(chunk_size=5000)
    for row in rows:
        event_id = int(row["id"])
        # A checkpoint whose event is gone (the chain now skips its id).
        while pending and pending[0].last_id < event_id:
            gone = pending.pop(0)
            if gone.last_id != 0 or result.events != gone.count:
                result.problems.append(
                    f"checkpoint line {gone.line} ({gone.time}) names event id={gone.last_id}, "
                    "which is no longer in the chain"
                )
                return result
        if row["prev_hash"] != previous:
            result.problems.append(
                f"{_describe(row)}: prev_hash does not match the hash of the event before it "
                "(an event was removed or inserted)"
            )
            return result
        if event_hash(row) != row["hash"]:
            result.problems.append(
                f"{_describe(row)}: its content does not match its hash (changed after writing)"
            )
            return result
        previous = str(row["hash"])
        result.events += 1
        while pending and pending[0].last_id == event_id:
            checkpoint = pending.pop(0)
            if checkpoint.hash != previous or checkpoint.count != result.events:
                result.problems.append(
                    f"{_describe(row)}: differs from checkpoint line {checkpoint.line} "
                    f"({checkpoint.time}): the chain was rewritten (checkpoint hash "
                    f"{checkpoint.hash[:16]}…, {checkpoint.count} events; chain hash "
                    f"{previous[:16]}…, {result.events} events)"
                )
                return result
        result.head_id, result.head_hash = event_id, previous
    for checkpoint in pending:
        if checkpoint.last_id == 0 and checkpoint.count == 0:
            continue  # taken while the chain was empty
        result.problems.append(
            f"checkpoint line {checkpoint.line} ({checkpoint.time}) names event "
            f"id={checkpoint.last_id}, but the chain ends at id={result.head_id} "
            "(events were removed from the end)"
        )
        return result
    return result
