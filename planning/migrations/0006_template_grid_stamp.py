"""A template's grid stamp (PostgreSQL only): `planning_template.grid_stamp`, a random UUID that
triggers on `planning_section`, `planning_column` and `planning_line` replace whenever a row of the
template's grid is inserted, updated or deleted, by any code (the loader, the admin, an UPDATE
typed in psql), and every template's when one of those tables is truncated. Changes made with
triggers switched off (`session_replication_role = replica`, a restore with `--disable-triggers`)
are not seen by a running process until it restarts.

A change to a template's grid also updates the template's row, so two transactions changing grid
rows of the same template wait for each other, as two loads already did (the loader updates the
template's row too, and takes the files in the same order, so loads wait rather than deadlock);
saving a return or building a plan takes only a key-share lock on it, which does not wait. A process keeps a template's built grid under its stamp
(`submissions.returns.selectors.grid_for_template`): reading one UUID with the template's row
costs PostgreSQL far less than the digest of every section, column and line row version it read
before (0.5 ms of every return page).

The column is not a field of the Template model, so Django never writes it: saving a Template
read before a grid change cannot put an old stamp back. A new template gets its own at once (the
column's default). On SQLite nothing is added; there the grid is built on every request."""

from django.db import migrations

FORWARD = """
ALTER TABLE planning_template ADD COLUMN grid_stamp uuid NOT NULL DEFAULT gen_random_uuid();

CREATE FUNCTION planning_grid_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    templates bigint[];
BEGIN
    IF TG_TABLE_NAME = 'planning_column' THEN
        templates := ARRAY(
            SELECT s.template_id FROM planning_section s
            WHERE s.id IN (
                CASE WHEN TG_OP <> 'INSERT' THEN OLD.section_id END,
                CASE WHEN TG_OP <> 'DELETE' THEN NEW.section_id END
            )
        );
    ELSE
        templates := ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.template_id END,
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.template_id END
        ];
    END IF;
    UPDATE planning_template SET grid_stamp = gen_random_uuid() WHERE id = ANY (templates);
    RETURN NULL;
END
$$;

CREATE TRIGGER planning_section_grid_changed AFTER INSERT OR UPDATE OR DELETE ON planning_section
    FOR EACH ROW EXECUTE FUNCTION planning_grid_changed();
CREATE TRIGGER planning_column_grid_changed AFTER INSERT OR UPDATE OR DELETE ON planning_column
    FOR EACH ROW EXECUTE FUNCTION planning_grid_changed();
CREATE TRIGGER planning_line_grid_changed AFTER INSERT OR UPDATE OR DELETE ON planning_line
    FOR EACH ROW EXECUTE FUNCTION planning_grid_changed();

-- TRUNCATE fires no row triggers, and says nothing of which templates it emptied: all are renewed.
CREATE FUNCTION planning_grids_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planning_template SET grid_stamp = gen_random_uuid();
    RETURN NULL;
END
$$;

CREATE TRIGGER planning_section_grids_truncated AFTER TRUNCATE ON planning_section
    FOR EACH STATEMENT EXECUTE FUNCTION planning_grids_truncated();
CREATE TRIGGER planning_column_grids_truncated AFTER TRUNCATE ON planning_column
    FOR EACH STATEMENT EXECUTE FUNCTION planning_grids_truncated();
CREATE TRIGGER planning_line_grids_truncated AFTER TRUNCATE ON planning_line
    FOR EACH STATEMENT EXECUTE FUNCTION planning_grids_truncated();
"""

BACKWARD = """
DROP TRIGGER planning_line_grids_truncated ON planning_line;
DROP TRIGGER planning_column_grids_truncated ON planning_column;
DROP TRIGGER planning_section_grids_truncated ON planning_section;
DROP FUNCTION planning_grids_truncated();
DROP TRIGGER planning_line_grid_changed ON planning_line;
DROP TRIGGER planning_column_grid_changed ON planning_column;
DROP TRIGGER planning_section_grid_changed ON planning_section;
DROP FUNCTION planning_grid_changed();
ALTER TABLE planning_template DROP COLUMN grid_stamp;
"""


def run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("planning", "0005_extensions_and_reminder_days")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
