/*
 * noshowctl evidence export REF DIR: one booking's evidence as a bundle anyone can check
 * with data/evidence-verify.sh (written in as verify.sh): the booking's records, their audit
 * paths into the Merkle tree of the latest checkpoint (made now if the last record is not
 * covered yet), the messages, the checkpoint's statement, signature, public key and
 * timestamp, the dialogues apart for reading, and a summary in the customer's language and
 * in English. Other customers' records are in the tree only as hashes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embed.h"
#include "evidence.h"
#include "merkle.h"

static int
put(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
    char err[ERR_MAX])
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		errf(err, "cannot write %s: %s", path, strerror(errno));
		if (f == NULL && fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int
put_str(const char *dir, const char *name, const char *text, char err[ERR_MAX])
{
	return put(dir, name, text, strlen(text), 0644, err);
}

/* The checkpoint a bundle shows: the latest, after making one if `last` is not covered. */
static int64_t
export_checkpoint(struct store *s, const struct config *c, int64_t last, time_t now,
    char err[ERR_MAX])
{
	int64_t cp = store_int(s, 0, "SELECT max(seq) FROM evidence WHERE event = 'checkpoint'",
	    "");

	if (cp > last)
		return cp;
	return evidence_checkpoint(s, c, now, err);
}

/* checkpoint/: statement.txt, signature.bin, signing.pub, timestamp.tsr. */
static int
export_checkpoint_files(const char *dir, const char *body, char err[ERR_MAX])
{
	char *statement = evidence_body_field(body, "statement");
	char *sig = evidence_body_field(body, "signature");
	char *pem = evidence_body_field(body, "public_key");
	char *stamp = evidence_body_field(body, "timestamp");
	unsigned char raw[64];
	int rc = -1;

	if (statement == NULL || evidence_unhex(sig, raw, sizeof(raw)) < 0 || pem == NULL) {
		errf(err, "the checkpoint record is incomplete; run noshowctl evidence verify");
		goto out;
	}
	if (put_str(dir, "statement.txt", statement, err) < 0 ||
	    put(dir, "signature.bin", raw, sizeof(raw), 0644, err) < 0 ||
	    put_str(dir, "signing.pub", pem, err) < 0)
		goto out;
	if (stamp != NULL) {
		size_t dlen = 0;
		unsigned char *der = evidence_unbase64(stamp, &dlen);

		rc = der ? put(dir, "timestamp.tsr", der, dlen, 0644, err) : 0;
		free(der);
		goto out;
	}
	rc = 0;
out:
	free(statement), free(sig), free(pem), free(stamp);
	return rc;
}

/* A delivery report's record in the summary: what the report says and where it is. */
static void
summary_report(struct buf *b, const char *body, const char *ev, int nl)
{
	char *report = evidence_body_field(body, "report_sha256");
	char *action = evidence_body_field(body, "action");
	char *status = evidence_body_field(body, "status");
	char *mta = evidence_body_field(body, "reporting_mta");
	char *diag = evidence_body_field(body, "diagnostic");

	buf_printf(b, nl ? "      %s (%s%s%s), gemeld door %s: messages/%s.eml\n" :
	    "      %s (%s%s%s), reported by %s: messages/%s.eml\n", ev, action ? action : "",
	    status ? " " : "", status ? status : "", mta ? mta : "?", report ? report : "");
	if (diag != NULL)
		buf_printf(b, "      %s\n", diag);
	free(report), free(action), free(status), free(mta), free(diag);
}

/* One message record in the summary, in English or Dutch. */
static void
summary_record(struct buf *b, const char *body, int nl)
{
	char *at = evidence_body_field(body, "at"), *ev = evidence_body_field(body, "event");
	char *kind = evidence_body_field(body, "kind"), *rcpt = evidence_body_field(body, "rcpt");
	char *mid = evidence_body_field(body, "message_id");
	char *hash = evidence_body_field(body, "msg_sha256");
	char *server = evidence_body_field(body, "server");
	char *reply = evidence_body_field(body, "reply"), *fp = evidence_body_field(body,
	    "tls_fingerprint"), *error = evidence_body_field(body, "error");
	char *seq = evidence_body_field(body, "seq");

	buf_printf(b, "  %s  %s (record %s)\n", at ? at : "", kind ? kind : ev, seq ? seq : "?");
	buf_printf(b, nl ? "      aan %s, Message-ID %s\n" : "      to %s, Message-ID %s\n",
	    rcpt ? rcpt : "", mid ? mid : "");
	if (hash == NULL) {
		summary_report(b, body, ev, nl);
		goto out;
	}
	buf_printf(b, "      messages/%s.eml\n", hash);
	buf_printf(b, nl ? "      %s: %s antwoordde: %s\n" : "      %s: %s answered: %s\n",
	    ev, server ? server : "", reply ? reply : error ? error : "-");
	if (fp != NULL)
		buf_printf(b, nl ? "      TLS-certificaat van de server: %s\n" :
		    "      the server's TLS certificate: %s\n", fp);
out:
	free(at), free(ev), free(kind), free(rcpt), free(mid), free(hash), free(server);
	free(reply), free(fp), free(error), free(seq);
}

