/* The watermark stores sigil knows, by name: one line each. */
#include "watermark/watermark.h"
#include "watermark/registry_test.h"

#include <string.h>

#include "watermark/file/file.h"
#include "watermark/postgres/postgres.h"

static const struct wm_driver *const wm_drivers[] = {
	&wm_file_driver,
	&wm_postgres_driver,
};

/* registry_test.h: one more driver, set by a test before anything opens. */
static const struct wm_driver *wm_test_driver;

void
wm_driver_add_for_tests(const struct wm_driver *d)
{
	wm_test_driver = d;
}

const struct wm_driver *
wm_driver_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(wm_drivers) / sizeof(wm_drivers[0]); i++)
		if (strcmp(wm_drivers[i]->name, name) == 0)
			return wm_drivers[i];
	if (name != NULL && wm_test_driver != NULL && strcmp(wm_test_driver->name, name) == 0)
		return wm_test_driver;
	return NULL;
}
