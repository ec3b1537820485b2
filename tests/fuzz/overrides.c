/* Fuzz target: ONNX Runtime's TensorQuantOverrides as a file. The reader, every validation rule
 * and the type check on qnn-htp (opinfo_overrides_check), the fixer in both modes, and the
 * writer, whose output must read back, against the graph of ONNX Runtime's own fixer example
 * (tests/overrides/fix/ort-example.qgraph.json, held here as text) extended by a weight and a
 * bias so that initializers, per-channel entries and MatMul's mixed variants are reachable.
 *
 * The database is the default one ($OPINFO_DB); `make fuzz` and `make test` set it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static opinfo_db *db;
static opinfo_qgraph *graph;

static const char graph_text[] =
    "{\"qgraph\": 1, \"tensors\": ["
    "{\"name\": \"input_0\", \"dtype\": \"float32\"}, {\"name\": \"input_1\", \"dtype\": \"float32\"},"
    "{\"name\": \"op1_out\", \"dtype\": \"float32\"}, {\"name\": \"op2_out\", \"dtype\": \"float32\"},"
    "{\"name\": \"op3_out\", \"dtype\": \"float32\"}, {\"name\": \"op4_out\", \"dtype\": \"float32\"},"
    "{\"name\": \"op5_out\", \"dtype\": \"float32\"}, {\"name\": \"output_0\", \"dtype\": \"float32\"},"
    "{\"name\": \"output_1\", \"dtype\": \"float32\"}, {\"name\": \"output_2\", \"dtype\": \"float32\"},"
    "{\"name\": \"W\", \"dtype\": \"float32\", \"initializer\": true, \"shape\": [4, 4, 3, 3]},"
    "{\"name\": \"B\", \"dtype\": \"float32\", \"initializer\": true, \"shape\": [4]},"
    "{\"name\": \"conv_out\", \"dtype\": \"float32\"}, {\"name\": \"mm_out\", \"dtype\": \"float32\"}],"
    "\"nodes\": ["
    "{\"name\": \"op1\", \"op\": \"Sigmoid\", \"inputs\": [\"input_0\"], \"outputs\": [\"op1_out\"]},"
    "{\"name\": \"op2\", \"op\": \"Cos\", \"inputs\": [\"input_1\"], \"outputs\": [\"op2_out\"]},"
    "{\"name\": \"op3\", \"op\": \"Sin\", \"inputs\": [\"op1_out\"], \"outputs\": [\"op3_out\"]},"
    "{\"name\": \"op4\", \"op\": \"Tanh\", \"inputs\": [\"op2_out\"], \"outputs\": [\"op4_out\"]},"
    "{\"name\": \"op5\", \"op\": \"Mul\", \"inputs\": [\"op3_out\", \"op4_out\"], \"outputs\": [\"op5_out\"]},"
    "{\"name\": \"op6\", \"op\": \"Relu\", \"inputs\": [\"op5_out\"], \"outputs\": [\"output_0\"]},"
    "{\"name\": \"op7\", \"op\": \"Cos\", \"inputs\": [\"op2_out\"], \"outputs\": [\"output_1\"]},"
    "{\"name\": \"op8\", \"op\": \"Sigmoid\", \"inputs\": [\"op2_out\"], \"outputs\": [\"output_2\"]},"
    "{\"name\": \"conv\", \"op\": \"Conv\", \"inputs\": [\"op5_out\", \"W\", \"B\"], \"outputs\": [\"conv_out\"]},"
    "{\"name\": \"mm\", \"op\": \"MatMul\", \"inputs\": [\"conv_out\", \"op4_out\"], \"outputs\": [\"mm_out\"]}]}";

static void teardown(void)
{
    opinfo_qgraph_free(graph);
    opinfo_db_close(db);
    graph = NULL;
    db = NULL;
}

static void setup(void)
{
    if (db)
        return;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK ||
        opinfo_qgraph_parse("graph.qgraph.json", graph_text, sizeof graph_text - 1, 0, &graph,
                            &e) != OPINFO_OK) {
        fprintf(stderr, "fuzz-overrides: %s: %s\n", e.source, e.text);
        abort();
    }
    atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_overrides *ov = NULL;
    if (opinfo_overrides_parse("fuzz.json", (const char *)data, size, &ov, &e) != OPINFO_OK)
        return 0;
    unsigned h = 0;
    for (size_t i = 0; i < size; i++)
        h = h * 31u + data[i];
    opinfo_overrides_options o;
    opinfo_overrides_options_init(&o);
    o.backend = "qnn-htp";
    o.soc = (h & 1) ? "SM8650" : "SM8350";
    o.activation_type = (h >> 1) % 3 == 0 ? OPINFO_QT_UINT16 : OPINFO_QT_UINT8;
    opinfo_report *r = opinfo_report_new();
    if (r && opinfo_overrides_check(db, graph, ov, &o, r, &e) == OPINFO_OK) {
        char *text = NULL;
        if (opinfo_report_write(r, (opinfo_format)((h >> 3) % 4), &text, &e) == OPINFO_OK &&
            !text)
            abort();
        free(text);
    }
    opinfo_report_free(r);
    for (int mode = 0; mode < 2; mode++) {
        opinfo_error_init(&e);
        o.flags = mode ? OPINFO_FIX_ORT : 0;
        opinfo_overrides *fixed = NULL;
        r = opinfo_report_new();
        if (r && opinfo_overrides_fix(db, graph, ov, &o, &fixed, r, &e) == OPINFO_OK && fixed) {
            char *text = NULL;
            if (opinfo_overrides_write(fixed, &text, &e) == OPINFO_OK) {
                /* what the fixer writes reads back */
                opinfo_overrides *back = NULL;
                if (opinfo_overrides_parse("fixed.json", text, strlen(text), &back, &e) !=
                    OPINFO_OK) {
                    fprintf(stderr, "fuzz-overrides: the fixer's output does not read back: %s\n%s\n",
                            e.text, text);
                    abort();
                }
                opinfo_overrides_free(back);
            }
            free(text);
        }
        opinfo_overrides_free(fixed);
        opinfo_report_free(r);
    }
    opinfo_overrides_free(ov);
    return 0;
}
