"""python -m training: rebuild the emotion CNN from FER2013 offline.

Needs TensorFlow and Keras beside the bot's own install: make train-setup (or .venv/bin/pip install -e '.[train]').

    FER=../shared/data/fer2013/fer2013.csv.gz
    python -m training fit --data $FER --out runs/vgg
    python -m training fit --out runs/vgg --resume
    python -m training describe --data $FER --out reports/dataset
    python -m training evaluate --model runs/vgg/best.keras --data $FER --out reports/vgg
    python -m training robustness --model model/weights/emotion_cnn.keras --data $FER --out reports/robustness
    python -m training ensemble --models runs/a/best.keras runs/b/best.keras --out runs/ens.keras
    python -m training swa --models runs/vgg/epochs/epoch-010.keras runs/vgg/epochs/epoch-012.keras \\
        --data $FER --out runs/vgg-swa.keras
    python -m training calibrate --model runs/vgg/best.keras --data $FER --out runs/vgg/calibrated.keras
    python -m training export --model runs/vgg/best.keras --run runs/vgg --report reports/vgg --to model/weights
    python -m training pack-data --data $FER --out data/fer-train-public.xz   # then scripts/gpu-train on a GPU
    python -m training restore student-1.f16.npz --out runs/student-1.keras
    python -m training choose --data $FER --models model/weights/emotion_cnn.keras runs/student-1.keras
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import fields
from pathlib import Path

from model.errors import path_problem
from model.native import native_output_logged
from model.tta import TTA_MODES

ARCHITECTURE_NAMES = ("mini_xception", "tiny", "vgg", "vgg_wide")
"""training.architectures.ARCHITECTURES' names, spelt out so that --help needs no Keras (a test keeps them equal)."""

TRAIN_SETUP_HINT = ("training needs TensorFlow and Keras, which the bot's own install leaves out: run "
                    "`make train-setup` (or `.venv/bin/pip install -e '.[train]'`)")


DESCRIPTIONS = {
    "fit": ("Train a new model on FER2013 Training, or continue a run with --resume. The run folder gets a "
            "checkpoint every epoch (last.keras), the epoch with the best PublicTest accuracy (best.keras), "
            "log.csv and state.json."),
    "evaluate": ("Score a model on PublicTest and PrivateTest (accuracy, macro-F1, per-class report) and write a "
                 "report folder: report.json, report.md, the confusion matrix and, with --log, the learning curve."),
    "robustness": ("Paste each test face into a larger scene as a camera would give it (size, place, tilt, light, "
                   "blur, noise, JPEG) and run the bot's whole pipeline on it; a face the detector misses counts "
                   "as wrong. The classifier's direct accuracy is measured in the same run."),
    "swa": ("Stochastic weight averaging: one network whose weights are the mean of several checkpoints of one "
            "run (fit --snapshots). Batch norm is re-estimated on Training (--data) unless --keep-batch-norm."),
    "calibrate": ("Fit one logit offset per class on PublicTest and fold them into the model's output layer: the "
                  "calibrated model costs nothing more at inference."),
    "pack": ("Write the newest epoch of a run (weights, optimizer state, config, log) into one small .npz file, "
             "to move or archive a long run; unpack turns it back into a run folder."),
    "pack-data": ("Write Training and PublicTest (never PrivateTest) into one small file, for training on another "
                  "machine with python -m training.portable (PyTorch or JAX, no TensorFlow needed)."),
}
"""What a command's --help says first, where its one-line summary is not enough."""
VERBOSE_HELP = "debug logs, and TensorFlow's start-up lines (oneDNN and the like)"
ON_BAD_ROW_HELP = "stop at the first malformed row of the data, or skip and count them"


def _missing_training_stack() -> str | None:
    """The name of a missing training package, if any (the runtime install has none of them)."""
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    except ModuleNotFoundError as exc:
        return exc.name or "tensorflow"
    return None


def _command(sub: argparse._SubParsersAction, name: str, summary: str) -> argparse.ArgumentParser:
    """A sub-command whose --help opens with its description (its summary as a sentence when it has none)."""
    description = DESCRIPTIONS.get(name, summary[0].upper() + summary[1:] + ".")
    command = sub.add_parser(name, help=summary, description=description)
    command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return command


