/* kernels.h: the plugin's kernel table (kernels.c), for its descriptor. */
#ifndef OPINFO_QNN_HTP_KERNELS_H
#define OPINFO_QNN_HTP_KERNELS_H

#include <stddef.h>

#include <opinfo/plugin.h>

extern const opinfo_plugin_kernel qnn_htp_kernels[];
extern const char *const qnn_htp_kernel_signatures[];
extern const size_t qnn_htp_n_kernels;

#endif
