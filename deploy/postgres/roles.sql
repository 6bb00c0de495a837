-- PostgreSQL roles for sirecords (docs/deployment.md, PostgreSQL roles). Run as a superuser, connected to the
-- sirecords database, after every `sirecords init` (migration), e.g.
--   sudo -u postgres psql -d sirecords -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
-- It is idempotent. It sets no passwords: `\password sirecords_owner` and `\password sirecords_app` once.
--
-- sirecords_owner owns the schema's tables and runs the migrations (`sirecords init` with its DATABASE_URL).
-- sirecords_app is what the server and the timer jobs connect as: it reads and writes, but may not UPDATE, DELETE or
-- TRUNCATE the append-only tables (ledger/triggers.py APPEND_ONLY_TABLES) and, not owning them, cannot drop their
-- triggers. The owner can: its use is rare, logged in full by pgaudit (pgaudit.conf), and what it changes `sirecords
-- verify` finds against the witness share.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sirecords_owner') THEN
        CREATE ROLE sirecords_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sirecords_app') THEN
        CREATE ROLE sirecords_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO sirecords_owner, sirecords_app', current_database());
END
$$;

-- Nobody else may create in, or read from, the schema.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO sirecords_owner;
GRANT USAGE ON SCHEMA public TO sirecords_app;

-- Tables a superuser migrated before this file ran pass to the owner (the function too, so it owns the triggers').
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'sirecords_owner' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO sirecords_owner', item.tablename);
    END LOOP;
    FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequenceowner <> 'sirecords_owner' LOOP
        EXECUTE format('ALTER SEQUENCE public.%I OWNER TO sirecords_owner', item.sequencename);
    END LOOP;
    IF EXISTS (SELECT FROM pg_proc WHERE proname = 'sirecords_append_only') THEN
        ALTER FUNCTION public.sirecords_append_only() OWNER TO sirecords_owner;
    END IF;
    IF EXISTS (SELECT FROM pg_proc WHERE proname = 'contributions_rows_have_batch') THEN  -- contributions 0007
        ALTER FUNCTION public.contributions_rows_have_batch() OWNER TO sirecords_owner;
    END IF;
END
$$;

-- The application: read and write the tables, use their sequences …
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sirecords_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sirecords_app;
-- … and the same on the tables later migrations create (made by the owner).
ALTER DEFAULT PRIVILEGES FOR ROLE sirecords_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sirecords_app;
ALTER DEFAULT PRIVILEGES FOR ROLE sirecords_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO sirecords_app;

-- … but history is append-only: only INSERT and SELECT on these (keep in step with ledger/triggers.py).
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON ledger_entry, ledger_checkpoint, workflow_action, audit_access_event FROM sirecords_app;
