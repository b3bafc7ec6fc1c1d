"""The audit log. Service code writes events with `opsconsole.audit.recorder.record(...)`, in
the transaction of the change it records; see opsconsole/audit/canonical.py for what the hash
chain covers. (Nothing is re-exported here: Django imports this package before the models
may load.)"""
