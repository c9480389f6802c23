"""billing: metered jobs, per-minute charges, double-entry ledger, account balances

Revision ID: billing_0001
Revises:
"""
from alembic import op

from services.common.migrations import outbox_inbox_ddl

revision = "billing_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- One row per submitted job, prices frozen at submission (micro-units of CNY).
    CREATE TABLE billing.metered_jobs (
        job_id                 uuid PRIMARY KEY,
        tenant_id              uuid NOT NULL,
        vendor                 text NOT NULL,
        flavor                 text NOT NULL,
        accelerator            text NOT NULL,
        count                  integer NOT NULL CHECK (count >= 0),
        vendor_price_per_hour  bigint NOT NULL CHECK (vendor_price_per_hour >= 0),
        price_per_hour         bigint NOT NULL CHECK (price_per_hour >= 0),
        price_per_minute       bigint NOT NULL CHECK (price_per_minute >= 0),
        state                  text NOT NULL DEFAULT 'submitted'
                               CHECK (state IN ('submitted', 'running', 'finished')),
        final_status           text,
        submitted_at           timestamptz NOT NULL,
        started_at             timestamptz,
        finished_at            timestamptz,
        updated_at             timestamptz NOT NULL DEFAULT now(),
        CHECK ((state = 'finished') = (finished_at IS NOT NULL)),
        CHECK (state <> 'running' OR started_at IS NOT NULL)
    );
    CREATE INDEX metered_jobs_running ON billing.metered_jobs (job_id) WHERE state = 'running';

    -- The deterministic id and UNIQUE (job_id, minute, kind) make a repeated charge impossible.
    CREATE TABLE billing.charges (
        id          uuid PRIMARY KEY,
        job_id      uuid NOT NULL REFERENCES billing.metered_jobs (job_id),
        tenant_id   uuid NOT NULL,
        minute      integer NOT NULL CHECK (minute >= 0),
        kind        text NOT NULL CHECK (kind IN ('charge', 'refund')),
        amount      bigint NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (job_id, minute, kind),
        CHECK ((kind = 'charge' AND amount >= 0) OR (kind = 'refund' AND amount <= 0))
    );
    CREATE INDEX charges_by_tenant ON billing.charges (tenant_id, job_id, minute, kind);

    CREATE TABLE billing.ledger_entries (
        id          bigserial PRIMARY KEY,
        txn_id      uuid NOT NULL,
        account     text NOT NULL,
        amount      bigint NOT NULL CHECK (amount <> 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (txn_id, account)
    );

    -- Running balance per ledger account (tenant:<id>, revenue, cash), kept in the same transaction.
    CREATE TABLE billing.accounts (
        account     text PRIMARY KEY,
        balance     bigint NOT NULL DEFAULT 0,
        currency    text NOT NULL DEFAULT 'CNY',
        updated_at  timestamptz NOT NULL DEFAULT now()
    );

    -- The database refuses a transaction whose entries do not sum to zero, checked at commit.
    CREATE FUNCTION billing.ledger_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        total numeric;
    BEGIN
        SELECT sum(amount) INTO total FROM billing.ledger_entries WHERE txn_id = NEW.txn_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced by %', NEW.txn_id, total
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER ledger_txn_balanced
        AFTER INSERT ON billing.ledger_entries
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION billing.ledger_txn_balanced();

    -- Money history is append-only: corrections are new rows (a refund, a reversing transaction).
    CREATE FUNCTION billing.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%.% is append-only', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER charges_append_only BEFORE UPDATE OR DELETE ON billing.charges
        FOR EACH ROW EXECUTE FUNCTION billing.append_only();
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON billing.ledger_entries
        FOR EACH ROW EXECUTE FUNCTION billing.append_only();
    """ + outbox_inbox_ddl("billing"))


def downgrade() -> None:
    op.execute("DROP SCHEMA billing CASCADE")
