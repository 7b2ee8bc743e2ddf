#ifndef CROSSWIRE_CSODIUM_SHIM_H
#define CROSSWIRE_CSODIUM_SHIM_H
#include <sodium.h>
#endif
