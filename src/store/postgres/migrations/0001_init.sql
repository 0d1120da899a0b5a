-- keyctl's PostgreSQL schema, version 1. Timestamps are Unix seconds (bigint), as in the
-- records; ids are text.

-- Numbers every change of a license's standing and of a key, so that each replica reloads
-- only what changed since it last looked (see src/store/postgres/view.rs).
CREATE SEQUENCE keyctl_change_seq;

CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE keys (
    kid        text PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('active', 'trusted', 'retired')),
    created    bigint NOT NULL,
    retired    bigint,
    public     text,
    seed       text,
    sealed     text,
    change_seq bigint NOT NULL
);
CREATE INDEX keys_change_seq ON keys (change_seq);

CREATE TABLE products (
    id              text PRIMARY KEY,
    number          bigint NOT NULL UNIQUE,
    name            text NOT NULL,
    support_message text,
    created         bigint NOT NULL
);

-- Ids compare bytewise (COLLATE "C"), so that a batch's prefix is a range of the index.
CREATE TABLE licenses (
    id              text COLLATE "C" PRIMARY KEY,
    short_key       text NOT NULL UNIQUE,
    jwt             text NOT NULL,
    secret          text NOT NULL,
    status          text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    reason          text,
    created         bigint NOT NULL,
    licensee        text NOT NULL,
    products        text[] NOT NULL,
    expires         bigint,
    max_activations bigint,
    ref             text,
    -- Seats in use: the counter every activation re-checks on the locked row.
    seats           bigint NOT NULL DEFAULT 0,
    -- 0 for a license whose standing never changed (it is active): the view skips those.
    change_seq      bigint NOT NULL DEFAULT 0
);
CREATE INDEX licenses_change_seq ON licenses (change_seq) WHERE change_seq > 0;

CREATE TABLE refs (
    product    text NOT NULL,
    ref        text NOT NULL,
    license_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (product, ref)
);

-- license_id compares as licenses.id does (COLLATE "C"): with another collation, a join
-- on the two cannot use this table's primary key, and every activation scanned the table.
CREATE TABLE activations (
    license_id text COLLATE "C" NOT NULL,
    hwid       text NOT NULL,
    machine    text,
    "user"     text,
    first_seen bigint NOT NULL,
    last_seen  bigint NOT NULL,
    PRIMARY KEY (license_id, hwid)
);

CREATE TABLE replay (
    request bigint PRIMARY KEY,
    license bigint NOT NULL,
    expires bigint NOT NULL
);
CREATE INDEX replay_expires ON replay (expires);

CREATE TABLE batches (
    prefix  text COLLATE "C" PRIMARY KEY,
    state   text NOT NULL CHECK (state IN ('staging', 'abandoned')),
    started bigint NOT NULL,
    output  text
);
