/*
 * noshowctl evidence: list the records (of one booking), verify the whole log, export one
 * booking's bundle. See evidence.h for what the log holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "evidence.h"
#include "json.h"

static int
evidence_list(struct ctl *x, int64_t booking_id)
{
	sqlite3_stmt *q = store_q(&x->s, "SELECT e.seq, e.body, e.hash, b.ref FROM evidence e "
	    "LEFT JOIN bookings b ON b.id = e.booking_id WHERE ? = 0 OR e.booking_id = ? "
	    "ORDER BY e.seq", "ii", booking_id, booking_id);
	static const char *const fields[] = { "at", "event", "kind", "rcpt", "message_id",
	    "msg_sha256", "reply", "error", "tls_fingerprint", "records", "key_sha256",
	    "timestamp_time", "action", "status", "reporting_mta", "remote_mta", "diagnostic",
	    "report_sha256", "report_size", "mailbox", "uid", "transport", "server", "address",
	    "dsn", NULL };
	static const char *const dkim_fields[] = { "domain", "selector", "key_sha256", NULL };
	struct json j;

	if (x->v.json) {
		json_init(&j, stdout, x->c.timezone);
		json_arr(&j);
	} else {
		printf("%-5s %-24s %-18s %-11s %-18s %s\n", "SEQ", "AT (UTC)", "EVENT", "REF",
		    "KIND", "TO / ANSWER");
	}
	while (store_step(&x->s, q) > 0) {
		const char *body = store_col_text(q, 1);
		char *v[28], *dkim = evidence_body_object(body, "dkim"), *d[3] = { 0 };

		for (int i = 0; fields[i] != NULL; i++)
			v[i] = evidence_body_field(body, fields[i]);
		for (int i = 0; dkim != NULL && dkim_fields[i] != NULL; i++)
			d[i] = evidence_body_field(dkim, dkim_fields[i]);
		if (x->v.json) {
			json_obj(&j);
			json_key(&j, "seq"); json_int(&j, sqlite3_column_int64(q, 0));
			json_key(&j, "hash"); json_str(&j, store_col_text(q, 2));
			json_key(&j, "ref");
			json_str(&j, sqlite3_column_text(q, 3) ? store_col_text(q, 3) : NULL);
			for (int i = 0; fields[i] != NULL; i++) {
				json_key(&j, fields[i]);
				/* A delivery record's sizes and UIDs are numbers. */
				if (v[i] != NULL && (strcmp(fields[i], "report_size") == 0 ||
				    strcmp(fields[i], "uid") == 0))
					json_int(&j, strtoll(v[i], NULL, 10));
				else
					json_str(&j, v[i]);
			}
			/* Which key signed: an object, as in the record. */
			json_key(&j, "dkim");
			if (dkim != NULL) {
				json_obj(&j);
				for (int i = 0; dkim_fields[i] != NULL; i++) {
					json_key(&j, dkim_fields[i]);
					json_str(&j, d[i]);
				}
				json_obj_end(&j);
			} else
				json_null(&j);
			json_obj_end(&j);
		} else {
			printf("%-5lld %-24s %-18s %-11s %-18s %s%s%s\n",
			    (long long)sqlite3_column_int64(q, 0), v[0], v[1],
			    sqlite3_column_text(q, 3) ? store_col_text(q, 3) : "-",
			    v[2] ? v[2] : v[9] ? "records 1.." : "-", v[3] ? v[3] : v[9] ? v[9] : "",
			    v[3] || v[9] ? ": " : "", v[6] ? v[6] : v[7] ? v[7] : v[10] ?
			    v[10] : v[12] ? v[12] : "");
			/* A send record's signature and DSN request, on lines of their own. */
			if (dkim != NULL)
				printf("%-5s dkim: d=%s s=%s key_sha256=%s\n", "", d[0] ? d[0] : "-",
				    d[1] ? d[1] : "-", d[2] ? d[2] : "-");
			if (v[24] != NULL)
				printf("%-5s dsn: %s\n", "", v[24]);
		}
		for (int i = 0; fields[i] != NULL; i++)
			free(v[i]);
		for (int i = 0; i < 3; i++)
			free(d[i]);
		free(dkim);
	}
	if (x->v.json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return x->s.failed ? 1 : 0;
}

int
cmd_evidence(struct ctl *x, int argc, char **argv)
{
	char err[ERR_MAX];
	int64_t id = 0;
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc <= 3) {
		if (argc == 3 && (id = ctl_booking(x, "evidence list", argv[2])) <= 0)
			return 1;
		return evidence_list(x, id);
	}
	if (argc == 2 && strcmp(argv[1], "verify") == 0) {
		if (evidence_verify(&x->s, &x->c, x->v.json ? NULL : stdout, err) < 0) {
			fprintf(stderr, "noshowctl: evidence verify: FAILED: %s\n", err);
			return 1;
		}
		if (x->v.json)
			printf("{\"ok\":true}\n");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "export") == 0) {
		if ((id = ctl_booking(x, "evidence export", argv[2])) <= 0)
			return 1;
		if (evidence_export(&x->s, &x->c, id, argv[3], x->v.now, err) < 0) {
			fprintf(stderr, "noshowctl: evidence export: %s\n", err);
			return 1;
		}
		printf("wrote %s: check it with %s/verify.sh\n", argv[3], argv[3]);
		return 0;
	}
	return usage_error("usage: evidence list [REF] | evidence verify | evidence export REF "
	    "DIR");
}