def _parser() -> argparse.ArgumentParser:
    """Every command and option; imports nothing heavy, so --help works without TensorFlow."""
    p = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    f = _command(sub, "fit", "train (or resume) a model; checkpoints every epoch")
    f.add_argument("--data", help="FER2013 CSV (.csv or .csv.gz) or image-folder root")
    f.add_argument("--out", required=True, help="run folder: checkpoints, log.csv, state.json")
    f.add_argument("--resume", action="store_true",
                   help="continue the run in --out from last.keras with its saved config")
    f.add_argument("--arch", choices=ARCHITECTURE_NAMES, default="vgg", help="network architecture (default vgg)")
    f.add_argument("--epochs", type=int, default=30, help="total epochs of the schedule")
    f.add_argument("--batch-size", type=int, default=64, help="faces per training step (64)")
    f.add_argument("--lr", type=float, default=2e-3, help="peak AdamW learning rate")
    f.add_argument("--weight-decay", type=float, default=0.05, help="AdamW weight decay (0.05)")
    f.add_argument("--label-smoothing", type=float, default=0.1,
                   help="share of each one-hot target spread over the other classes (0.1)")
    f.add_argument("--class-weight-power", type=float, default=0.5,
                   help="0 ignores class imbalance, 1 fully rebalances")
    f.add_argument("--seed", type=int, default=1337, help="seed of initialisation, shuffling and augmentation")
    f.add_argument("--init-weights", help="warm start from this .keras model's weights")
    f.add_argument("--limit", type=int, help="train on a random subset of this many images (smoke tests)")
    f.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)
    f.add_argument("--dedup", action="store_true",
                   help="drop Training copies of test images, label conflicts and repeats (see describe)")
    f.add_argument("--degrade", type=float, default=0.0,
                   help="share of training faces given camera blur, noise and JPEG loss (0 to 1)")
    f.add_argument("--mixup", type=float, default=0.0,
                   help="mixup Beta(alpha, alpha) between faces of a batch (0: off; teachers use 0.3)")
    f.add_argument("--photo-views", type=float, default=0.0,
                   help="share of faces trained on as the pipeline crops them from a rendered photo "
                   "(training.photo_views; 0 to 1)")
    f.add_argument("--freeze-bn", action="store_true",
                   help="with --init-weights: batch norm keeps the warm start's statistics, scale and shift")
    f.add_argument("--teacher", nargs="+", help="distil these trained .keras models (or teacher-probs files): learn "
                   "their mean soft targets (training.distill)")
    f.add_argument("--distill-weight", type=float, default=0.7, help="share of the teacher in each target (0.7)")
    f.add_argument("--temperature", type=float, default=2.0, help="softens the teacher's probabilities (2)")
    f.add_argument("--ferplus", help="FER+ votes file lined up with --data (ferplus_fer2013new.csv.gz): extra soft "
                                     "targets beside the labels (training.ferplus)")
    f.add_argument("--ferplus-weight", type=float, default=0.3, help="how far targets move toward the votes (0.3)")
    f.add_argument("--snapshots", action="store_true",
                   help="keep every epoch's checkpoint in OUT/epochs/ for swa")

    d = _command(sub, "describe", "class counts per split and the census of identical images")
    d.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    d.add_argument("--out", help="also write class_counts.png (images per emotion and split) and dataset.json here")
    d.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    e = _command(sub, "evaluate", "accuracy, macro-F1, per-class report, plots, JSON")
    e.add_argument("--model", required=True, help=".keras model to evaluate")
    e.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    e.add_argument("--out", required=True, help="report folder")
    e.add_argument("--log", help="run's log.csv, for the learning-curve plot")
    e.add_argument("--tta", choices=TTA_MODES, default="flip", help="TTA mode the bot uses (reported first)")
    e.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    r = _command(sub, "robustness", "PrivateTest faces re-rendered as photos, through the whole pipeline")
    r.add_argument("--model", required=True, help=".keras model (its .tflite twin is used when present)")
    r.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    r.add_argument("--out", required=True, help="report folder")
    r.add_argument("--tta", choices=TTA_MODES, default="flip", help="TTA mode the bot uses")
    r.add_argument("--seed", type=int, default=2026, help="seed of the renderings")
    r.add_argument("--limit", type=int, help="only the first this-many faces (quick checks)")
    r.add_argument("--split", choices=("PrivateTest", "PublicTest"), default="PrivateTest",
                   help="PublicTest to compare candidates while choosing (PrivateTest: the shipped model's report)")
    r.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    o = _command(sub, "choose", "PublicTest accuracy of several models and of their average (never PrivateTest)")
    o.add_argument("--models", nargs="+", required=True, help=".keras models")
    o.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    o.add_argument("--tta", choices=TTA_MODES, default="flip", help="TTA mode the bot uses")
    o.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    n = _command(sub, "ensemble", "average several models into one .keras model")
    n.add_argument("--models", nargs="+", required=True, help="two or more .keras models")
    n.add_argument("--out", required=True, help="the averaged .keras model to write")

    w = _command(sub, "swa", "average the weights of checkpoints of one architecture into one model")
    w.add_argument("--models", nargs="+", required=True, help="two or more .keras checkpoints")
    w.add_argument("--data", help="FER2013 CSV or image-folder root (Training re-estimates batch norm)")
    w.add_argument("--keep-batch-norm", action="store_true",
                   help="keep the members' common batch norm instead (fine-tunes with --freeze-bn and their start)")
    w.add_argument("--out", required=True, help="the averaged .keras model to write")
    w.add_argument("--degrade", type=float, default=0.0,
                   help="augmentation of the batch-norm pass: the --degrade the checkpoints trained with")
    w.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    c = _command(sub, "calibrate", "per-class logit offsets fitted on PublicTest, folded into the model")
    c.add_argument("--model", required=True, help=".keras model to calibrate")
    c.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    c.add_argument("--out", required=True, help="the calibrated .keras model to write (figures go beside it as .json)")
    c.add_argument("--tta", choices=TTA_MODES, default="flip", help="TTA mode the bot uses")
    c.add_argument("--objective", choices=("macro-f1", "accuracy", "mean"), default="macro-f1",
                   help="what the offsets maximise on PublicTest")
    c.add_argument("--on-bad-row", choices=("error", "skip"), default="error", help=ON_BAD_ROW_HELP)

    k = _command(sub, "pack", "the newest epoch of a run in one small file, to move or archive a long run")
    k.add_argument("--run", required=True, help="run folder (last.keras, config.json, state.json, log.csv)")
    k.add_argument("--out", required=True, help="the .npz file to write (replaced in place)")
    u = _command(sub, "unpack", "rebuild a resumable run folder from a pack, then: fit --out RUN --resume")
    u.add_argument("packed", help="the .npz file written by pack")
    u.add_argument("--out", required=True, help="run folder to (re)create")

    d2 = _command(sub, "pack-data", "Training and PublicTest (never PrivateTest) in one file, for training "
                                           "elsewhere with python -m training.portable")
    d2.add_argument("--data", required=True, help="FER2013 CSV or image-folder root")
    d2.add_argument("--out", required=True, help="the .npz file to write")

    t = _command(sub, "teacher-probs", "teachers' mean probabilities for a pack's Training faces in one small "
                                             "file, to distil from with --teacher without copying the teachers")
    t.add_argument("--pack", required=True, help="the pack-data file the student will train on")
    t.add_argument("--models", nargs="+", required=True, help="the teachers (.keras)")
    t.add_argument("--out", required=True, help="the .npz file to write")

    h = _command(sub, "restore", "a net saved in half precision (best.f16.npz of training.portable) as .keras")
    h.add_argument("packed", help="the .f16.npz file")
    h.add_argument("--out", required=True, help="the .keras file to write")

    x = _command(sub, "export", "copy a checkpoint and its report into the shipped model folder")
    x.add_argument("--model", required=True, help="checkpoint to ship")
    x.add_argument("--report", required=True, help="report folder written by evaluate")
    x.add_argument("--run", help="run folder (config.json, log.csv) the checkpoint came from")
    x.add_argument("--command", dest="fit_command", default="", help="the exact fit command, for the model card")
    x.add_argument("--to", default="model/weights", help="destination folder")
    return p


