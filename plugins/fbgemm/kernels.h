/* kernels.h: the plugin's kernel table (kernels.c), for its descriptor. */
#ifndef OPINFO_FBGEMM_KERNELS_H
#define OPINFO_FBGEMM_KERNELS_H

#include <stddef.h>

#include <opinfo/plugin.h>

extern const opinfo_plugin_kernel fbgemm_kernels[];
extern const char *const fbgemm_kernel_signatures[];
extern const size_t fbgemm_n_kernels;

#endif
