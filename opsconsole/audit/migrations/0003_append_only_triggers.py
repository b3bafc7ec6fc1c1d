"""On PostgreSQL, the audit tables refuse UPDATE, DELETE and TRUNCATE from any connection,
whatever code runs. The one change let through: clearing the user link when a user is
deleted (on_delete=SET_NULL), with every other column unchanged; the name snapshot stays.

Triggers do not fire under `SET session_replication_role = replica` (superuser only): that is
how a test changes an event behind the application's back, and what audit_verify catches."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    link text := TG_ARGV[0];
BEGIN
    IF TG_OP = 'UPDATE'
       AND to_jsonb(OLD) ->> link IS NOT NULL
       AND to_jsonb(NEW) ->> link IS NULL
       -- Generated columns are not computed yet in NEW in a BEFORE trigger.
       AND (to_jsonb(NEW) - link - 'search_text') = (to_jsonb(OLD) - link - 'search_text') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on %.% refused: the audit log is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TABLES = (("audit_auditevent", "actor_id"), ("audit_reviewsignoff", "signed_by_id"))


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table, link in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('{link}')"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('{link}')"
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _ in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_search_index_pg_trgm")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
