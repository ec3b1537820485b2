/* The readable description of an op's variants and constraints on a SoC: one renderer for
 * `opinfo-db show` and `opinfo-check --explain`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

static void list_mask(oi_buf *b, unsigned mask, const char *first, const char *sep)
{
    const char *s = first;
    for (int i = 0; i < 32; i++)
        if (mask & (1u << i)) {
            oi_buf_printf(b, "%s%d", s, i);
            s = sep;
        }
}

static void port_names(oi_buf *b, const opinfo_op *op, unsigned mask, const char *sep,
                       const char *suffix)
{
    const char *s = "";
    for (size_t i = 0; i < op->n_ports && i < 32; i++)
        if (mask & (1u << i)) {
            oi_buf_printf(b, "%s%s%s", s, op->ports[i].name, suffix);
            s = sep;
        }
}

static void explain_spec(oi_buf *b, const opinfo_op *op, const opinfo_port_spec *p)
{
    const opinfo_dtype_info *dt = opinfo_dtype_get(p->dtype);
    oi_buf_printf(b, "    %-8s %-8s", op->ports[p->port].name, dt->name);
    const char *sep = "  ";
#define NEXT() (sep = "; ")
    if (p->qschemes) {
        oi_buf_puts(b, sep);
        const char *bar = "";
        for (int q = 1; q < OPINFO_QSCHEME_COUNT_; q++)
            if (p->qschemes & OPINFO_QSCHEME_BIT(q)) {
                oi_buf_printf(b, "%s%s", bar, opinfo_qscheme_name((opinfo_qscheme)q));
                bar = "|";
            }
        NEXT();
    }
    if (p->axes) {
        oi_buf_printf(b, "%saxis", sep);
        list_mask(b, p->axes, " ", ",");
        NEXT();
    }
    if (p->block_axes || p->block_size_multiple || p->block_min_size || p->block_max_size) {
        oi_buf_printf(b, "%sblocks", sep);
        if (p->block_axes)
            list_mask(b, p->block_axes, " along axis ", ",");
        if (p->block_size_multiple)
            oi_buf_printf(b, " size %% %d == 0", p->block_size_multiple);
        if (p->block_min_size)
            oi_buf_printf(b, " size >= %d", p->block_min_size);
        if (p->block_max_size)
            oi_buf_printf(b, " size <= %d", p->block_max_size);
        NEXT();
    }
    if (p->has_quant_min_lower_bound) {
        oi_buf_printf(b, "%squant_min >= %lld", sep, (long long)p->quant_min_lower_bound);
        NEXT();
    }
    if (p->has_quant_max_upper_bound) {
        oi_buf_printf(b, "%squant_max <= %lld", sep, (long long)p->quant_max_upper_bound);
        NEXT();
    }
    if (p->scale_min_lower_bound > 0) {
        oi_buf_printf(b, "%sscale >= %.9g", sep, p->scale_min_lower_bound);
        NEXT();
    }
    if (p->scale_max_upper_bound > 0) {
        oi_buf_printf(b, "%sscale <= %.9g", sep, p->scale_max_upper_bound);
        NEXT();
    }
    if (p->symmetric == 1) {
        oi_buf_printf(b, "%ssymmetric", sep);
        NEXT();
    }
    if (p->is_dynamic >= 0) {
        oi_buf_printf(b, "%s%s", sep, p->is_dynamic ? "qparams at run time (dynamic)" : "static");
        NEXT();
    }
    if (p->has_zero_point) {
        oi_buf_printf(b, "%szero_point %lld", sep, (long long)p->zero_point);
        NEXT();
    }
    if (p->has_fixed_scale) {
        if (p->fixed_scale_expr) {
            double v = 0;
            opinfo_error_t e;
            opinfo_error_init(&e);
            opinfo_formula_eval(p->fixed_scale_expr, (double)dt->qmin, (double)dt->qmax,
                                dt->bits, &v, &e);
            oi_buf_printf(b, "%sfixed scale %s = %.9g", sep, p->fixed_scale_expr, v);
        } else
            oi_buf_printf(b, "%sfixed scale %.9g", sep, p->fixed_scale);
        NEXT();
    }
    if (p->has_fixed_zero_point) {
        if (p->fixed_zero_point_expr)
            oi_buf_printf(b, "%sfixed zero_point %s", sep, p->fixed_zero_point_expr);
        else
            oi_buf_printf(b, "%sfixed zero_point %lld", sep, (long long)p->fixed_zero_point);
        NEXT();
    }
    if (p->shared_with >= 0) {
        oi_buf_printf(b, "%sshares %s's quantization (math-invariant)", sep,
                      op->ports[p->shared_with].name);
        NEXT();
    }
    if (p->derived_from) {
        oi_buf_printf(b, "%sscale = ", sep);
        port_names(b, op, p->derived_from, " * ", ".scale");
        oi_buf_puts(b, ", zero_point 0");
    }
#undef NEXT
    oi_buf_puts(b, "\n");
}

int opinfo_db_explain(opinfo_db *db, const char *backend, const char *release, const char *soc,
                      const char *name, char **out, opinfo_error_t *err)
{
    if (!db || !backend || !name || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_db_explain: NULL argument");
    opinfo_soc s;
    const opinfo_op *op;
    int rc;
    if (soc && (rc = opinfo_db_find_soc(db, backend, release, soc, &s, err)))
        return rc;
    if ((rc = opinfo_db_find_op(db, backend, release, name, &op, err)))
        return rc;
    oi_buf b;
    oi_buf_init(&b);
    oi_buf_printf(&b, "%s (%s %s)", op->name, op->backend, op->release);
    if (soc)
        oi_buf_printf(&b, " on %s, arch %s", s.name, s.arch);
    oi_buf_puts(&b, "\n");
    if (op->description)
        oi_buf_printf(&b, "  %s\n", op->description);
    if (op->n_aliases) {
        oi_buf_puts(&b, "  aliases:");
        for (size_t i = 0; i < op->n_aliases; i++)
            oi_buf_printf(&b, "%s %s", i ? "," : "", op->aliases[i].name);
        oi_buf_puts(&b, "\n");
    }
    oi_buf_puts(&b, "  ports:");
    for (size_t i = 0; i < op->n_ports; i++)
        oi_buf_printf(&b, "%s %s (%s%s%s)", i ? "," : "", op->ports[i].name,
                      opinfo_port_kind_name(op->ports[i].kind),
                      op->ports[i].optional ? ", optional" : "",
                      op->ports[i].variadic ? ", variadic" : "");
    oi_buf_puts(&b, "\n");
    int avail = 0, gated = 0;
    for (size_t i = 0; i < op->n_variants; i++) {
        const opinfo_variant *v = &op->variants[i];
        oi_buf_printf(&b, "\n  variant %s", v->name);
        if (v->configs[0])
            oi_buf_printf(&b, " [%s]", v->configs);
        if (v->is_dynamic)
            oi_buf_puts(&b, " dynamic");
        if (soc) {
            if (opinfo_variant_available(v, s.arch_rank)) {
                oi_buf_printf(&b, ": available on %s\n", s.name);
                avail++;
            } else {
                gated++;
                oi_buf_printf(&b, ": GATED on %s (arch %s): needs ", s.name, s.arch);
                if (v->min_arch && s.arch_rank < v->min_arch_rank)
                    oi_buf_printf(&b, "%s or newer", v->min_arch);
                else
                    oi_buf_printf(&b, "%s or older", v->max_arch);
                if (v->gate_note)
                    oi_buf_printf(&b, " - %s", v->gate_note);
                oi_buf_puts(&b, "\n");
            }
        } else {
            if (v->min_arch || v->max_arch) {
                oi_buf_puts(&b, ": arch");
                if (v->min_arch)
                    oi_buf_printf(&b, " >= %s", v->min_arch);
                if (v->max_arch)
                    oi_buf_printf(&b, " <= %s", v->max_arch);
                if (v->gate_note)
                    oi_buf_printf(&b, " - %s", v->gate_note);
            }
            oi_buf_puts(&b, "\n");
        }
        for (size_t k = 0; k < v->n_specs; k++)
            explain_spec(&b, op, &v->specs[k]);
        for (size_t r = 0; r < v->n_rules; r++) {
            const opinfo_rule *ru = &v->rules[r];
            oi_buf_puts(&b, "    rule     requant scale ");
            port_names(&b, op, ru->inputs, "*", "");
            oi_buf_printf(&b, "/%s in %s%.9g, %.9g%s\n", op->ports[ru->output].name,
                          ru->min_exclusive ? "(" : "[", ru->min, ru->max,
                          ru->max_exclusive ? ")" : "]");
        }
    }
    if (soc)
        oi_buf_printf(&b, "\n  %zu variant%s: %d available on %s, %d gated\n", op->n_variants,
                      op->n_variants == 1 ? "" : "s", avail, s.name, gated);
    else
        oi_buf_printf(&b, "\n  %zu variant%s\n", op->n_variants, op->n_variants == 1 ? "" : "s");
    char *text = oi_buf_steal(&b);
    if (!text)
        return oi_set_error(err, OPINFO_ENOMEM, db->path, 0, 0, 0, "out of memory");
    *out = text;
    return OPINFO_OK;
}
