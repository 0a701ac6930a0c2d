-- DKIM signing (#7). The sender signs a message at its first attempt, before its bytes are
-- kept as evidence, and writes the signed bytes over outbox_data.data and outbox.hash, so
-- that every later attempt sends exactly these bytes. dkim says how it was signed, as the
-- JSON object the evidence records carry: {"domain":"..","selector":"..","key_sha256":".."}
-- (key_sha256: SHA-256 of the public key's DER SubjectPublicKeyInfo, what the DNS record's
-- p= holds). NULL: not signed.
ALTER TABLE outbox ADD COLUMN dkim TEXT;
