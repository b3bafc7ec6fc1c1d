"""OpsConsole. This package imports nothing on purpose: the sandbox (`python -m
opsconsole.sandbox`) runs without Django or Celery; Django processes create the Celery app in
`opsconsole.shell`'s AppConfig.ready()."""
