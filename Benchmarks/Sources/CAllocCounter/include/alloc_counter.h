#ifndef CROSSWIRE_ALLOC_COUNTER_H
#define CROSSWIRE_ALLOC_COUNTER_H
#include <stdint.h>
/// Number of heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) so far.
uint64_t cw_alloc_count(void);
#endif
