"""Training module: dataset readers, bad rows, a short real fit, resume, evaluation, export round-trip."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from model.labels import EMOTIONS
from model.tta import merge_views, tta_views
from training.__main__ import main as training_cli
from training.data import DatasetError, load_fer2013

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "data" / "fer2013_sample.csv.gz"


def _sample_rows() -> list[dict]:
    with gzip.open(SAMPLE, "rt", newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, rows: list[dict], compress: bool = False) -> Path:
    opener = gzip.open if compress else open
    with opener(path, "wt", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["emotion", "pixels", "Usage"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    """The 70 sample faces three times over: as Training, PublicTest and PrivateTest."""
    rows = _sample_rows()
    out = []
    for usage in ("Training", "PublicTest", "PrivateTest"):
        out += [{**r, "Usage": usage} for r in rows]
    return _write_csv(tmp_path_factory.mktemp("fer") / "fer.csv", out)


@pytest.mark.parametrize("compress", [False, True])
def test_csv_reader_gives_three_splits(tmp_path, compress):
    rows = _sample_rows()
    rows = [{**r, "Usage": u} for r, u in zip(rows, ["Training", "PublicTest", "PrivateTest"] * 30)]
    data = load_fer2013(_write_csv(tmp_path / ("f.csv.gz" if compress else "f.csv"), rows, compress))
    assert len(data.train) + len(data.public_test) + len(data.private_test) == 70
    assert data.train.images.shape[1:] == (48, 48) and data.train.images.dtype == np.uint8
    first = np.array(rows[0]["pixels"].split(), dtype=np.uint8).reshape(48, 48)
    np.testing.assert_array_equal(data.train.images[0], first)
    assert data.train.labels[0] == int(rows[0]["emotion"])


def test_folder_reader_splits_by_prefix(tmp_path):
    data = load_fer2013(SAMPLE).private_test
    for i, (img, label) in enumerate(zip(data.images[:21], data.labels[:21])):
        split = ("train", "test", "test")[i % 3]
        prefix = {0: "Training", 1: "PublicTest", 2: "PrivateTest"}[i % 3]
        folder = tmp_path / split / EMOTIONS[label]
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{prefix}_{i}.png"), img)
    (tmp_path / "train" / "notes.txt").write_text("ignored")
    got = load_fer2013(tmp_path)
    assert (len(got.train), len(got.public_test), len(got.private_test)) == (7, 7, 7)
    assert got.train.images.shape == (7, 48, 48)
    assert sorted(got.train.labels) == sorted(data.labels[0:21:3])


@pytest.mark.parametrize("bad,message", [
    ({"emotion": "9"}, "unknown emotion label"),
    ({"pixels": "1 2 3"}, "expected 2304 pixel values, found 3"),
    ({"pixels": " ".join(["x"] * 2304)}, "not all integers"),
    ({"Usage": "Validation"}, "unknown Usage"),
])
def test_bad_rows_error_names_line_or_are_skipped(tmp_path, bad, message):
    rows = _sample_rows()[:5]
    rows[3] = {**rows[3], **bad}
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DatasetError, match=rf"line 5: .*{message}"):
        load_fer2013(path)
    data = load_fer2013(path, on_bad_row="skip")
    assert data.skipped == 1 and len(data.private_test) == 4


def test_missing_file_and_wrong_header(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_fer2013(tmp_path / "nope.csv")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError, match="lacks column"):
        load_fer2013(tmp_path / "x.csv")


def test_tta_views_and_merge():
    x = np.random.default_rng(0).uniform(0, 255, (3, 48, 48, 1)).astype(np.float32)
    assert tta_views(x, "none") is x
    flip = tta_views(x, "flip")
    assert flip.shape == (6, 48, 48, 1)
    np.testing.assert_array_equal(flip[3:], x[:, :, ::-1])
    assert tta_views(x, "flip-shift").shape == (30, 48, 48, 1)
    probs = np.tile(np.eye(7)[:3], (2, 1))
    np.testing.assert_allclose(merge_views(probs, 3), np.eye(7)[:3])


def test_augmentation_is_seeded_and_keeps_range():
    import tensorflow as tf

    from training.augment import augment_batch

    x = tf.constant(load_fer2013(SAMPLE).private_test.images[:8, ..., None].astype(np.float32))
    a = augment_batch(x, tf.constant([1, 2], tf.int64)).numpy()
    b = augment_batch(x, tf.constant([1, 2], tf.int64)).numpy()
    c = augment_batch(x, tf.constant([3, 4], tf.int64)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, x.numpy())
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 255


def test_camera_degradation_is_seeded_mild_and_off_by_default():
    import tensorflow as tf

    from training.augment import augment_batch
    from training.runs import AugmentConfig

    x = tf.constant(load_fer2013(SAMPLE).private_test.images[:8, ..., None].astype(np.float32))
    seed = tf.constant([5, 6], tf.int64)
    clean = augment_batch(x, seed).numpy()
    np.testing.assert_array_equal(clean, augment_batch(x, seed, AugmentConfig(degrade_probability=0.0)).numpy())
    always = AugmentConfig(degrade_probability=1.0)
    a, b = augment_batch(x, seed, always).numpy(), augment_batch(x, seed, always).numpy()
    np.testing.assert_array_equal(a, b)
    per_image = np.abs(a - clean).mean(axis=(1, 2, 3))
    assert (per_image > 0.5).all(), "every face is degraded at probability 1"
    assert (per_image < 20).all(), "degraded faces stay the same faces (same geometry, mild loss)"
    assert a.min() >= 0 and a.max() <= 255


def test_host_augmentation_matches_the_tensorflow_pipeline():
    """The GPU path's NumPy/OpenCV twin: same geometry (exact when it is off), comparable change, seeded, in range."""
    import tensorflow as tf

    from training.augment import augment_batch
    from training.augment_host import augment_faces
    from training.runs import AugmentConfig

    x = load_fer2013(SAMPLE).private_test.images[:64, ..., None].astype(np.float32)
    still = AugmentConfig(max_rotation_deg=0, max_zoom=0, max_shift=0, erase_probability=0)
    out = augment_faces(x, np.random.default_rng(1), still)
    same = np.array([np.array_equal(o, f) for o, f in zip(out, x)])
    mirrored = np.array([np.array_equal(o, f[:, ::-1]) for o, f in zip(out, x)])
    assert (same | mirrored).all() and 0.2 < mirrored.mean() < 0.8
    host = augment_faces(x, np.random.default_rng(2), AugmentConfig())
    np.testing.assert_array_equal(host, augment_faces(x, np.random.default_rng(2), AugmentConfig()))
    tensorflow = augment_batch(tf.constant(x), tf.constant([3, 4], tf.int64)).numpy()
    change_host, change_tf = np.abs(host - x).mean(), np.abs(tensorflow - x).mean()
    assert 0.75 < change_host / change_tf < 1.33, (change_host, change_tf)
    assert host.min() >= 0 and host.max() <= 255 and host.dtype == np.float32

    erased = augment_faces(x, np.random.default_rng(3), AugmentConfig(
        max_rotation_deg=0, max_zoom=0, max_shift=0, erase_probability=1.0))
    for face, before in zip(erased[:8], x[:8]):
        changed = ~(np.isclose(face, before) | np.isclose(face, before[:, ::-1]))
        assert changed.any() and np.allclose(face[changed], face[changed][0])  # one flat grey patch

    degraded = augment_faces(x, np.random.default_rng(4), AugmentConfig(
        max_rotation_deg=0, max_zoom=0, max_shift=0, erase_probability=0, degrade_probability=1.0))
    per_face = np.minimum(*(np.abs(degraded - faces).mean(axis=(1, 2, 3)) for faces in (x, x[:, :, ::-1])))
    assert (per_face > 0.5).all() and (per_face < 20).all()
    assert degraded.min() >= 0 and degraded.max() <= 255


