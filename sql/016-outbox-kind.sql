-- The evidence checkpoint is due as soon as a dunning step went out (evcheckpoint.c): found
-- from the dunning messages, through this index, instead of by joining every evidence
-- record since the last checkpoint, which over a first ingest of 100,000 confirmations
-- read 350 MB of pages in every cycle (make bench).
CREATE INDEX outbox_kind ON outbox(kind);
