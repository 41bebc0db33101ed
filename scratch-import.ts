import { readFileSync } from 'node:fs';
import { importOnnxBytes } from './src/onnx/import.js';
import { runPasses } from './src/passes/pipeline.js';
import { F32Executor } from './src/runtime/f32-executor.js';
import { f32 } from './src/ir/tensor.js';
for (const f of ['resnet20-cifar10.onnx', 'resnet20-cifar10-bn.onnx']) {
  const g = importOnnxBytes(readFileSync('../shared/models/' + f), { batch: 2 });
  const g2 = runPasses(g);
  console.log(f, g.nodes.length, g2.nodes.length, g.constants.size, g2.constants.size, [...new Set(g2.nodes.map(n=>n.op))]);
  const raw = readFileSync('../shared/data/cifar10/test.bin');
  const x = new Float32Array(2*3072); const mean=[0.485,0.456,0.406], std=[0.229,0.224,0.225];
  for (let i=0;i<2;i++) for (let c=0;c<3;c++) for (let p=0;p<1024;p++) x[i*3072+c*1024+p]=(raw[i*3073+1+c*1024+p]/255-mean[c])/std[c];
  const t0=Date.now();
  for (const gg of [g, g2]) { const out = new F32Executor(gg).run({ input: f32([2,3,32,32], x) }); console.log(Array.from(out.logits.data as Float32Array).map(v=>v.toFixed(4)).join(' '), raw[0], raw[3073]); }
  console.log(Date.now()-t0,'ms');
}