def test_budget_schedule_warms_up_then_reaches_zero_as_the_budget_ends(monkeypatch):
    import keras

    from training import portable

    clock = [1000.0]
    monkeypatch.setattr(portable.time, "monotonic", lambda: clock[0])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.5), loss="mse")
    schedule = portable.BudgetCosine(peak=1e-3, deadline=1100.0)
    schedule.set_model(model)
    schedule.on_train_begin()
    seen = []
    for epoch, now in enumerate([1000.0, 1025.0, 1050.0, 1075.0, 1100.0]):
        clock[0] = now
        schedule.on_epoch_begin(epoch)
        seen.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    np.testing.assert_allclose(seen, [1e-4, 1e-3 * (1 + np.cos(np.pi / 4)) / 2, 5e-4,
                                      1e-3 * (1 + np.cos(3 * np.pi / 4)) / 2, 0.0], atol=1e-9)


def test_class_weights_lift_rare_classes():
    from training.fit import class_weights

    labels = np.array([3] * 90 + [1] * 10)
    w = class_weights(labels, 0.5)
    assert w[1] > w[3]
    assert np.isclose(w[labels].mean(), 1.0)


@dataclass
class TrainedRun:
    """One real (tiny) run shared by the tests below: fit 6 epochs, resume to 8, evaluate, export."""

    run: Path
    best: Path
    report: Path
    shipped: Path
    losses: list[float]
    scores: dict
    summary: str
    photo_accuracy: float


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_csv) -> TrainedRun:
    from training.evaluate import evaluate
    from training.export import export
    from training.fit import FitConfig, fit
    from training.robustness import evaluate_robustness

    root = tmp_path_factory.mktemp("trained")
    run = root / "run"
    cfg = FitConfig(data=str(small_csv), out=str(run), arch="tiny", epochs=6, batch_size=16, lr=1e-2,
                    weight_decay=0.0, seed=1, snapshots=True)
    best = fit(cfg)
    losses = [float(line.split(",")[2]) for line in (run / "log.csv").read_text().strip().splitlines()[1:]]
    cfg.epochs = 8
    fit(cfg, resume=True)
    report = evaluate(best, small_csv, root / "report", tta="flip", log_csv=run / "log.csv")
    photos = evaluate_robustness(best, small_csv, root / "report", limit=12)  # the Keras runtime: no .tflite yet
    shipped = export(best, root / "report", root / "weights", run, "python -m training fit ...")
    scores = json.loads((root / "report" / "report.json").read_text())["scores"]["PrivateTest"]
    return TrainedRun(run, best, root / "report", shipped, losses, scores, report.summary(),
                      photos.rendered.accuracy)


def test_fit_learns_and_checkpoints(trained):
    assert trained.best.exists() and (trained.run / "last.keras").exists()
    assert len(trained.losses) == 6 and trained.losses[-1] < trained.losses[0]


def test_resume_continues_the_run(trained):
    assert json.loads((trained.run / "state.json").read_text())["epochs_done"] == 8
    assert len((trained.run / "log.csv").read_text().strip().splitlines()) == 1 + 8
    assert [p.name for p in sorted((trained.run / "epochs").iterdir())] == [f"epoch-{e:03d}.keras"
                                                                             for e in range(1, 9)]


def test_evaluation_report(trained):
    for name in ("report.json", "report.md", "confusion_privatetest.png", "learning_curve.png", "class_counts.png"):
        assert (trained.report / name).stat().st_size > 0
    assert set(trained.scores) == {"flip", "none", "flip-shift"}
    assert sum(map(sum, trained.scores["flip"]["confusion"])) == 70
    assert 0.0 <= trained.scores["flip"]["accuracy"] <= 1.0 and len(trained.scores["flip"]["recall"]) == 7
    assert "PrivateTest" in trained.summary


