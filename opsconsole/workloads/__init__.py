"""The cluster browser: lists and the overview read rows that `manage.py cluster_sync` keeps in
Redis (cache.py); detail, YAML and log pages read the one object live through the gateway."""
