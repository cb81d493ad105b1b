"""`--pretrain lm`: the classifier really starts from the language models' weights (tensors compared), the
language models read the unlabeled texts, fine-tuning has discriminative learning rates and gradual unfreezing,
and bad unlabeled input ends with one line (exit 2)."""
import random

import numpy as np
import pytest
import torch

from rnnkit.models.classifier import SequenceClassifier
from rnnkit.models.language_model import LanguageModel
from rnnkit.tasks import load_config
from rnnkit.tasks import train as train_task
from rnnkit.tasks.text.config import ClassifyConfig
from rnnkit.tasks.text.data import prepare
from rnnkit.tasks.text.pretrain import (CappedTargets, fine_tuning, pretrain_language_models, read_unlabeled,
                                        text_stream)
from testkit import call_cli as call
from testkit.tiny_texts import tiny_review

POS, NEG = ["great", "wonderful", "loved"], ["awful", "boring", "hated"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "it"]
TINY = {"epochs": "2", "batch_size": "16", "embedding_dim": "12", "hidden_size": "8", "lr": "0.03",
        "head_dropout": "0", "embedding_dropout": "0", "dropout": "0", "validation_split": "0.2",
        "pretrain": "lm", "pretrain_epochs": "1", "second_view": "none", "baseline": "none"}


def review(rng, positive):
    return tiny_review(rng, positive, POS, NEG, FILLER)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("pretrain")
    rng = random.Random(0)
    rows = [(review(rng, i % 2 == 1), "pos" if i % 2 else "neg") for i in range(160)]
    (path / "train.csv").write_text("text,label\n" + "\n".join(f"{t},{l}" for t, l in rows) + "\n")
    unlabeled = [review(rng, rng.random() < 0.5) + " zesty" for _ in range(60)]  # "zesty": unlabeled only
    (path / "unlabeled.txt").write_text("\n".join(unlabeled) + "\n\n")
    (path / "unlabeled.csv").write_text("id,body\n" + "\n".join(f"{i},{t}" for i, t in enumerate(unlabeled)) + "\n")
    return path


def train(data, run_dir, **options):
    flags = {"data": str(data / "train.csv"), **TINY, **{k: str(v) for k, v in options.items()}}
    return train_task(*load_config("classify", flags), run_dir=run_dir, quiet=True)


def encoded(data, unlabeled=None, **options):
    config = ClassifyConfig(data=str(data / "train.csv"), embedding_dim=12, hidden_size=8, pretrain="lm",
                            pretrain_epochs=1, **options)
    rows = [line.split(",") for line in (data / "train.csv").read_text().splitlines()[1:]]
    labels = np.array([r[1] == "pos" for r in rows], dtype=np.int64)
    splits = {"train": ([r[0] for r in rows[:120]], labels[:120]), "valid": ([r[0] for r in rows[120:]], labels[120:])}
    return config, prepare(splits, config, "english", None, unlabeled)


def test_the_classifier_takes_the_language_models_embedding_and_cells(data):
    config, prepared = encoded(data, read_unlabeled(str(data / "unlabeled.txt")))
    torch.manual_seed(0)
    pretrained = pretrain_language_models(config, prepared, lambda line: None)
    forward, backward = pretrained.forward, pretrained.backward
    assert isinstance(backward, LanguageModel)
    assert torch.equal(backward.embedding.weight, forward.embedding.weight)  # one embedding, frozen in the second
    model = SequenceClassifier(2, len(prepared.vocab), embedding_dim=12, hidden_size=8, cell=config.cell)
    before = model.head.weight.clone()
    model.load_language_models(forward, backward)
    assert torch.equal(model.embedding.weight[1:], forward.embedding.weight[1:])
    assert not model.embedding.weight[0].any()  # <pad> stays zeros
    for index, lm in enumerate((forward, backward)):
        for name, tensor in lm.rnn.cells[0].state_dict().items():
            assert torch.equal(model.rnn.cells[index].state_dict()[name], tensor), (index, name)
    assert not torch.equal(model.rnn.cells[0].weight_ih, model.rnn.cells[1].weight_ih)  # two models, two directions
    assert torch.equal(model.head.weight, before)  # the output layer keeps its own


