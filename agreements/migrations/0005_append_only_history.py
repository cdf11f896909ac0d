"""The history is append-only in the database itself (PostgreSQL): answers and events can be
added, never changed or removed, and a version signed by everyone never changes again (it may
only be superseded), nor may its needs and signatures. Whatever code runs, the record holds."""

from django.db import migrations

from agreements.migrations._postgresql import on_postgresql

FORWARD = """
CREATE OR REPLACE FUNCTION accord_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accord: % on % is not allowed: the history is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accord_responses_append_only BEFORE UPDATE OR DELETE ON agreements_response
    FOR EACH ROW EXECUTE FUNCTION accord_refuse_change();
CREATE TRIGGER accord_events_append_only BEFORE UPDATE OR DELETE ON agreements_event
    FOR EACH ROW EXECUTE FUNCTION accord_refuse_change();

CREATE OR REPLACE FUNCTION accord_keep_closed_version() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'negotiating' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- The one change a closed version allows: sealed becomes superseded by the next version.
    IF TG_OP = 'UPDATE' AND OLD.state = 'sealed' AND NEW.state = 'superseded'
       AND (to_jsonb(NEW) - 'state') = (to_jsonb(OLD) - 'state') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'accord: version % is closed and cannot change', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accord_closed_versions_stay BEFORE UPDATE OR DELETE ON agreements_version
    FOR EACH ROW EXECUTE FUNCTION accord_keep_closed_version();

CREATE OR REPLACE FUNCTION accord_keep_closed_rows() RETURNS trigger AS $$
BEGIN
    -- Drafts are private notes, not part of the record: they move on to the next version.
    IF to_jsonb(OLD) ->> 'status' = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF EXISTS (SELECT 1 FROM agreements_version v WHERE v.id = OLD.version_id AND v.state <> 'negotiating') THEN
        RAISE EXCEPTION 'accord: % on % of a closed version is not allowed', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accord_closed_needs_stay BEFORE UPDATE OR DELETE ON agreements_need
    FOR EACH ROW EXECUTE FUNCTION accord_keep_closed_rows();
CREATE TRIGGER accord_closed_signatures_stay BEFORE UPDATE OR DELETE ON agreements_signature
    FOR EACH ROW EXECUTE FUNCTION accord_keep_closed_rows();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accord_responses_append_only ON agreements_response;
DROP TRIGGER IF EXISTS accord_events_append_only ON agreements_event;
DROP TRIGGER IF EXISTS accord_closed_versions_stay ON agreements_version;
DROP TRIGGER IF EXISTS accord_closed_needs_stay ON agreements_need;
DROP TRIGGER IF EXISTS accord_closed_signatures_stay ON agreements_signature;
DROP FUNCTION IF EXISTS accord_refuse_change();
DROP FUNCTION IF EXISTS accord_keep_closed_version();
DROP FUNCTION IF EXISTS accord_keep_closed_rows();
"""


class Migration(migrations.Migration):
    dependencies = [("agreements", "0004_version_respond_by_alter_event_kind")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
