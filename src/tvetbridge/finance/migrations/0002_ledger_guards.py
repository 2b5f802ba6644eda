"""Database guards for the ledger (see ledger.py for the whole story).

PostgreSQL: a deferred constraint trigger checks at commit that every transaction touched sums to zero
per currency, and that an entry's currency is its account's. SQLite has no deferred triggers, so it
gets only an immediate trigger that forbids rewriting an entry in place; balance is the service's job.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION finance_entry_check() RETURNS trigger AS $$
DECLARE
    txn_ids bigint[];
    bad record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        txn_ids := ARRAY[OLD.transaction_id];
    ELSIF TG_OP = 'UPDATE' THEN
        txn_ids := ARRAY[OLD.transaction_id, NEW.transaction_id];
    ELSE
        txn_ids := ARRAY[NEW.transaction_id];
    END IF;
    IF TG_OP <> 'DELETE' AND NOT EXISTS (
        SELECT 1 FROM finance_account a WHERE a.id = NEW.account_id AND a.currency = NEW.currency) THEN
        RAISE EXCEPTION 'finance ledger: entry % is in %, not in its account''s currency', NEW.id, NEW.currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT e.transaction_id, e.currency, SUM(e.amount) AS total INTO bad
      FROM finance_entry e WHERE e.transaction_id = ANY(txn_ids)
     GROUP BY e.transaction_id, e.currency HAVING SUM(e.amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'finance ledger: transaction % does not balance in % (sum %)',
            bad.transaction_id, bad.currency, bad.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_entry;
CREATE CONSTRAINT TRIGGER finance_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON finance_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_entry_check();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_entry;
DROP FUNCTION IF EXISTS finance_entry_check();
"""

SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS finance_entry_immutable
BEFORE UPDATE OF amount, currency, account_id, transaction_id ON finance_entry
BEGIN
    SELECT RAISE(ABORT, 'finance ledger: entries cannot be changed; post a reversal');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS finance_entry_immutable;"


def _run(schema_editor, sql: str) -> None:
    # One simple-protocol call: the function body holds semicolons, so the script is not split.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