def test_a_classifier_that_does_not_fit_the_language_model_is_refused():
    lm = LanguageModel(30, 12, 8, 1, cell="gru")
    with pytest.raises(ValueError, match="backward language model"):
        SequenceClassifier(2, 30, embedding_dim=12, hidden_size=8, cell="gru").load_language_models(lm)
    with pytest.raises(ValueError, match="does not fit"):
        SequenceClassifier(2, 30, embedding_dim=12, hidden_size=16, cell="gru",
                           bidirectional=False).load_language_models(lm)
    with pytest.raises(ValueError, match="conv front end"):
        SequenceClassifier(2, 30, embedding_dim=12, hidden_size=8, cell="gru", conv_filters=4,
                           bidirectional=False).load_language_models(lm)


def test_unlabeled_texts_join_the_vocabulary_and_the_language_models_stream(data):
    texts = read_unlabeled(str(data / "unlabeled.txt"))
    assert len(texts) == 60  # the blank line is not a text
    assert read_unlabeled(str(data / "unlabeled.csv"), "body") == texts
    _, without = encoded(data)
    config, prepared = encoded(data, texts)
    assert "zesty" not in without.vocab and "zesty" in prepared.vocab
    assert len(prepared.tokens["unlabeled"]) == 60 and "unlabeled" not in prepared.ids
    lines = []
    pretrain_language_models(config, prepared, lines.append)
    assert "120 training texts, 60 unlabeled" in lines[0]


def test_the_stream_ends_each_text_with_id_0_and_targets_past_the_outputs_read_as_unk():
    stream = text_stream([np.array([5, 6]), np.array([7])], seed=0)
    assert sorted(stream.tolist()) == [0, 0, 5, 6, 7] and stream[-1] == 0
    assert {tuple(stream[:3]), tuple(stream[:2])} & {(5, 6, 0), (7, 0)}

    class Windows:
        batch_size, tokens = 1, 4

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return torch.tensor([[4, 9]]), torch.tensor([[9, -100]])

    x, y = CappedTargets(Windows(), 5)[0]
    assert y.tolist() == [[1, -100]] and x.tolist() == [[4, 9]]


def test_fine_tuning_divides_the_rate_per_layer_down_and_unfreezes_gradually():
    model = SequenceClassifier(2, 30, embedding_dim=12, hidden_size=8, cell="gru")
    config = ClassifyConfig(data="x.csv", pretrain="lm", lr=0.01, lr_discount=2.0, unfreeze="gradual")
    optimizer, (unfreezing,) = fine_tuning(model, config)
    rates = {g["name"]: g["lr"] for g in optimizer.param_groups}
    assert rates == pytest.approx({"head": 0.01, "rnn": 0.005, "embedding": 0.0025})
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))
    for epoch, trained in enumerate(({"head"}, {"head", "rnn"}, {"head", "rnn", "embedding"})):
        unfreezing.on_epoch_begin(None, epoch)
        assert {g["name"] for g in optimizer.param_groups if g["params"][0].requires_grad} == trained
    plain, callbacks = fine_tuning(model, ClassifyConfig(data="x.csv", pretrain="lm", lr=0.01))  # the defaults
    assert callbacks == [] and {g["lr"] for g in plain.param_groups} == {0.01}