INPUT_FILES = ("model", "models", "init_weights", "teacher", "ferplus", "log", "packed", "pack")
INPUT_FOLDERS = ("run", "report")
"""The options (by their attribute) that name files or folders a command reads (--data, which may be either,
is checked as it is read)."""


def _input_problem(args: argparse.Namespace) -> str | None:
    """The first input path that is missing or of the wrong kind, in one line; None when all are there."""
    for names, folder in ((INPUT_FILES, False), (INPUT_FOLDERS, True)):
        for name in names:
            value = getattr(args, name, None)
            for path in value if isinstance(value, list) else [value] if value else []:
                if problem := path_problem(Path(path), folder):
                    return problem
    return None


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ("ensemble", "swa") and len(args.models) < 2:
        parser.error(f"{args.command} needs at least two --models")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines once its logging is up
    with native_output_logged("tensorflow"):  # what it prints before that (oneDNN), as DEBUG records
        missing_package = _missing_training_stack()
    if missing_package:
        print(f"error: {TRAIN_SETUP_HINT} ({missing_package} is not installed)", file=sys.stderr)
        return 2
    if problem := _input_problem(args):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from training.data import DatasetError

    try:
        if args.command == "fit":
            from training.fit import FitConfig, fit

            run_config = Path(args.out) / "config.json"
            if args.resume and run_config.exists():
                cfg = FitConfig(**json.loads(run_config.read_text()))
            else:
                if not args.data:
                    print("error: --data is required for a new run", file=sys.stderr)
                    return 2
                names = {f.name for f in fields(FitConfig)}
                cfg = FitConfig(**{k: v for k, v in vars(args).items() if k in names})
                cfg.teacher = ",".join(args.teacher) if args.teacher else None
                if cfg.freeze_bn and not cfg.init_weights:
                    print("error: --freeze-bn holds a warm start's batch norm: give --init-weights", file=sys.stderr)
                    return 2
            best = fit(cfg, resume=args.resume)
            print(f"best checkpoint: {best}")
        elif args.command == "evaluate":
            from training.evaluate import evaluate

            report = evaluate(args.model, args.data, args.out, tta=args.tta,
                              log_csv=args.log, on_bad_row=args.on_bad_row)
            print(report.summary())
        elif args.command == "describe":
            from training.data import describe, load_fer2013
            from training.dataset_report import dataset_figures, write_dataset_report
            from training.duplicates import DuplicateCensus

            data = load_fer2013(args.data, on_bad_row=args.on_bad_row)
            figures = dataset_figures(data)
            print(describe(data))
            print(DuplicateCensus(**figures["duplicates"]).summary())
            print(f"--dedup would drop {figures['dedup_drops']} of {len(data.train)} Training rows")
            if args.out:
                write_dataset_report(figures, Path(args.out))
                print(f"chart and figures: {Path(args.out) / 'class_counts.png'}, {Path(args.out) / 'dataset.json'}")
        elif args.command == "robustness":
            from training.robustness import evaluate_robustness

            print(evaluate_robustness(args.model, args.data, args.out, tta=args.tta, seed=args.seed,
                                      limit=args.limit, on_bad_row=args.on_bad_row, split=args.split).summary())
        elif args.command == "choose":
            from training.choose import public_scores, ranking
            from training.data import load_fer2013

            public = load_fer2013(args.data, on_bad_row=args.on_bad_row).public_test
            print(f"PublicTest accuracy ({args.tta} TTA, {len(public)} faces):")
            print(ranking(public_scores(args.models, public, args.tta)))
        elif args.command == "ensemble":
            from training.ensemble import average

            print(f"ensemble written to {average(args.models, args.out)}")
        elif args.command == "swa":
            from training.data import load_fer2013
            from training.swa import swa

            if not args.data and not args.keep_batch_norm:
                print("error: give --data (to re-estimate batch norm) or --keep-batch-norm", file=sys.stderr)
                return 2
            if args.keep_batch_norm and (args.data or args.degrade):
                print("error: --keep-batch-norm re-estimates nothing: drop --data and --degrade", file=sys.stderr)
                return 2
            train = None if args.keep_batch_norm else load_fer2013(args.data, on_bad_row=args.on_bad_row).train
            try:
                print(f"weight average written to {swa(args.models, train, args.out, degrade=args.degrade)}")
            except ValueError as exc:  # different architectures, or batch norm not shared
                print(f"error: {exc}", file=sys.stderr)
                return 2
        elif args.command == "calibrate":
            from training.calibrate import calibrate
            from training.data import load_fer2013

            public = load_fer2013(args.data, on_bad_row=args.on_bad_row).public_test
            print(calibrate(args.model, public, args.out, tta=args.tta, objective=args.objective).summary())
        elif args.command == "pack":
            from training.compact import pack

            packed = pack(Path(args.run), Path(args.out))
            print(f"packed {args.run} into {packed} ({packed.stat().st_size / 1e6:.1f} MB)")
        elif args.command == "pack-data":
            from training.data import load_fer2013
            from training.fit import drop_blank
            from training.portable import write_pack

            data = load_fer2013(args.data)
            train = drop_blank(data.train)
            size = write_pack({"train": (train.images, train.labels),
                               "public": (data.public_test.images, data.public_test.labels)}, args.out)
            print(f"{args.out}: {len(train)} Training + {len(data.public_test)} PublicTest faces, "
                  f"{size / 1e6:.1f} MB (no PrivateTest)")
        elif args.command == "teacher-probs":
            from training.distill import save_probs
            from training.portable import load_pack

            images, labels = load_pack(args.pack)[0]["train"]
            save_probs(args.models, images, labels, args.out)
            print(f"{args.out}: the mean probabilities of {len(args.models)} teachers for {len(labels)} Training faces")
        elif args.command == "restore":
            from training.compact import restore_half
            from training.runs import atomic_save

            atomic_save(restore_half(Path(args.packed)), Path(args.out))
            print(f"restored {args.packed} into {args.out}")
        elif args.command == "unpack":
            from training.compact import unpack

            print(f"unpacked into {unpack(Path(args.packed), Path(args.out))}; continue with "
                  f"`python -m training fit --out {args.out} --resume`")
        else:
            from training.export import export

            print(f"shipped model written to {export(args.model, args.report, args.to, args.run, args.fit_command)}")
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
