"""billing: price book, package offers and packages, where each minute was paid from, vendor cost,
thresholds, arrears and overdraft, idempotency keys, audit trail

Revision ID: billing_0002
Revises: billing_0001
"""
from alembic import op

revision = "billing_0002"
down_revision = "billing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- Price book versions; the newest is in force. Never edited: a change is a new version.
    CREATE TABLE billing.price_books (
        version     bigserial PRIMARY KEY,
        document    jsonb NOT NULL,
        actor       text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    );

    -- The meter's position (next minute to announce) and the frozen vendor cost per minute.
    ALTER TABLE billing.metered_jobs
        ADD COLUMN vendor_cost_per_minute bigint NOT NULL DEFAULT 0 CHECK (vendor_cost_per_minute >= 0),
        ADD COLUMN price_rule text NOT NULL DEFAULT 'default',
        ADD COLUMN next_minute integer NOT NULL DEFAULT 0 CHECK (next_minute >= 0),
        ADD COLUMN next_minute_at timestamptz,
        ADD COLUMN funds_exhausted_at timestamptz;
    UPDATE billing.metered_jobs SET vendor_cost_per_minute = (vendor_price_per_hour + 30) / 60;
    UPDATE billing.metered_jobs m
       SET next_minute = coalesce((SELECT max(minute) + 1 FROM billing.charges c
                                   WHERE c.job_id = m.job_id AND c.kind = 'charge'), 0),
           next_minute_at = m.started_at + coalesce((SELECT max(minute) + 1 FROM billing.charges c
                                   WHERE c.job_id = m.job_id AND c.kind = 'charge'), 0) * interval '1 minute'
     WHERE state = 'running';
    CREATE INDEX metered_jobs_due ON billing.metered_jobs (next_minute_at) WHERE state = 'running';
    CREATE INDEX metered_jobs_by_tenant ON billing.metered_jobs (tenant_id) WHERE state = 'running';

    CREATE TABLE billing.package_offers (
        id           uuid PRIMARY KEY,
        name         text NOT NULL,
        unit         text NOT NULL CHECK (unit IN ('card_seconds', 'micros')),
        accelerator  text,
        quantity     bigint NOT NULL CHECK (quantity > 0),
        price        bigint NOT NULL CHECK (price >= 0),
        valid_days   integer NOT NULL CHECK (valid_days > 0),
        priority     integer NOT NULL DEFAULT 0,
        active       boolean NOT NULL DEFAULT true,
        created_at   timestamptz NOT NULL DEFAULT now(),
        CHECK ((unit = 'card_seconds') = (accelerator IS NOT NULL))
    );

    -- The database refuses a negative (or overfull) package: remaining in [0, granted].
    CREATE TABLE billing.packages (
        id                    uuid PRIMARY KEY,
        tenant_id             uuid NOT NULL,
        offer_id              uuid NOT NULL REFERENCES billing.package_offers (id),
        unit                  text NOT NULL CHECK (unit IN ('card_seconds', 'micros')),
        accelerator           text,
        granted               bigint NOT NULL CHECK (granted > 0),
        remaining             bigint NOT NULL,
        price                 bigint NOT NULL CHECK (price >= 0),
        priority              integer NOT NULL,
        purchased_at          timestamptz NOT NULL DEFAULT now(),
        expires_at            timestamptz NOT NULL,
        low_announced_at      timestamptz,
        expired_announced_at  timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT package_remaining_in_range CHECK (remaining >= 0 AND remaining <= granted)
    );
    CREATE INDEX packages_usable ON billing.packages (tenant_id) WHERE remaining > 0;
    CREATE INDEX packages_to_expire ON billing.packages (expires_at) WHERE expired_announced_at IS NULL;

    -- Charges say where each minute was paid from, what it lists at and what the vendor costs.
    ALTER TABLE billing.charges DROP CONSTRAINT charges_kind_check;
    ALTER TABLE billing.charges DROP CONSTRAINT charges_check;
    ALTER TABLE billing.charges
        ADD COLUMN txn_id        uuid,
        ADD COLUMN list_amount   bigint NOT NULL DEFAULT 0,
        ADD COLUMN card_seconds  integer NOT NULL DEFAULT 0,
        ADD COLUMN shortfall     bigint NOT NULL DEFAULT 0,
        ADD COLUMN package_id    uuid REFERENCES billing.packages (id),
        ADD COLUMN package_value bigint NOT NULL DEFAULT 0,
        ADD COLUMN vendor_cost   bigint NOT NULL DEFAULT 0,
        ADD COLUMN reason        text,
        ADD CONSTRAINT charges_kind_check CHECK (kind IN ('charge', 'refund', 'void')),
        ADD CONSTRAINT charges_sign_check CHECK (
            (kind = 'charge' AND amount >= 0 AND shortfall >= 0 AND list_amount >= 0)
            OR (kind <> 'charge' AND amount <= 0 AND shortfall <= 0 AND list_amount <= 0));
    ALTER TABLE billing.charges DISABLE TRIGGER charges_append_only;
    UPDATE billing.charges c SET list_amount = c.amount,
           card_seconds = sign(c.amount)::int * m.count * 60,
           vendor_cost = sign(c.amount)::bigint * m.vendor_cost_per_minute
      FROM billing.metered_jobs m WHERE m.job_id = c.job_id;
    ALTER TABLE billing.charges ENABLE TRIGGER charges_append_only;
    CREATE INDEX charges_by_tenant_time ON billing.charges (tenant_id, created_at);

    -- What each charge drew from which package (negative: given back by a refund or a void).
    CREATE TABLE billing.package_draws (
        charge_id   uuid NOT NULL REFERENCES billing.charges (id),
        package_id  uuid NOT NULL REFERENCES billing.packages (id),
        quantity    bigint NOT NULL CHECK (quantity <> 0),
        value       bigint NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (charge_id, package_id)
    );
    CREATE INDEX package_draws_by_package ON billing.package_draws (package_id);

    -- Ledger lines say what moved the money, for statements.
    ALTER TABLE billing.ledger_entries
        ADD COLUMN kind       text NOT NULL DEFAULT 'usage',
        ADD COLUMN reference  text,
        ADD COLUMN memo       text;
    ALTER TABLE billing.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
    UPDATE billing.ledger_entries e SET kind = 'credit'
     WHERE NOT EXISTS (SELECT 1 FROM billing.charges c WHERE c.id = e.txn_id);
    ALTER TABLE billing.ledger_entries ENABLE TRIGGER ledger_entries_append_only;
    CREATE INDEX ledger_entries_by_account ON billing.ledger_entries (account, created_at);

    -- The database refuses a tenant balance below its overdraft (NOT VALID: balances that went
    -- negative before this rule stay as they were; every new posting is checked).
    ALTER TABLE billing.accounts ADD COLUMN overdraft bigint NOT NULL DEFAULT 0 CHECK (overdraft >= 0);
    ALTER TABLE billing.accounts ADD CONSTRAINT tenant_balance_within_overdraft
        CHECK (account NOT LIKE 'tenant:%' OR balance + overdraft >= 0) NOT VALID;

    -- Per tenant: the last top-up thresholds are measured against, the level reached, exhaustion.
    CREATE TABLE billing.tenant_funds (
        tenant_id     uuid PRIMARY KEY,
        last_topup    bigint NOT NULL DEFAULT 0,
        level         smallint NOT NULL DEFAULT 0,
        exhausted_at  timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now()
    );

    -- Idempotency-Key replies, kept at least 24 h (SWITCHYARD_IDEMPOTENCY_TTL_H).
    CREATE TABLE billing.idempotency_keys (
        scope        text NOT NULL,
        key          text NOT NULL,
        fingerprint  text NOT NULL,
        status       integer NOT NULL,
        response     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
    );
    CREATE INDEX idempotency_keys_age ON billing.idempotency_keys (created_at);

    -- Every operator action on money or prices, in order; never edited.
    CREATE TABLE billing.audit_log (
        id          bigserial PRIMARY KEY,
        actor       text NOT NULL,
        action      text NOT NULL,
        tenant_id   uuid,
        subject     text,
        details     jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_log_by_tenant ON billing.audit_log (tenant_id, id);

    CREATE TRIGGER package_draws_append_only BEFORE UPDATE OR DELETE ON billing.package_draws
        FOR EACH ROW EXECUTE FUNCTION billing.append_only();
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON billing.audit_log
        FOR EACH ROW EXECUTE FUNCTION billing.append_only();
    CREATE TRIGGER price_books_append_only BEFORE UPDATE OR DELETE ON billing.price_books
        FOR EACH ROW EXECUTE FUNCTION billing.append_only();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE billing.audit_log, billing.idempotency_keys, billing.tenant_funds, billing.package_draws,
               billing.price_books;
    ALTER TABLE billing.accounts DROP CONSTRAINT tenant_balance_within_overdraft, DROP COLUMN overdraft;
    ALTER TABLE billing.ledger_entries DROP COLUMN kind, DROP COLUMN reference, DROP COLUMN memo;
    ALTER TABLE billing.charges DROP CONSTRAINT charges_sign_check, DROP CONSTRAINT charges_kind_check,
        DROP COLUMN txn_id, DROP COLUMN list_amount, DROP COLUMN card_seconds, DROP COLUMN shortfall,
        DROP COLUMN package_id, DROP COLUMN package_value, DROP COLUMN vendor_cost, DROP COLUMN reason,
        ADD CONSTRAINT charges_kind_check CHECK (kind IN ('charge', 'refund')),
        ADD CONSTRAINT charges_check CHECK ((kind = 'charge' AND amount >= 0) OR (kind = 'refund' AND amount <= 0));
    DROP TABLE billing.packages, billing.package_offers;
    ALTER TABLE billing.metered_jobs DROP COLUMN vendor_cost_per_minute, DROP COLUMN price_rule,
        DROP COLUMN next_minute, DROP COLUMN next_minute_at, DROP COLUMN funds_exhausted_at;
    """)
