"""The audit log. Service code writes events with `record(...)`, in the transaction of the
change it records; see opsconsole/audit/canonical.py for what the hash chain covers."""

from opsconsole.audit.recorder import Outcome, record

__all__ = ["Outcome", "record"]