static char *
summary(const char *ref, const char *who, const char *cp_body, const char *records, int nl)
{
	char *n = evidence_body_field(cp_body, "records"), *at = evidence_body_field(cp_body,
	    "at"), *fp = evidence_body_field(cp_body, "key_sha256");
	char *tsa = evidence_body_field(cp_body, "tsa_url"), *tst = evidence_body_field(cp_body,
	    "timestamp_time");
	const char *line = records;
	struct buf b;

	buf_init(&b);
	buf_printf(&b, nl ? "Bewijsstukken voor inschrijving %s (%s)\n\nVerzonden berichten en "
	    "het antwoord van de mailserver:\n\n" : "Evidence for booking %s (%s)\n\n"
	    "Messages sent and what the mail server answered:\n\n", ref, who);
	while (*line) {
		const char *end = strchr(line, '\n');
		char *one = xstrndup(line, end ? (size_t)(end - line) : strlen(line));

		summary_record(&b, one, nl);
		free(one);
		line = end ? end + 1 : line + strlen(line);
	}
	buf_printf(&b, nl ? "\nDeze records zijn opgenomen in een ondertekend controlepunt over "
	    "records 1 tot en met %s\nvan het bewijslogboek (%s), ondertekend met de sleutel "
	    "met SHA-256-vingerafdruk\n%s.\n" : "\nThese records are part of a signed checkpoint "
	    "over records 1 to %s of the evidence\nlog (%s), signed by the key whose SHA-256 "
	    "fingerprint is\n%s.\n", n ? n : "?", at ? at : "", fp ? fp : "");
	if (tst != NULL)
		buf_printf(&b, nl ? "Tijdstempel (RFC 3161) van %s: %s.\n" :
		    "Timestamp (RFC 3161) by %s: %s.\n", tsa ? tsa : "", tst);
	buf_addstr(&b, nl ?
	    "\nControleren: voer ./verify.sh uit in deze map (nodig: bash, coreutils en\n"
	    "openssl). Het script controleert elk bericht, elk record, de handtekening en\n"
	    "de tijdstempel, en faalt bij elke gewijzigde byte. Vergelijk de vingerafdruk\n"
	    "die het toont met de vingerafdruk die de trainer heeft gepubliceerd.\n" :
	    "\nHow to check: run ./verify.sh in this directory (it needs bash, coreutils and\n"
	    "openssl). It checks every message, every record, the signature and the\n"
	    "timestamp, and fails on any altered byte. Compare the fingerprint it prints\n"
	    "with the one the trainer published.\n");
	free(n), free(at), free(fp), free(tsa), free(tst);
	return buf_detach(&b);
}

