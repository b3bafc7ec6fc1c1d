"""Helpers shared by the tests, in one place (fixtures stay in the conftest.py files):

- `web`: the password of the fixture users, signed-in clients, the URL walk, ids on a page.
- `audit`: reading events, running audit_verify, SQL behind the application's back.
- `settings`: running manage.py in a clean environment, a strong key.
- `cluster`: the real kubectl (path and runner), the deploy.sh runner, object builders, raw
  HTTP to the API.
- `sandbox`: starting a sandbox cluster and its handle.
- `manifests`: loading the k8s/ manifests and walking their pod templates.
"""
