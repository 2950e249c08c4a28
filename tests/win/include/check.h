/* check.h - on Windows, our runner stands in for Check (see
 * ../check_shim.h): the unit test sources include <check.h> unchanged. */
#include "../check_shim.h"
