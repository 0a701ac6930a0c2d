/*
 * Message templates: plain UTF-8 files the trainer can edit, one per message kind and
 * language, in DIR/LANG/NAME.txt. A template starts with a "Subject: ..." line, then an
 * empty line, then the body. Text in {{name}} is replaced by the value of placeholder
 * `name`; {{#if name}} ... {{/if}} keeps its content only when `name` has a non-empty value
 * ({{#unless name}} ... {{/unless}} the opposite); blocks do not nest. Placeholder names are
 * a fixed list (template_placeholders), so a misspelt one is an error at `noshowd -t`, not
 * a blank in a customer's letter.
 *
 * Details a template writer can rely on: spaces just inside the braces are allowed
 * ("{{ name }}"); any other text after "{{" is an error, so there is no way to print "{{"
 * itself. A line that holds nothing but one block tag vanishes with its line end, and so
 * does a line that has tags and comes out blank (an empty value, an omitted inline block);
 * runs of empty lines shrink to one, empty lines at the start and white space at line ends
 * go. So blocks can stand on lines of their own, and a line such as
 * "{{#if trainer_kvk}}KvK: {{trainer_kvk}}{{/if}}" leaves no gap when it is empty. A body
 * that is not empty ends with exactly one line end. Values are inserted as they are and
 * never read as template text; in the subject every line break or other control character
 * in a value becomes a space, and runs of spaces become one. The file may have CRLF line
 * ends and a UTF-8 BOM.
 */
#ifndef NOSHOWD_TEMPLATE_H
#define NOSHOWD_TEMPLATE_H

#include <stddef.h>

struct tmpl_var {
	const char *name;
	char *value;
};

struct tmpl_vars {
	struct tmpl_var *v;
	size_t n, cap;
};

void tmpl_vars_init(struct tmpl_vars *v);
/*
 * Set (or replace) a value; the value is copied, the name is not (pass a string literal).
 * NULL sets the empty string. A name missing from template_placeholders is logged, since
 * no template can use it.
 */
void tmpl_set(struct tmpl_vars *v, const char *name, const char *value);
void tmpl_setf(struct tmpl_vars *v, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *tmpl_get(const struct tmpl_vars *v, const char *name);	/* "" if unset */
void tmpl_vars_release(struct tmpl_vars *v);

/* NULL-terminated list of every placeholder name templates may use (meanings: template.c). */
extern const char *const template_placeholders[];
/* 1 if name is in template_placeholders. */
int template_known(const char *name);

/*
 * The shipped templates: one per message kind of SPEC section 5 except dunning-N (whose
 * template names come from the configured ladder), then the shipped ladder's templates.
 * NULL-terminated. template_langs: the shipped languages, "nl" and "en".
 */
extern const char *const template_kinds[];
extern const char *const template_ladder[];
extern const char *const template_langs[];

/*
 * Render DIR/LANG/NAME.txt. On success *subject and *body are fresh strings (the subject one
 * line, the body with '\n' line ends). Fails with err naming the file and line: missing
 * file, no Subject line, unknown placeholder, unbalanced block, not UTF-8.
 */
int template_render(const char *dir, const char *lang, const char *name,
    const struct tmpl_vars *vars, char **subject, char **body, char err[]);
/* The same, also giving the SHA-256 of the template file as read (for the evidence log). */
int template_render_file(const char *dir, const char *lang, const char *name,
    const struct tmpl_vars *vars, char **subject, char **body, char sha256[65], char err[]);

/*
 * Check that every template in `names` exists for every language in `langs` and parses;
 * every problem is appended to *errs (one "FILE:LINE: message" per line). 0 if all is well.
 * *errs is NULL or an earlier result (lines are separated by '\n', no trailing newline); it
 * is only touched when there is a problem (then -1), and the caller frees it. langs NULL
 * means template_langs; names NULL means template_kinds followed by template_ladder.
 */
int template_check(const char *dir, const char *const *langs, const char *const *names,
    char **errs);

#endif
