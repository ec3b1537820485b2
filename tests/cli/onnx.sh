# ONNX models end to end. A part of tests/cli/run.sh (its helpers and variables).

# --- ONNX models, read by the C reader (tests/cli/onnx/make.py wrote them) ----------------------
M16=tests/cli/onnx/matmul16.onnx
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$M16"
same_as "$EXP/onnx-matmul16-sm8350.txt" out
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 "$M16"
lines 0 out
# by content, whatever the name; stdin too
cp "$M16" "$T/MODEL.ONNX"
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$T/MODEL.ONNX"
has "$T/MODEL.ONNX: node 4: error: y_node: MatMul 16a16w" out
cp "$M16" "$T/model.qgraph.json"
expect 1 "$CHECK" --backend qnn-htp --soc SM8350 "$T/model.qgraph.json"
has "model.qgraph.json: node 4: error: y_node" out
run "$CHECK" --backend qnn-htp --soc SM8350 - <"$M16"
if [ "$status" = 1 ]; then ok; else bad "stdin ONNX -> exit $status"; fi
has "<stdin>: node 4: error: y_node" out
# JSON and SARIF: the node's index, never a line
expect 1 "$CHECK" -f json --backend qnn-htp --soc SM8350 "$M16"
has '"node_index": 4' out
has '"qgraph_location": null' out
expect 1 "$CHECK" -f sarif --backend qnn-htp --soc SM8350 "$M16"
has '"fullyQualifiedName": "graph.node[4]"' out
has '"index": 4' out
if grep -q '"startLine"' "$T/out"; then bad "SARIF of an ONNX model has a startLine"; else ok; fi
expect 1 "$CHECK" -f junit --backend qnn-htp --soc SM8350 "$M16"
has "matmul16.onnx: node 4: error: y_node: MatMul 16a16w" out
# external data beside the model; the same model elsewhere without it
expect 0 "$CHECK" --backend qnn-htp --soc SM8650 tests/cli/onnx/ext/model.onnx
cp tests/cli/onnx/ext/model.onnx "$T/alone.onnx"
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 "$T/alone.onnx"
has "$T/alone.onnx: error: tensor 'x_scale': external data 'weights.bin': No such file or directory" err
expect 2 "$CHECK" --backend qnn-htp --soc SM8650 - <tests/cli/onnx/ext/model.onnx
has "<stdin>: error: tensor 'x_scale': external data 'weights.bin' cannot be read for a model without a directory (stdin)" err
# --overrides on an ONNX model sees its weights as initializers
printf '{"w_q": [{"quant_type": "QInt8", "symmetric": true}]}\n' >"$T/ov.json"
run "$CHECK" --overrides "$T/ov.json" --backend qnn-htp --soc SM8650 tests/cli/onnx/ext/model.onnx
if [ "$status" != 2 ]; then ok; else bad "--overrides on ONNX -> exit 2: $(head -c 300 "$T/err")"; fi
# --fix on an ONNX model writes ONNX Runtime's TensorQuantOverrides, by float tensor names (W, not
# W_quantized; y, not y_QuantizeLinear_Input), with the convert of its DequantizeLinear ->
# QuantizeLinear pair and the Sigmoid's fixed qparams; stdout without -o
F16=tests/cli/onnx/fix16.onnx
expect 1 "$CHECK" --backend qnn-htp --soc SM8650 "$F16"
has "fix16.onnx: node 6: error: sigmoid: output y_QuantizeLinear_Input has scale" out
has "[qscheme]" out
# its fixes in ONNX Runtime's knobs, on the float model's names
has 'or the override "W": [{"quant_type": "QInt8", "symmetric": true, "axis": 0}]; per tensor instead, as --fix writes it: per_channel=False' out
has 'note: fix: the override "y": [{"quant_type": "QUInt16", "scale": 1.52587890625e-05, "zero_point": 0}]' out
expect 0 "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16"
same_as "$EXP/onnx-fix16-overrides.json" out
has "fix16.onnx: fixed: conv: tensor W_quantized: qscheme per_tensor_affine [qscheme]" err
has "wrote <stdout>: 4 tensor overrides for ONNX Runtime's TensorQuantOverrides (defaults: activations QUInt16, weights QUInt8)" err
has "0 errors, 0 warnings in what is left" err
expect 0 "$CHECK" --fix -o "$T/ov16.json" --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16"
lines 0 out
if cmp -s "$T/ov16.json" "$EXP/onnx-fix16-overrides.json"; then ok; else bad "--fix -o differs from stdout"; fi
# what it wrote is valid overrides for the model (every ONNX Runtime rule), and the types they give
# every node form a variant
expect 0 "$CHECK" --overrides "$T/ov16.json" --activation-type QUInt16 --backend qnn-htp --soc SM8650 "$F16"
# with ONNX Runtime's default types every 16-bit activation is named
expect 0 "$CHECK" --fix --backend qnn-htp --soc SM8650 "$F16"
has '"x": [' out
# stdin works like a file; bad input is exit 2 with nothing written
run "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt16 - <"$F16"
if [ "$status" = 0 ] && cmp -s "$T/out" "$EXP/onnx-fix16-overrides.json"; then ok; else bad "--fix from stdin -> $status"; fi
expect 2 "$CHECK" --fix -o "$T/never.json" --backend qnn-htp --soc SM8650 tests/bad-inputs/onnx/11-cycle.onnx
if [ -e "$T/never.json" ]; then bad "--fix on a bad model wrote a file"; else ok; fi
expect 2 "$CHECK" --fix --backend qnn-htp --soc SM8650 --activation-type QUInt12 "$F16"
# fix-overrides on an ONNX model reads and writes the float model's names
printf '{"r": [{"quant_type": "QUInt8"}], "W": [{"quant_type": "QInt8", "symmetric": true}]}\n' >"$T/init16.json"
expect 0 "$CHECK" fix-overrides --backend qnn-htp --soc SM8650 --activation-type QUInt16 "$F16" "$T/init16.json" -o "$T/fo16.json"
if [ "$(tr -d ' \n' <"$T/fo16.json")" = '{"r":[{"quant_type":"QUInt8"}],"W":[{"quant_type":"QInt8","symmetric":true}],"c":[{"quant_type":"QUInt16","convert":{"quant_type":"QUInt8","recv_nodes":["relu"]}}]}' ]; then ok; else bad "fix-overrides on ONNX: $(tr -d ' \n' <"$T/fo16.json")"; fi
