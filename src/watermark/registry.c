/* The watermark stores sigil knows, by name: one line each. */
#include "watermark/watermark.h"

#include <string.h>

#include "watermark/file/file.h"

static const struct wm_driver *const wm_drivers[] = {
	&wm_file_driver,
};

const struct wm_driver *
wm_driver_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(wm_drivers) / sizeof(wm_drivers[0]); i++)
		if (strcmp(wm_drivers[i]->name, name) == 0)
			return wm_drivers[i];
	return NULL;
}