def test_a_run_starts_from_its_language_models_weights(data, tmp_path, monkeypatch):
    """One epoch of gradual unfreezing trains the head alone: the kept classifier's embedding and cells are
    still the language models' own, and the run's vocabulary has the unlabeled texts' words."""
    import rnnkit.tasks.text.train as text_train
    from rnnkit.tasks import read_run

    made = []
    original = text_train.pretrain_language_models
    monkeypatch.setattr(text_train, "pretrain_language_models",
                        lambda *a, **k: made.append(original(*a, **k)) or made[-1])
    run_dir, final = train(data, tmp_path / "run", epochs=1, unfreeze="gradual", unlabeled=data / "unlabeled.csv",
                           unlabeled_col="body")
    (pretrained,) = made
    model = read_run(run_dir).task.model_of(read_run(run_dir))
    assert torch.equal(model.embedding.weight[1:], pretrained.forward.embedding.weight[1:])
    assert torch.equal(model.rnn.cells[0].weight_hh, pretrained.forward.rnn.cells[0].weight_hh)
    assert torch.equal(model.rnn.cells[1].weight_ih, pretrained.backward.rnn.cells[0].weight_ih)
    assert "zesty" in (run_dir / "vocab.json").read_text()
    assert "## Pretraining" in (run_dir / "report.md").read_text() and "60 unlabeled texts" in (run_dir / "report.md").read_text()


def test_a_pretrained_run_learns_the_task(data, tmp_path):
    _, final = train(data, tmp_path / "run", epochs=8, unlabeled=data / "unlabeled.txt")
    assert final["val_acc"] >= 0.9


@pytest.mark.parametrize("content,flags,expected", [
    (None, ["--pretrain", "lm"], "unlabeled text file not found"),
    ("\n  \n", ["--pretrain", "lm"], "no unlabeled text"),
    (b"caf\xe9\n", ["--pretrain", "lm"], "not valid utf-8"),
    ("some text\n", [], "goes with pretrain lm"),
])
def test_bad_unlabeled_input_exits_2_with_one_line(data, tmp_path, capsys, content, flags, expected):
    unlabeled = tmp_path / "unlabeled.txt"
    if content is not None:
        unlabeled.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, _, err = call(capsys, "train", "classify", "--data", data / "train.csv", "--unlabeled", unlabeled,
                        *flags, "--run-dir", tmp_path / "run", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert expected in err.lower() and (content is None or not flags or str(unlabeled) in err)


def test_pretraining_refuses_a_stack_it_cannot_start(data, tmp_path, capsys):
    code, _, err = call(capsys, "train", "classify", "--data", data / "train.csv", "--pretrain", "lm",
                        "--num-layers", "2", "--run-dir", tmp_path / "run", "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "one layer when bidirectional" in err


def test_a_second_view_pretrains_its_own_language_model_on_its_own_tokens(data, tmp_path):
    """With a second model over characters, each view's classifier starts from language models of its own
    tokens, the unlabeled texts included (each vocabulary has them)."""
    import json

    run_dir, _ = train(data, tmp_path / "run", second_view="chars", second_view_epochs=1,
                       unlabeled=data / "unlabeled.txt")
    view_dir = run_dir / "second-view"
    assert json.loads((view_dir / "config.json").read_text())["data"]["tokenizer"] == "chars"
    for folder, token in ((run_dir, "zesty"), (view_dir, "z")):  # "z" only in "zesty" among the texts
        assert token in json.loads((folder / "vocab.json").read_text())["tokens"], folder
        assert "60 unlabeled texts" in (folder / "report.md").read_text(), folder


def test_a_language_model_can_predict_only_the_most_frequent_ids():
    lm = LanguageModel(30, 8, 6, 1, cell="gru", output_size=10)
    logits, _ = lm(torch.randint(0, 30, (2, 5)))  # every id of the vocabulary is read
    assert logits.shape == (2, 5, 10) and lm.get_config()["output_size"] == 10
    with pytest.raises(ValueError, match="tie_weights"):
        LanguageModel(30, 8, 8, 1, tie_weights=True, output_size=10)
    with pytest.raises(ValueError, match="output_size"):
        LanguageModel(30, 8, 8, 1, output_size=31)
