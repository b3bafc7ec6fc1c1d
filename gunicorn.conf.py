"""gunicorn's settings for the web process (`gunicorn opsconsole.wsgi`; gunicorn reads this
file from the working directory, or name it with `-c`)."""

import os

from opsconsole.startup import settings_or_exit

# Checked in the master before any worker forks: a refused configuration is one line and
# an exit, not a worker that fails to boot over and over.
settings_or_exit()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
wsgi_app = "opsconsole.wsgi"