/* records.jsonl, proofs.txt, messages/ and dialogues/ for records of the tree t. */
static int
export_records(struct store *s, const struct config *c, int64_t booking_id,
    const struct merkle_tree *t, const char *dir, struct buf *records, char err[ERR_MAX])
{
	sqlite3_stmt *q = store_q(s, "SELECT seq, body FROM evidence WHERE booking_id = ? AND "
	    "seq <= ? ORDER BY seq", "ii", booking_id, (int64_t)t->n);
	char *mdir = xasprintf("%s/messages", dir), *ddir = xasprintf("%s/dialogues", dir);
	struct buf proofs;
	int rc = 0;

	buf_init(&proofs);
	mkdir(mdir, 0755);
	mkdir(ddir, 0755);
	while (rc == 0 && store_step(s, q) > 0) {
		int64_t seq = sqlite3_column_int64(q, 0);
		const char *body = store_col_text(q, 1);
		unsigned char path[MERKLE_PATH_MAX][MERKLE_HASH_LEN];
		size_t len = merkle_tree_path(t, (size_t)seq - 1, path);
		char hex[65], *hash = evidence_body_field(body, "msg_sha256");
		char *dialogue = evidence_body_field(body, "dialogue"), name[96];

		/* A delivery record's file is the report, kept next to the messages. */
		if (hash == NULL)
			hash = evidence_body_field(body, "report_sha256");
		buf_printf(records, "%s\n", body);
		buf_printf(&proofs, "%lld", (long long)seq - 1);
		for (size_t i = 0; i < len; i++) {
			evidence_hex(path[i], MERKLE_HASH_LEN, hex);
			buf_printf(&proofs, " %s", hex);
		}
		buf_addch(&proofs, '\n');
		if (hash != NULL) {
			char *src = evidence_message_path(c->evidence_dir, hash), *data = NULL;
			size_t dlen;

			snprintf(name, sizeof(name), "%s.eml", hash);
			char *dst = xasprintf("%s/%s", mdir, name);

			/* The trainer's copy and a retry share the bytes: one file. */
			if (access(dst, F_OK) < 0) {
				if ((data = read_file(src, 64 << 20, &dlen, err)) == NULL)
					rc = -1;
				else
					rc = put(mdir, name, data, dlen, 0444, err);
				free(data);
			}
			free(dst), free(src);
		}
		if (rc == 0 && dialogue != NULL) {
			snprintf(name, sizeof(name), "%lld.txt", (long long)seq);
			rc = put_str(ddir, name, dialogue, err);
		}
		free(hash), free(dialogue);
	}
	sqlite3_reset(q);
	if (rc == 0)
		rc = put(dir, "records.jsonl", records->data ? records->data : "", records->len,
		    0644, err) < 0 || put(dir, "proofs.txt", proofs.data ? proofs.data : "",
		    proofs.len, 0644, err) < 0 ? -1 : 0;
	buf_release(&proofs);
	free(mdir), free(ddir);
	return rc;
}

int
evidence_export(struct store *s, const struct config *c, int64_t booking_id, const char *dir,
    time_t now, char err[ERR_MAX])
{
	int64_t last = store_int(s, 0, "SELECT max(seq) FROM evidence WHERE booking_id = ?", "i",
	    booking_id), cp, n;
	char *cp_body = NULL, *ref = NULL, *who = NULL, *cdir = NULL, *lang = NULL, *text;
	struct merkle_tree t;
	struct buf records;
	int rc = -1;

	if (last == 0)
		return errf(err, "no evidence for this booking yet: none of its messages was sent");
	if (mkdir(dir, 0700) < 0)
		return errf(err, "cannot create %s: %s (give a directory that does not exist yet)",
		    dir, strerror(errno));
	if ((cp = export_checkpoint(s, c, last, now, err)) <= 0) {
		if (cp == 0)
			errf(err, "no checkpoint covers record %lld", (long long)last);
		return -1;
	}
	cp_body = store_text(s, "SELECT body FROM evidence WHERE seq = ?", "i", cp);
	text = cp_body ? evidence_body_field(cp_body, "records") : NULL;
	n = text ? strtoll(text, NULL, 10) : 0;
	free(text);
	ref = store_text(s, "SELECT ref FROM bookings WHERE id = ?", "i", booking_id);
	who = store_text(s, "SELECT coalesce(name || ' <' || email || '>', email) FROM bookings "
	    "WHERE id = ?", "i", booking_id);
	lang = store_text(s, "SELECT coalesce(b.language, c.language, ?) FROM bookings b JOIN "
	    "customers c ON c.email = b.email WHERE b.id = ?", "ti", c->language, booking_id);
	if (n < last || evidence_tree(s, n, &t) < 0) {
		errf(err, "%s", s->failed ? s->error : "the checkpoint does not cover the booking");
		goto out;
	}
	buf_init(&records);
	cdir = xasprintf("%s/checkpoint", dir);
	if (export_records(s, c, booking_id, &t, dir, &records, err) == 0 &&
	    mkdir(cdir, 0755) == 0 && export_checkpoint_files(cdir, cp_body, err) == 0 &&
	    put(dir, "verify.sh", verify_sh[0].data, verify_sh[0].len, 0755, err) == 0) {
		text = summary(ref, who, cp_body, records.data ? records.data : "", 0);
		rc = put_str(dir, "summary.en.txt", text, err);
		free(text);
		if (rc == 0 && lang != NULL && strcmp(lang, "nl") == 0) {
			text = summary(ref, who, cp_body, records.data ? records.data : "", 1);
			rc = put_str(dir, "summary.nl.txt", text, err);
			free(text);
		}
	}
	buf_release(&records);
	merkle_tree_release(&t);
out:
	free(cp_body), free(ref), free(who), free(cdir), free(lang);
	return rc;
}
