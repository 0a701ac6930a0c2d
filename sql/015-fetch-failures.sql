-- A message the IMAP server fails to give (Dovecot drops the session on a file it cannot
-- read) would stop the collection at it for good, since the mailbox is read by a high-water
-- mark: its UID and the cycles it failed in are kept, and after BOUNCES_FETCH_TRIES it is
-- passed by (bounces.c).
ALTER TABLE bounce_mailbox ADD COLUMN failed_uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bounce_mailbox ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
