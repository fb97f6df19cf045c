"""Training throughput (images/s) of each architecture on this machine, same input pipeline.

Runs ``--steps`` real optimisation steps (augmentation included) on FER2013 Training images and
reports images per second; the baseline in the same run is mini-Xception, the `fer` package's net.

    python bench/bench_train.py --data ../shared/data/fer2013/fer2013.csv.gz [--steps 30]
"""

from __future__ import annotations

import argparse
import time

from _common import save


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--archs", nargs="+", default=["vgg", "mini_xception"])
    args = parser.parse_args()

    from training.architectures import build
    from training.data import Split, load_fer2013
    from training.fit import FitConfig, compile_model, train_dataset

    data = load_fer2013(args.data).train
    n = args.batch_size * (args.steps + 5)
    subset = Split(data.images[:n], data.labels[:n])
    figures = {"batch_size": args.batch_size, "steps": args.steps}
    for arch in args.archs:
        cfg = FitConfig(data=args.data, out="", arch=arch, batch_size=args.batch_size, epochs=1)
        model = build(arch)
        compile_model(model, cfg, args.steps + 5)
        ds = train_dataset(subset, cfg)
        model.fit(ds.take(5), verbose=0)  # trace and warm up
        start = time.perf_counter()
        model.fit(ds.skip(5).take(args.steps), verbose=0)
        rate = args.steps * args.batch_size / (time.perf_counter() - start)
        figures[arch] = {"images_per_s": round(rate, 1), "params": model.count_params(),
                         "minutes_per_epoch": round(len(data) / rate / 60, 1)}
        print(f"{arch:<14} {model.count_params():>9,} params  {rate:7.1f} images/s  "
              f"{figures[arch]['minutes_per_epoch']:5.1f} min per FER2013 epoch")
    save("train", figures)


if __name__ == "__main__":
    main()
