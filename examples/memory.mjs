// The memory table of a quantized model: per layer kernel-weight bits, bytes in the file and
// bytes resident in wasm memory; totals; a selection under a runtime-memory budget. Run: node examples/memory.mjs
import { readFile } from 'node:fs/promises';
import * as dq from 'doubleq';

const file = (name) => readFile(new URL(import.meta.resolve(`doubleq/models/${name}`)));
const model = dq.loadModel(await file('mnist-resnet.onnx'));
const digits = dq.parseDigits(await file('mnist-digits.bin'));
const cal = await dq.calibrate(model, digits.train.batches(100));
const q = await dq.quantize(cal, { budget: '23.05%' });

const mem = await dq.inspect(q);
for (const l of mem.layers) console.log(`${l.name.padEnd(14)} ${l.format.padEnd(5)} ${String(l.kernelBits).padStart(6)} bits  file ${l.fileBytes} B  resident ${l.residentBytes} B`);
const t = mem.totals;
console.log(`kernel weights ${t.kernelBits.actual / 8} B (${t.savingVsInt8Pct.toFixed(2)} % saved vs 8-bit), file ${t.fileBytes} B, resident ${t.residentBytes} B (arena ${t.arenaBytes} B)`);

// the executor's whole wasm memory as the budget (bytes at batch 1), and the faster resident form
const small = await dq.quantize(cal, { budget: '53000B', budgetOf: 'runtime', metric: 'error' });
const fast = await dq.inspect(small, { weights: 'fast' });
console.log(`runtime budget 53000 B: ${small.potLayers.length} PoT layers, resident ${(await dq.inspect(small)).totals.residentBytes} B (compact), ${fast.totals.residentBytes} B (fast)`);
