// The libpq header, exposed to Swift as the CLibPQ module (found through pkg-config "libpq").
#ifndef EBBFLOW_CLIBPQ_SHIM_H
#define EBBFLOW_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
