/* Tests only: a watermark store of the test's own (an in-memory one that
 * stalls or fails on demand), found by wm_driver_find after the built-in
 * ones. Set it before any configuration names it: the config checks
 * watermark.driver through wm_driver_find when it is loaded. */
#ifndef SIGIL_WATERMARK_REGISTRY_TEST_H
#define SIGIL_WATERMARK_REGISTRY_TEST_H
#include "watermark/watermark.h"

void wm_driver_add_for_tests(const struct wm_driver *d);

#endif
