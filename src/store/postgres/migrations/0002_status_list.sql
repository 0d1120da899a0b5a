-- keyctl's PostgreSQL schema, version 2: the status list (revocation without a network).

-- Each license's index in the store's status list; NULL for licenses issued before it.
ALTER TABLE licenses ADD COLUMN status_idx bigint;

-- Publishing the list reads only the licenses that are not active.
CREATE INDEX licenses_inactive ON licenses (status_idx)
    WHERE status <> 'active' AND status_idx IS NOT NULL;

-- How many indexes were ever reserved: one row, raised by a conditional UPDATE whose row
-- lock makes every range exclusive. Never lowered, so an index is never reused.
CREATE TABLE status_list (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    allocated bigint NOT NULL CHECK (allocated >= 0)
);
INSERT INTO status_list (allocated) VALUES (0);

-- The indexes a batch reserved, so that the list revokes them if the batch is abandoned.
ALTER TABLE batches ADD COLUMN status_first bigint, ADD COLUMN status_count bigint;
