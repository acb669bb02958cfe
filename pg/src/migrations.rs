//! The schema, in versioned steps. `miniapp serve --database URL --migrate`
//! applies the steps a database lacks, each in a transaction, recorded in
//! `miniapp_migrations`; a node without `--migrate` refuses to start on a
//! database behind it (never a silent change).

/// The steps, in order: (version, what it does, SQL).
pub const STEPS: &[(i32, &str, &str)] =
    &[(1, "storage, catalog, packages, audit, cluster key", STEP_1)];

const STEP_1: &str = r#"
CREATE TABLE kv (
    ns text NOT NULL,
    key text NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (ns, key)
);
-- A namespace's usage, and its revision: incremented by every write, so a
-- node can tell its instance's state is stale (another node wrote since).
CREATE TABLE kv_usage (
    ns text PRIMARY KEY,
    keys bigint NOT NULL,
    bytes bigint NOT NULL,
    revision bigint NOT NULL DEFAULT 0
);
-- A write and its namespace's usage in one transaction: the usage row is
-- locked first, so quotas hold across nodes. Returns the usage the write
-- leaves (or would leave), and whether it was written.
CREATE FUNCTION kv_set(p_ns text, p_key text, p_value bytea, p_max_keys bigint, p_max_bytes bigint,
                       OUT written boolean, OUT keys bigint, OUT bytes bigint)
LANGUAGE plpgsql AS $$
DECLARE
    old_len bigint;
BEGIN
    INSERT INTO kv_usage VALUES (p_ns, 0, 0, 0) ON CONFLICT (ns) DO NOTHING;
    SELECT u.keys, u.bytes INTO keys, bytes FROM kv_usage u WHERE u.ns = p_ns FOR UPDATE;
    SELECT octet_length(k.key) + octet_length(k.value) INTO old_len
        FROM kv k WHERE k.ns = p_ns AND k.key = p_key;
    keys := keys + CASE WHEN old_len IS NULL THEN 1 ELSE 0 END;
    bytes := bytes - COALESCE(old_len, 0) + octet_length(p_key) + octet_length(p_value);
    written := keys <= p_max_keys AND bytes <= p_max_bytes;
    IF written THEN
        INSERT INTO kv VALUES (p_ns, p_key, p_value)
            ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value;
        UPDATE kv_usage u SET keys = kv_set.keys, bytes = kv_set.bytes,
            revision = u.revision + 1 WHERE u.ns = p_ns;
    END IF;
END $$;
CREATE FUNCTION kv_remove(p_ns text, p_key text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
BEGIN
    PERFORM 1 FROM kv_usage WHERE ns = p_ns FOR UPDATE;
    DELETE FROM kv WHERE ns = p_ns AND key = p_key
        RETURNING octet_length(key) + octet_length(value) INTO removed;
    IF removed IS NOT NULL THEN
        UPDATE kv_usage SET keys = greatest(keys - 1, 0), bytes = greatest(bytes - removed, 0),
            revision = revision + 1 WHERE ns = p_ns;
    END IF;
END $$;
CREATE TABLE catalog_apps (
    app text PRIMARY KEY,
    record jsonb NOT NULL
);
CREATE TABLE catalog_version (
    id int PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO catalog_version VALUES (1, 0);
CREATE TABLE packages (
    hash text PRIMARY KEY,
    bytes bytea NOT NULL
);
-- Every node's audit stream.
CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    time_ms bigint NOT NULL,
    app text NOT NULL,
    version text NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX audit_app_time ON audit (app, time_ms);
CREATE TABLE cluster (
    name text PRIMARY KEY,
    value bytea NOT NULL
);
"#;