def test_distillation_learns_the_teachers_soft_targets(trained, small_csv, tmp_path):
    from training.distill import blend, soften

    teacher = np.array([[0.7, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0]], np.float32)
    assert np.allclose(soften(teacher, 1.0), teacher, atol=1e-5)
    flat = soften(teacher, 4.0)
    assert flat.argmax() == 0 and flat.max() < 0.5 and np.isclose(flat.sum(), 1)
    target = blend(np.array([1]), teacher, 0.7, 1.0)
    assert np.isclose(target.sum(), 1) and np.isclose(target[0, 1], 0.7 * 0.2 + 0.3, atol=1e-5)

    run = tmp_path / "kd"
    assert training_cli(["fit", "--data", str(small_csv), "--out", str(run), "--arch", "tiny", "--epochs", "2",
                         "--batch-size", "16", "--teacher", str(trained.best), "--distill-weight", "0.5",
                         "--temperature", "3"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["teacher"] == str(trained.best) and config["distill_weight"] == 0.5 and config["temperature"] == 3
    state = json.loads((run / "state.json").read_text())
    assert state["teacher_sha256"] == hashlib.sha256(trained.best.read_bytes()).hexdigest()
    probs = np.load(run / "teacher_probs.npy")
    assert probs.shape[1] == 7 and np.allclose(probs.astype(np.float32).sum(1), 1, atol=1e-2)
    cached = (run / "teacher_probs.npy").stat().st_mtime_ns
    config["epochs"] = 3
    (run / "config.json").write_text(json.dumps(config))
    assert training_cli(["fit", "--out", str(run), "--resume"]) == 0
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 3
    assert (run / "teacher_probs.npy").stat().st_mtime_ns == cached  # the teacher was not asked again


def test_several_teachers_act_as_their_average(trained, small_csv, tmp_path):
    import keras

    from training.distill import teacher_probs
    from training.evaluate import predict_probs

    train = load_fer2013(small_csv).train
    files = [trained.best, trained.run / "last.keras"]
    probs, digest = teacher_probs(files, train.images, train.labels, tmp_path)
    each = [predict_probs(keras.models.load_model(f, compile=False), train.images, "flip") for f in files]
    np.testing.assert_allclose(probs, (each[0] + each[1]) / 2, atol=1e-5)
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert digest == hashlib.sha256("\n".join(digests).encode()).hexdigest()
    run = tmp_path / "kd2"
    assert training_cli(["fit", "--data", str(small_csv), "--out", str(run), "--arch", "tiny", "--epochs", "1",
                         "--batch-size", "16", "--teacher", *map(str, files)]) == 0
    assert json.loads((run / "config.json").read_text())["teacher"] == ",".join(map(str, files))
    assert json.loads((run / "state.json").read_text())["teacher_sha256"] == digest


def test_choose_ranks_models_and_their_average_on_public_test(trained, small_csv, capsys):
    import keras

    from training.choose import AVERAGE, public_scores
    from training.evaluate import predict_probs

    public = load_fer2013(small_csv).public_test
    files = [trained.best, trained.run / "last.keras"]
    scores = public_scores(files, public)
    best = predict_probs(keras.models.load_model(trained.best, compile=False), public.images, "flip")
    assert scores[str(trained.best)] == float((best.argmax(1) == public.labels).mean())
    assert set(scores) == {*map(str, files), AVERAGE} and all(0 <= s <= 1 for s in scores.values())
    assert training_cli(["choose", "--data", str(small_csv), "--models", *map(str, files)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "PublicTest" in lines[0] and len(lines) == 4
    ranked = [float(line.split()[0]) for line in lines[1:]]
    assert ranked == sorted(ranked, reverse=True)


def test_portable_training_from_a_pack_within_a_time_budget(small_csv, trained, tmp_path, capsys):
    """The GPU path, on this CPU: pack Training + PublicTest, train in budgeted commands, resume, plain net out."""
    import keras

    from training.portable import _codes, _residuals, load_pack
    from training.portable import main as portable_cli

    pack = tmp_path / "fer.npz.xz"
    assert training_cli(["pack-data", "--data", str(small_csv), "--out", str(pack)]) == 0
    packed, step = load_pack(pack)
    data = load_fer2013(small_csv)
    assert set(packed) == {"train", "public"}  # never PrivateTest
    assert step == 8 and np.abs(packed["public"][0].astype(int) - data.public_test.images).max() <= 4  # 5 bits
    np.testing.assert_array_equal(packed["public"][1], data.public_test.labels)
    codes = np.random.default_rng(0).integers(0, 32, (20, 48, 48)).astype(np.uint8)
    codes[0], codes[1] = 0, 31  # flat black and white: the guess is clipped at both ends
    np.testing.assert_array_equal(_codes(_residuals(codes, 5), 5), codes)  # the residuals lose nothing

    run = tmp_path / "gpu-run"
    common = ["--out", str(run)]
    assert portable_cli(["--pack", str(pack), *common, "--arch", "tiny", "--epochs", "3", "--batch-size", "16",
                         "--minutes", "0.001"]) == 0  # the budget ends after the first epoch
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 1
    assert portable_cli([*common, "--resume", "--minutes", "10"]) == 0
    state = json.loads((run / "state.json").read_text())
    assert state["epochs_done"] == 3 and 0 <= state["best_val_accuracy"] <= 1 and state["backend"] == "tensorflow"
    assert state["device"] == "CPU (TensorFlow)"
    assert len((run / "log.csv").read_text().strip().splitlines()) == 1 + 3
    net = keras.models.load_model(run / "best.keras", compile=False)
    assert "augment" not in [layer.name for layer in net.layers]  # the shipped form: the net alone
    assert net.predict(data.public_test.images[:5, ..., None].astype(np.float32), verbose=0).shape == (5, 7)
    assert "3 of 3 epochs" in capsys.readouterr().out
    warm = tmp_path / "gpu-warm"
    assert portable_cli(["--pack", str(pack), "--out", str(warm), "--arch", "tiny", "--epochs", "1", "--batch-size",
                         "16", "--init-weights", str(run / "best.keras")]) == 0
    assert json.loads((warm / "state.json").read_text())["init_weights_sha256"] == hashlib.sha256(
        (run / "best.keras").read_bytes()).hexdigest()
    out = tmp_path / "gpu-out"  # the script as a GPU machine runs it, with this machine's Python
    out.mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "KERAS_BACKEND": "tensorflow",
           "PACK": str(pack), "RUN": str(tmp_path / "gpu-run"), "OUT": str(out), "TEACHERS": "2",
           "TEACHER_MINUTES": "0.1", "STUDENT_MINUTES": "0.1",  # STUDENTS left at its default
           "STUDENT_ARGS": "--arch tiny --batch-size 16 --distill-weight 0.5"}
    subprocess.run([str(ROOT / "scripts" / "gpu-train"), "--arch", "tiny", "--batch-size", "16"],
                   env=env, check=True, capture_output=True)
    too_many = subprocess.run([str(ROOT / "scripts" / "gpu-train")], env={**env, "TEACHERS": "6"},
                              capture_output=True, text=True)
    assert too_many.returncode == 2 and "at most 8 result files" in too_many.stderr
    assert {p.name for p in out.iterdir()} == {"teacher-1.f16.npz", "teacher-2.f16.npz", "student-1.f16.npz",
                                              "student-2.f16.npz", "runs.tgz"}
    student = json.loads((tmp_path / "gpu-run" / "student-1" / "config.json").read_text())
    teachers = [str(tmp_path / "gpu-run" / f"teacher-{i}" / "best.keras") for i in (1, 2)]
    assert student["teacher"] == ",".join(teachers) and student["fit_budget"] and student["degrade"] == 0.5
    assert [json.loads((tmp_path / "gpu-run" / f"teacher-{i}" / "config.json").read_text())["seed"]
            for i in (1, 2)] == [7172, 7173]
    with pytest.raises(SystemExit):  # a budgeted run's schedule ended with its command
        portable_cli(["--out", str(tmp_path / "gpu-run" / "student-1"), "--resume"])
    assert "cannot be resumed" in capsys.readouterr().err
    from training.export import export

    card_dir = export(tmp_path / "gpu-run" / "student-1" / "best.keras", trained.report, tmp_path / "card",
                      tmp_path / "gpu-run" / "student-1", "scripts/gpu-train")
    card = json.loads((card_dir / "model_card.json").read_text())
    assert card["hardware"] == "CPU (TensorFlow)" and [t["file"] for t in card["teachers"]] == teachers
    assert card["data"].startswith(f"FER2013 challenge CSV, Training and PublicTest packed at 32 grey levels for the "
                                   f"GPU machine (`python -m training pack-data`, `{pack}`;")
    assert card["teachers"][0]["architecture"] == "tiny" and card["teachers"][0]["trained_on"] == "CPU (TensorFlow)"
    assert f"temperature 2, 0.5 of each target against the true label) from: `{teachers[0]}` (tiny, " in (
        card_dir / "MODEL_CARD.md").read_text()
    assert training_cli(["restore", str(run / "best.f16.npz"), "--out", str(tmp_path / "restored.keras")]) == 0
    restored = keras.models.load_model(tmp_path / "restored.keras", compile=False)
    faces = data.public_test.images[:8, ..., None].astype(np.float32)
    np.testing.assert_allclose(restored.predict(faces, verbose=0), net.predict(faces, verbose=0), atol=0.02)


def test_teacher_probabilities_travel_in_place_of_the_teachers(small_csv, trained, tmp_path, capsys):
    """A GPU machine cannot take vgg_wide teacher files beside the pack; their probabilities stand in for them."""
    from training.distill import mean_probs, read_probs, teacher_probs
    from training.export import export
    from training.portable import load_pack
    from training.portable import main as portable_cli

    pack, probs = tmp_path / "fer.npz.xz", tmp_path / "teachers.npz"
    assert training_cli(["pack-data", "--data", str(small_csv), "--out", str(pack)]) == 0
    teachers = [str(trained.best), str(trained.run / "last.keras")]
    assert training_cli(["teacher-probs", "--pack", str(pack), "--models", *teachers, "--out", str(probs)]) == 0
    assert "the mean probabilities of 2 teachers" in capsys.readouterr().out
    images, labels = load_pack(pack)[0]["train"]
    read_now = mean_probs(teachers, images, labels)
    np.testing.assert_allclose(read_probs(probs, labels), read_now, atol=1e-3)  # float16 on disk
    np.testing.assert_allclose(teacher_probs([probs], images, labels, tmp_path)[0], read_now, atol=1e-3)
    with pytest.raises(ValueError, match="other faces"):
        read_probs(probs, np.roll(labels, 1))

    run = tmp_path / "student"
    assert portable_cli(["--pack", str(pack), "--out", str(run), "--arch", "tiny", "--epochs", "1",
                         "--batch-size", "16", "--teacher", str(probs)]) == 0
    assert json.loads((run / "state.json").read_text())["teacher_sha256"] == hashlib.sha256(
        probs.read_bytes()).hexdigest()
    card = json.loads((export(run / "best.keras", trained.report, tmp_path / "card", run, "")
                       / "model_card.json").read_text())
    assert [t["file"] for t in card["teachers"]] == teachers  # the card names the teachers, not their stand-in


def test_portable_batches_are_the_same_whatever_order_the_threads_ask(small_csv):
    from training.portable import Batches
    from training.runs import FitConfig

    data = load_fer2013(small_csv).train
    cfg = FitConfig(data="", out="", batch_size=16, mixup=0.3, seed=5)
    soft = np.full((len(data), 7), 1 / 7, np.float32)
    first, second = Batches(data.images, data.labels, cfg, 0, step=8), Batches(data.images, data.labels, cfg, 0, 8)
    asked_first = first[3]
    drawn_before = second[1], second[2]
    assert not np.array_equal(drawn_before[0][0], drawn_before[1][0])
    for a, b in zip(asked_first, second[3]):
        np.testing.assert_array_equal(a, b)
    x, y, w = Batches(data.images, data.labels, cfg, 0, 8, targets=soft)[0]
    assert x.shape == (16, 48, 48, 1) and np.allclose(y, 1 / 7) and w.shape == (16,)


def test_ferplus_votes_move_targets_part_of_the_way(small_csv, tmp_path):
    from training.ferplus import FERPLUS_ORDER, mix_votes, training_votes

    n = len(load_fer2013(small_csv).train)
    header = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"
    rows = [f"Training,fer{i}.png,6,4,0,0,0,0,0,0,0,0" for i in range(n)]
    rows[0] = "Training,,0,0,0,0,0,0,0,2,3,5"  # no vote among the seven: keeps its target
    rows += [f"{usage},x.png,10,0,0,0,0,0,0,0,0,0" for usage in ("PublicTest", "PrivateTest") for _ in range(n)]
    votes_file = tmp_path / "ferplus.csv.gz"
    votes_file.write_bytes(gzip.compress(("\n".join([header, *rows]) + "\n").encode()))
    votes = training_votes(votes_file)
    assert votes.shape == (n, 7) and np.isnan(votes[0]).all()
    assert np.allclose(votes[1], [0, 0, 0, 0.4, 0, 0, 0.6])  # happiness -> happy (3), neutral -> neutral (6)
    assert FERPLUS_ORDER[3] == "happiness" and FERPLUS_ORDER[6] == "neutral"
    targets = np.eye(7, dtype=np.float32)[[0, 0]]
    mixed = mix_votes(targets, votes[:2], 0.3)
    assert np.array_equal(mixed[0], targets[0]) and np.allclose(mixed[1], 0.7 * targets[1] + 0.3 * votes[1])

    run = tmp_path / "fp"
    assert training_cli(["fit", "--data", str(small_csv), "--out", str(run), "--arch", "tiny", "--epochs", "1",
                         "--batch-size", "16", "--ferplus", str(votes_file), "--ferplus-weight", "0.3"]) == 0
    assert json.loads((run / "config.json").read_text())["ferplus_weight"] == 0.3
    short = tmp_path / "short.csv.gz"
    short.write_bytes(gzip.compress(("\n".join([header, *rows[: n // 2]]) + "\n").encode()))
    assert training_cli(["fit", "--data", str(small_csv), "--out", str(tmp_path / "bad"), "--arch", "tiny",
                         "--epochs", "1", "--batch-size", "16", "--ferplus", str(short)]) != 0


def test_export_writes_the_model_card(trained):
    card = json.loads((trained.shipped / "model_card.json").read_text())
    assert card["epochs_trained"] == 8
    assert card["metrics"]["PrivateTest"]["flip"]["accuracy"] == trained.scores["flip"]["accuracy"]
    assert card["robustness"]["photo_accuracy"] == trained.photo_accuracy
    markdown = (trained.shipped / "MODEL_CARD.md").read_text()
    assert "re-rendered, full pipeline" in markdown and "![FER2013 images per emotion](class_counts.png)" in markdown
    assert (trained.shipped / "class_counts.png").exists()
    assert "calibration" not in card and "init_weights_sha256" not in card


def test_exported_model_predicts_as_the_checkpoint_in_both_runtimes(trained):
    import keras

    from model.classifier import EmotionClassifier

    faces = load_fer2013(SAMPLE).private_test.images[..., None].astype(np.float32)
    before = keras.models.load_model(trained.best, compile=False).predict(faces, verbose=0)
    after = keras.models.load_model(trained.shipped / "emotion_cnn.keras", compile=False).predict(faces, verbose=0)
    np.testing.assert_array_equal(before, after)
    lite = EmotionClassifier(trained.shipped / "emotion_cnn.keras", runtime="litert", tta="none").predict(faces)
    np.testing.assert_allclose(lite, before, atol=2e-3)  # float16 weights in the twin


def test_warm_start_is_traced_to_its_weights(trained, tmp_path, small_csv):
    from training.export import export
    from training.fit import FitConfig, fit

    warm = tmp_path / "warm"
    fit(FitConfig(data=str(small_csv), out=str(warm), arch="tiny", epochs=1, batch_size=16,
                  init_weights=str(trained.best)))
    digest = hashlib.sha256(trained.best.read_bytes()).hexdigest()
    assert json.loads((warm / "state.json").read_text())["init_weights_sha256"] == digest
    card = json.loads((export(warm / "best.keras", trained.report, tmp_path / "w", warm) / "model_card.json")
                      .read_text())
    assert card["init_weights_sha256"] == digest and digest in (tmp_path / "w" / "MODEL_CARD.md").read_text()


def test_a_fine_tune_can_hold_batch_norm_at_the_warm_start(tmp_path, small_csv):
    import keras

    from training.fit import FitConfig, fit

    def weights(path: Path) -> list[tuple[bool, list[np.ndarray]]]:
        """(is batch norm, weights) per layer in order: layer names depend on what else the process built."""
        model = keras.models.load_model(path, compile=False)
        return [(isinstance(layer, keras.layers.BatchNormalization), layer.get_weights())
                for layer in model.layers if layer.weights]

    run = tmp_path / "held"
    shipped = ROOT / "model" / "weights" / "emotion_cnn.keras"
    cfg = FitConfig(data=str(small_csv), out=str(run), arch="vgg_wide", epochs=1, batch_size=32, lr=1e-3,
                    init_weights=str(shipped), freeze_bn=True)
    fit(cfg)
    cfg.epochs = 2
    fit(cfg, resume=True)  # the hold survives a resume
    start, end = weights(shipped), weights(run / "last.keras")
    same = [all(np.array_equal(a, b) for a, b in zip(s, e)) for (_, s), (_, e) in zip(start, end)]
    held = [norm for norm, _ in start]
    assert len(start) == len(end) and sum(held) == 9
    assert same == held  # batch norm kept whole, every other layer moved


def test_calibrated_model_card_carries_the_offsets(trained, tmp_path, small_csv):
    from training.calibrate import calibrate
    from training.export import export

    calibrated = tmp_path / "calibrated" / "model.keras"  # its folder does not exist yet
    offsets = calibrate(trained.best, load_fer2013(small_csv).public_test, calibrated).offsets
    card = json.loads((export(calibrated, trained.report, tmp_path / "cal", trained.run, "...") / "model_card.json")
                      .read_text())
    assert list(card["calibration"]["offsets"].values()) == offsets
    assert "held-out halves, calibrated" in (tmp_path / "cal" / "MODEL_CARD.md").read_text()


def test_pack_and_unpack_move_a_run_to_another_folder(trained, tmp_path, small_csv, capsys):
    import keras

    from training.fit import FitConfig, fit

    packed = tmp_path / "carry" / "run.npz"
    assert training_cli(["pack", "--run", str(trained.run), "--out", str(packed)]) == 0
    assert packed.stat().st_size < (trained.run / "last.keras").stat().st_size / 2
    resumed = tmp_path / "resumed"
    assert training_cli(["unpack", str(packed), "--out", str(resumed)]) == 0
    assert "--resume" in capsys.readouterr().out
    original = keras.models.load_model(trained.run / "last.keras")
    copy = keras.models.load_model(resumed / "last.keras")
    for a, b in zip(original.weights, copy.weights):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), rtol=2e-3, atol=1e-4)
    assert int(copy.optimizer.iterations) == int(original.optimizer.iterations)
    for a, b in zip(original.optimizer._velocities, copy.optimizer._velocities):
        a, b = keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        big = a > a.max() * 1e-3  # the moments that matter for a step
        np.testing.assert_allclose(b[big], a[big], rtol=0.05)
    assert (resumed / "log.csv").read_text() == (trained.run / "log.csv").read_text()
    state = json.loads((resumed / "state.json").read_text())
    assert state["epochs_done"] == state["best_epoch"] == 8
    cfg = FitConfig(**json.loads((resumed / "config.json").read_text()))
    assert cfg.out == str(resumed)
    cfg.epochs = 9
    fit(cfg, resume=True)
    assert json.loads((resumed / "state.json").read_text())["epochs_done"] == 9


def test_mixup_blends_images_labels_and_weights_alike():
    import tensorflow as tf

    from training.augment import mixup

    images = tf.constant(np.stack([np.full((4, 4, 1), v, np.float32) for v in (0.0, 100.0)]))
    labels = tf.constant(np.eye(7, dtype=np.float32)[[1, 5]])
    weights = tf.constant([1.0, 3.0])
    mixed, soft, w = (t.numpy() for t in mixup(images, labels, weights, tf.constant([3, 4]), alpha=0.4))
    lam = 1 - mixed[0, 0, 0, 0] / 100.0  # face 0 is 0-grey: whatever it holds came from its partner
    np.testing.assert_allclose(soft[0, [1, 5]], [lam, 1 - lam], atol=1e-5)
    np.testing.assert_allclose(w[0], lam * 1.0 + (1 - lam) * 3.0, atol=1e-4)
    np.testing.assert_allclose(soft.sum(1), 1.0, atol=1e-5)


def test_offsets_fold_into_the_network_exactly(tmp_path):
    """with_offsets (used to fit them) predicts what the folded network then gives, TTA included."""
    import keras

    from model.tta import merge_views, tta_views
    from training.calibrate import fold, with_offsets
    from training.evaluate import view_probs

    weights = Path(__file__).resolve().parents[1] / "model" / "weights" / "emotion_cnn.keras"
    model = keras.models.load_model(weights, compile=False)
    faces = load_fer2013(SAMPLE).private_test.images
    offsets = np.array([0.3, -0.5, 0.8, -0.2, 0.1, 0.0, -0.4])
    expected = with_offsets(view_probs(model, faces, "flip"), offsets)
    fold(model, offsets)
    x = faces[..., None].astype(np.float32)
    got = merge_views(model.predict(tta_views(x, "flip"), verbose=0), len(x))
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_offsets_lift_an_under_predicted_class():
    """Class 2 is right but always second best: its offset must rise and its recall with it."""
    from training.calibrate import fit_offsets, held_out, with_offsets
    from training.evaluate import score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 600)
    logits = rng.normal(0, 0.3, (600, 7))
    logits[np.arange(600), labels] += 2.0
    logits[labels == 2, 6] += 2.5  # every fear face scores neutral a bit higher than fear
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    views = np.stack([probs, probs])
    offsets = fit_offsets(views, labels)
    assert offsets[2] - offsets[6] > 0.5 and abs(offsets.mean()) < 1e-9
    before, after = score(labels, views.mean(0)), score(labels, with_offsets(views, offsets))
    assert before.recall[2] < 0.2 and after.recall[2] > 0.8 and after.macro_f1 > before.macro_f1
    plain, calibrated = held_out(views, labels, repeats=1)
    assert plain.n == calibrated.n == 600 and calibrated.recall[2] > plain.recall[2]


def test_shipped_model_loads_with_plain_keras(tmp_path):
    """No project import needed: built-in layers only, loaded from a folder outside the project."""
    weights = Path(__file__).resolve().parents[1] / "model" / "weights" / "emotion_cnn.keras"
    code = (f"import keras, numpy as np; m = keras.models.load_model(r'{weights}', compile=False); "
            "p = m.predict(np.zeros((2, 48, 48, 1), 'float32'), verbose=0); "
            "assert p.shape == (2, 7) and abs(p.sum(1) - 1).max() < 1e-4; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=300)
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_cli_without_tensorflow_helps_and_names_the_setup_command(tmp_path):
    """Without TensorFlow and Keras (as the bot's own install is), help works and a command names the set-up."""
    for name in ("tensorflow", "keras"):
        fake = tmp_path / "no-tf" / name
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text(f"raise ModuleNotFoundError('no {name} here', name='{name}')\n")
    root = Path(__file__).resolve().parents[1]
    env = {"PYTHONPATH": f"{tmp_path / 'no-tf'}:{root}", "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "training", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path)

    helped = cli("--help")
    assert helped.returncode == 0, helped.stderr
    assert "make train-setup" in helped.stdout and "pack-data" in helped.stdout and "teacher-probs" in helped.stdout
    assert cli("fit", "--help").returncode == 0
    out = cli("fit", "--data", "x.csv", "--out", "runs/x")
    assert out.returncode == 2 and "make train-setup" in out.stderr and "Traceback" not in out.stderr


def test_cli_architecture_names_match_the_architectures():
    from training.__main__ import ARCHITECTURE_NAMES
    from training.architectures import ARCHITECTURES

    assert sorted(ARCHITECTURE_NAMES) == sorted(ARCHITECTURES)


def test_cli_help_and_bad_data(tmp_path):
    out = subprocess.run([sys.executable, "-m", "training", "fit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--resume" in out.stdout and "--init-weights" in out.stdout
    (tmp_path / "bad.csv").write_text("emotion,pixels,Usage\n7,1 2,Training\n")
    out = subprocess.run([sys.executable, "-m", "training", "fit", "--data", str(tmp_path / "bad.csv"),
                          "--out", str(tmp_path / "run"), "--arch", "tiny"], capture_output=True, text=True)
    assert out.returncode == 2 and "line 2" in out.stderr and "Traceback" not in out.stderr
    for command in ("evaluate", "robustness", "calibrate"):
        out = subprocess.run([sys.executable, "-m", "training", command, "--model", str(tmp_path / "none.keras"),
                              "--data", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "x")],
                             capture_output=True, text=True)
        assert out.returncode == 2 and out.stderr == f"error: {tmp_path / 'none.keras'}: no such file\n"


@pytest.mark.parametrize("command, problem", [
    ("restore {t}/missing.f16.npz --out {t}/x.keras", "{t}/missing.f16.npz: no such file"),
    ("unpack {t} --out {t}/run", "{t}: a directory, not a file"),
    ("pack --run {t}/missing --out {t}/x.npz", "{t}/missing: no such folder"),
    ("teacher-probs --pack {t}/missing.npz --models {t}/a.keras --out {t}/p.npz", "{t}/missing.npz: no such file"),
    ("evaluate --model {t} --data {t}/faces.csv --out {t}/r", "{t}: a directory, not a file"),
    ("export --model {t}/a.keras --report {t}/a.keras", "{t}/a.keras: a file, not a folder"),
    ("fit --data {t}/faces.csv --out {t}/run --init-weights {t}/none.keras", "{t}/none.keras: no such file"),
])
def test_cli_names_a_missing_input_in_one_line(tmp_path, capsys, command, problem):
    """Every file or folder a command reads is checked first: one line on stderr, status 2, no traceback."""
    (tmp_path / "a.keras").write_bytes(b"")
    assert training_cli(command.format(t=tmp_path).split()) == 2
    assert capsys.readouterr().err == f"error: {problem.format(t=tmp_path)}\n"


def test_photo_views_are_the_pipelines_crops_of_each_face(tmp_path, monkeypatch):
    import training.photo_views as pv

    faces = load_fer2013(SAMPLE).private_test.images[:10]
    views = pv.cached_views(faces, 3, tmp_path)
    assert views.shape == faces.shape and views.dtype == np.uint8
    found = (views != faces).any(axis=(1, 2))
    assert found.mean() >= 0.7  # most rendered faces are found again
    pixels = np.concatenate([faces, views]).reshape(2 * len(faces), -1).astype(float)
    similar = np.corrcoef(pixels)[len(faces):, :len(faces)][found]  # each found view against every face
    own = similar[np.arange(len(similar)), np.flatnonzero(found)]
    assert own.mean() > similar.mean() + 0.2  # the crops are of their own faces (turned, zoomed, blurred a bit)
    assert not np.array_equal(pv.photo_views(faces, 4), views)  # another seed, other photos

    def not_again(*_):
        raise AssertionError("the views were made again")

    monkeypatch.setattr(pv, "photo_views", not_again)
    np.testing.assert_array_equal(pv.cached_views(faces, 3, tmp_path), views)  # from the run folder's cache


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_fit_trains_on_the_asked_share_of_photo_views(share):
    from training.data import Split
    from training.fit import train_dataset
    from training.runs import FitConfig

    split = Split(np.full((256, 48, 48), 200, np.uint8), np.arange(256) % 7)
    views = np.full_like(split.images, 40)
    cfg = FitConfig(data="", out="", batch_size=64, photo_views=share, seed=5)
    means = np.concatenate([x.numpy().mean(axis=(1, 2, 3)) for x, _, _ in train_dataset(split, cfg, views=views)])
    assert len(means) == 256 and (means <= 40).mean() == pytest.approx(share, abs=0.1)
    assert (means <= 40).sum() + (means >= 150).sum() == 256  # each face is wholly one or the other


def test_misses_count_as_wrong_in_scores():
    from training.evaluate import score_predictions

    labels = np.array([0, 0, 3, 3])
    s = score_predictions(labels, np.array([0, -1, 3, 0]))
    assert s.accuracy == 0.5
    assert s.recall[0] == 0.5 and s.recall[3] == 0.5  # the miss is in angry's denominator
    assert s.precision[0] == 0.5  # ... but in no column
    assert sum(map(sum, s.confusion)) == 3


def test_render_is_seeded_and_keeps_the_face_inside():
    from training.robustness import render

    face = load_fer2013(SAMPLE).private_test.images[0]
    a, b = render(face, np.random.default_rng(5)), render(face, np.random.default_rng(5))
    assert a == b
    photo = cv2.imdecode(np.frombuffer(a.jpeg, np.uint8), cv2.IMREAD_COLOR)
    h, w = photo.shape[:2]
    cx, cy = a.face_centre
    assert photo.ndim == 3 and min(h, w) >= 480 and abs(a.angle) <= 15
    assert a.face_side / 2 <= cx <= w - a.face_side / 2 and a.face_side / 2 <= cy <= h - a.face_side / 2


def test_robustness_report_through_the_pipeline(tmp_path, capsys, small_csv):
    """The shipped model on the sample's PrivateTest faces, rendered as photos: report files and sane figures;
    on PublicTest when asked (for choosing), and a split without faces refused."""
    from model.settings import ModelSettings
    from training.robustness import evaluate_robustness

    assert training_cli(["robustness", "--model", str(ModelSettings().path), "--data", str(SAMPLE),
                         "--out", str(tmp_path / "robust")]) == 0
    assert "re-rendered, full pipeline" in capsys.readouterr().out
    report = json.loads((tmp_path / "robust" / "robustness.json").read_text())
    n = len(load_fer2013(SAMPLE).private_test)
    assert report["direct"]["n"] == report["rendered"]["n"] == n
    assert report["rendered"]["accuracy"] <= report["detected"] <= 1.0
    assert report["detected"] >= 0.8  # the sample's faces are all real faces
    assert report["direct"]["accuracy"] > 1 / 7 and report["rendered"]["accuracy"] > 1 / 7
    assert sum(v["n"] for v in report["by_size"].values()) == n
    assert (tmp_path / "robust" / "robustness_samples.jpg").stat().st_size > 10_000
    assert training_cli(["robustness", "--model", str(ModelSettings().path), "--data", str(small_csv), "--split",
                         "PublicTest", "--limit", "5", "--out", str(tmp_path / "choosing")]) == 0
    assert "PublicTest, 5 faces" in capsys.readouterr().out
    public = json.loads((tmp_path / "choosing" / "robustness.json").read_text())
    assert public["split"] == "PublicTest" and public["direct"]["n"] == 5
    assert report["split"] == "PrivateTest"
    with pytest.raises(ValueError, match="no PublicTest faces"):
        evaluate_robustness(ModelSettings().path, SAMPLE, tmp_path / "none", split="PublicTest")


def test_duplicate_census_and_dedup(tmp_path, capsys):
    """Copies of test images, conflicting labels and plain repeats leave Training; the test splits stay whole."""
    rows = _sample_rows()
    a, b, c, d = (r["pixels"] for r in rows[:4])
    layout = [("0", a, "Training"), ("0", a, "PrivateTest"),   # leak: Training copy of a test image
              ("1", b, "Training"), ("2", b, "Training"),      # conflicting labels
              ("3", c, "Training"), ("3", c, "Training"),      # plain repeat: one copy stays
              ("4", d, "Training"), ("5", d, "PublicTest")]
    path = _write_csv(tmp_path / "dups.csv", [{"emotion": e, "pixels": p, "Usage": u} for e, p, u in layout])
    from training.duplicates import census, dedup_training

    data = load_fer2013(path)
    counts = census(data)
    assert (counts.groups, counts.rows, counts.cross_split, counts.conflicting) == (4, 8, 2, 2)
    train, dropped = dedup_training(data)
    assert dropped == 5 and train.labels.tolist() == [3]
    assert training_cli(["describe", "--data", str(path), "--out", str(tmp_path / "dataset")]) == 0
    out = capsys.readouterr().out
    assert "4 groups of identical images covering 8 rows" in out and "would drop 5 of 6 Training rows" in out
    figures = json.loads((tmp_path / "dataset" / "dataset.json").read_text())
    assert figures["counts"]["Training"]["happy"] == 2 and sum(figures["counts"]["PrivateTest"].values()) == 1
    assert figures["duplicates"] == {"groups": 4, "rows": 8, "cross_split": 2, "conflicting": 2}
    assert figures["dedup_drops"] == 5
    chart = cv2.imread(str(tmp_path / "dataset" / "class_counts.png"))
    assert chart is not None and chart.shape[1] > 800


def test_ensemble_is_one_plain_keras_model_averaging_its_members(tmp_path, capsys):
    import keras

    from training.architectures import build

    members = [build("tiny"), build("tiny")]
    for i, m in enumerate(members):
        m.save(tmp_path / f"m{i}.keras")
    assert training_cli(["ensemble", "--models", str(tmp_path / "m0.keras"), str(tmp_path / "m1.keras"),
                         "--out", str(tmp_path / "ens.keras")]) == 0
    ensemble = keras.models.load_model(tmp_path / "ens.keras", compile=False)
    x = np.random.default_rng(0).uniform(0, 255, (5, 48, 48, 1)).astype(np.float32)
    expected = (members[0].predict(x, verbose=0) + members[1].predict(x, verbose=0)) / 2
    np.testing.assert_allclose(ensemble.predict(x, verbose=0), expected, atol=1e-6)
    with pytest.raises(SystemExit) as usage:
        training_cli(["ensemble", "--models", str(tmp_path / "m0.keras"), "--out", str(tmp_path / "one.keras")])
    assert usage.value.code == 2 and "at least two" in capsys.readouterr().err


def _bn_net(seed: int):
    """Conv + batch norm + softmax head: the smallest net where weight averaging must redo batch norm."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((48, 48, 1))
    x = layers.Conv2D(4, 3, strides=4)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(7, activation="softmax")(x))


def test_batchnorm_reestimate_is_the_exact_mean_over_batches():
    import keras

    from training.swa import reestimate_batchnorm

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.BatchNormalization(momentum=0.9)(inputs))
    rng = np.random.default_rng(0)
    batches = [(rng.normal(loc, 2.0, (16, 3)).astype(np.float32),) for loc in (0.0, 5.0, -1.0)]
    assert reestimate_batchnorm(model, batches) == 3
    norm = model.layers[-1]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_mean),
                               np.mean([b[0].mean(axis=0) for b in batches], axis=0), rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm.moving_variance),
                               np.mean([b[0].var(axis=0) for b in batches], axis=0), rtol=1e-4)
    assert norm.momentum == 0.9  # restored: the saved config is the layer's own


def test_swa_averages_weights_and_refuses_mixed_architectures(tmp_path, small_csv, capsys):
    import keras

    from training.architectures import build

    for seed in (1, 2):
        _bn_net(seed).save(tmp_path / f"m{seed}.keras")
    build("tiny").save(tmp_path / "other.keras")
    cli = ["swa", "--data", str(small_csv), "--models"]
    assert training_cli(cli + [str(tmp_path / "m1.keras"), str(tmp_path / "m2.keras"),
                               "--out", str(tmp_path / "avg" / "swa.keras")]) == 0
    members = [keras.models.load_model(tmp_path / f"m{s}.keras").get_weights() for s in (1, 2)]
    averaged = keras.models.load_model(tmp_path / "avg" / "swa.keras").get_weights()
    # conv kernel+bias, BN gamma+beta, dense kernel+bias are plain means; BN moving stats are re-estimated
    for i in (0, 1, 2, 3, 6, 7):
        np.testing.assert_allclose(averaged[i], (members[0][i] + members[1][i]) / 2, rtol=1e-6, atol=1e-7)
    assert not np.allclose(averaged[4], (members[0][4] + members[1][4]) / 2)
    assert training_cli(cli + [str(tmp_path / "m1.keras"), str(tmp_path / "other.keras"),
                               "--out", str(tmp_path / "bad.keras")]) == 2
    assert "one architecture" in capsys.readouterr().err


def test_swa_keeps_batch_norm_that_fine_tunes_held(tmp_path, capsys):
    import keras

    start = _bn_net(1)
    norm = next(layer for layer in start.layers if isinstance(layer, keras.layers.BatchNormalization))
    norm.set_weights([np.random.default_rng(i).uniform(0.5, 2, w.shape) for i, w in enumerate(norm.get_weights())])
    start.save(tmp_path / "start.keras")
    tuned = keras.models.load_model(tmp_path / "start.keras")
    conv = tuned.layers[1]
    conv.set_weights([w + 0.1 for w in conv.get_weights()])  # what a fine-tune with --freeze-bn moves
    tuned.save(tmp_path / "tuned.keras")
    _bn_net(2).save(tmp_path / "other.keras")  # the same layers, its own batch norm
    cli = ["swa", "--keep-batch-norm", "--out", str(tmp_path / "avg.keras"), "--models", str(tmp_path / "start.keras")]
    assert training_cli(cli + [str(tmp_path / "tuned.keras")]) == 0
    averaged = keras.models.load_model(tmp_path / "avg.keras")
    for got, a, b in zip(averaged.layers[1].get_weights(), start.layers[1].get_weights(), conv.get_weights()):
        np.testing.assert_allclose(got, (a + b) / 2, rtol=1e-6)
    for got, kept in zip(averaged.layers[2].get_weights(), norm.get_weights()):
        np.testing.assert_array_equal(got, kept)
    assert training_cli(cli + [str(tmp_path / "other.keras")]) == 2
    assert "share it" in capsys.readouterr().err
    assert training_cli(["swa", "--out", str(tmp_path / "x.keras"), "--models", str(tmp_path / "start.keras"),
                         str(tmp_path / "tuned.keras")]) == 2
    assert "--keep-batch-norm" in capsys.readouterr().err
    assert training_cli(cli + [str(tmp_path / "tuned.keras"), "--degrade", "0.5"]) == 2
    assert "re-estimates nothing" in capsys.readouterr().err
