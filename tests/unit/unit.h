/* Shared by the Check unit tests: each tests/unit/check_X.c is its own binary. */
#ifndef NOSHOWD_UNIT_H
#define NOSHOWD_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Path of ../shared/corpus relative to the repository (tests run from the top). */
#define CORPUS_DIR "../shared/corpus"

#define UNIT_MAIN(suite_fn)						\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
		srunner_run_all(sr, CK_NORMAL);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;	\
	}

#endif
