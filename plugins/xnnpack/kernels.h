/* kernels.h: the plugin's kernel table (kernels.c), for its descriptor. */
#ifndef OPINFO_XNNPACK_KERNELS_H
#define OPINFO_XNNPACK_KERNELS_H

#include <stddef.h>

#include <opinfo/plugin.h>

extern const opinfo_plugin_kernel xnnpack_kernels[];
extern const char *const xnnpack_kernel_signatures[];
extern const size_t xnnpack_n_kernels;

#endif
