/* unit: a tiny unit test framework: self-registering tests and assertions that report expression, values and errno. */
#ifndef INODEGUARD_UNIT_H
#define INODEGUARD_UNIT_H

#include <errno.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	const char *file;
	struct unit_test *next;
};

/* Called by UNIT_TEST's constructor; tests run in registration order. */
void unit__register(struct unit_test *t);

/* Record a failure of the running test (first one wins). */
void unit__fail(const char *file, int line, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Mark the running test skipped, with the reason shown to the user. */
void unit__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Defines `void name(void)` and registers it before main() runs, so any
 * number of test_*.c files can be linked with unit_main.c, no table to edit.
 */
#define UNIT_TEST(name)							\
	void name(void);						\
	static struct unit_test name##__unit = { #name, name, __FILE__, 0 }; \
	__attribute__((constructor)) static void name##__unit_register(void) \
	{								\
		unit__register(&name##__unit);				\
	}								\
	void name(void)

/* Every assertion ends the test (return) when it fails. errno is captured
 * before anything else can change it.
 */
#define ASSERT_TRUE(expr) do {						\
	int __err = errno;						\
	if (!(expr)) {							\
		unit__fail(__FILE__, __LINE__, __err,			\
			   "%s, expected true got false", #expr);	\
		return;							\
	}								\
} while (0)

#define ASSERT_EQ_INT(actual, expected) do {				\
	int __err = errno;						\
	long long __a = (long long)(actual);				\
	long long __e = (long long)(expected);				\
	if (__a != __e) {						\
		unit__fail(__FILE__, __LINE__, __err,			\
			   "%s, expected %lld got %lld", #actual, __e, __a); \
		return;							\
	}								\
} while (0)

/* NULL is a value here: ASSERT_STREQ(p, NULL) checks that p is NULL. */
#define ASSERT_STREQ(actual, expected) do {				\
	int __err = errno;						\
	const char *__a = (actual), *__e = (expected);			\
	if ((__a == NULL) != (__e == NULL) ||				\
	    (__a && strcmp(__a, __e) != 0)) {				\
		unit__fail(__FILE__, __LINE__, __err,			\
			   "%s, expected %s%s%s got %s%s%s", #actual,	\
			   __e ? "\"" : "", __e ? __e : "NULL", __e ? "\"" : "", \
			   __a ? "\"" : "", __a ? __a : "NULL", __a ? "\"" : ""); \
		return;							\
	}								\
} while (0)

#define UNIT_SKIP(...) do {						\
	unit__skip(__VA_ARGS__);					\
	return;								\
} while (0)

#endif /* INODEGUARD_UNIT_H */
