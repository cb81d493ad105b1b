"""Task configs: pydantic checks every key and type once, errors name the key in one line, a config
travels as the same typed object into the run folder and back."""
import dataclasses
import json
import pickle

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import TASKS, load_config
from rnnkit.tasks.config import changed_fields, field_docs, make_config
from rnnkit.tasks.images.config import MnistConfig
from rnnkit.tasks.runs import read_run, run_config_record
from rnnkit.tasks.text.config import ClassifyConfig, SentimentConfig


def test_command_line_strings_become_typed_values():
    config = make_config(SentimentConfig, {"hidden_size": "96", "lr": "1e-3", "bidirectional": "false",
                                           "schedule": "none", "maxlen": "null", "metrics": "acc,f1",
                                           "dataset": "chinese-reviews"}, strings=True)
    assert (config.hidden_size, config.lr, config.bidirectional) == (96, 1e-3, False)
    assert config.schedule is None and config.maxlen is None and config.metrics == ["acc", "f1"]
    assert make_config(SentimentConfig, {"metrics": '["acc"]'}, strings=True).metrics == ["acc"]


@pytest.mark.parametrize("values, message", [
    ({"hiden_size": "3"}, "unknown config key 'hiden_size' for SentimentConfig; did you mean 'hidden_size'?"),
    ({"zzz": "3"}, "expected one of epochs, batch_size"),
    ({"epochs": "-1"}, "config key 'epochs' (int or none): input should be greater than or equal to 1, got '-1'"),
    ({"batch_size": "0"}, "config key 'batch_size'"),
    ({"dropout": "1.5"}, "config key 'dropout' (float): input should be less than 1"),
    ({"dataset": "mnist"}, "config key 'dataset' (one of imdb, chinese-reviews, movie-snippets, vader-tweets)"),
    ({"hidden_size": "wide"}, "config key 'hidden_size' (int): input should be a valid integer"),
    ({"second_view": "klingon"}, "config key 'second_view': tokenizer='klingon' is not one of"),
    ({"metrics": "[oops"}, "config key 'metrics': '[oops' is not valid JSON"),
])
def test_mistakes_are_one_line_naming_the_key(values, message):
    with pytest.raises(UserError) as err:
        make_config(SentimentConfig, values, strings=True)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_checks_across_fields_and_required_keys():
    with pytest.raises(UserError, match="config key 'chrono_init': needs cell='lstm'"):
        make_config(MnistConfig, {"cell": "gru", "chrono_init": True})
    with pytest.raises(UserError, match="config key 'data' is required"):
        make_config(ClassifyConfig, {})


def test_a_config_file_is_a_base_that_overrides_change(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: sentiment\nhidden_size: 64\nepochs: 2\n")
    task, config = load_config(str(path), {"epochs": "5"})
    assert task is TASKS["sentiment"] and (config.hidden_size, config.epochs) == (64, 5)
    path.write_bytes(b"task: sentiment\nhidden_size: \xff\n")
    with pytest.raises(UserError, match="not UTF-8"):
        load_config(str(path))


def test_every_field_has_a_description_for_the_help():
    for task in TASKS.values():
        docs = field_docs(task.config_cls)
        missing = [name for name, doc in docs.items() if not doc and name != "run_dir"]
        assert not missing, (task.name, missing)


def test_the_config_travels_as_an_object_and_comes_back_typed_from_the_run_folder(tmp_path):
    config = make_config(SentimentConfig, {"hidden_size": "64", "schedule": "none", "seed": "3"}, strings=True)
    assert pickle.loads(pickle.dumps(config)) == config  # as DDP's spawn sends it
    (tmp_path / "config.json").write_text(json.dumps({**run_config_record("sentiment", config, tokenizer="english"),
                                                      "model": {"name": "x"}}))
    run = read_run(tmp_path, TASKS["sentiment"])
    assert run.config == config and type(run.config) is SentimentConfig
    assert run.saved["data"] == {"tokenizer": "english"}
    assert changed_fields(config) == {"hidden_size": 64, "schedule": None, "seed": 3}


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "expected a JSON object"),
    ('{"task_config": {}}', "names no task"),
    ('{"task": "sentiment", "task_config": {"hidden_size": "x"}}', "config key 'hidden_size'"),
    ('{"task": "sentiment", "task_config": []}', "'task_config' should be a JSON object, got a JSON array"),
])
def test_damaged_run_folders_are_one_line_errors(tmp_path, content, message):
    (tmp_path / "config.json").write_text(content)
    from rnnkit.tasks import read_run as read_any_run

    with pytest.raises(UserError, match=message):
        read_any_run(tmp_path)


def test_replace_checks_again():
    config = SentimentConfig()
    assert dataclasses.replace(config, epochs=4).epochs == 4
    with pytest.raises(ValueError):
        dataclasses.replace(config, epochs=0)


@pytest.mark.parametrize("overrides, said", [({"pooling": "bogus"}, "pooling must name"),
                                             ({"cell": "mingru", "recurrent_dropout": "0.3"}, "makes no sense")])
def test_a_model_the_config_cannot_build_stops_before_any_data_or_weight(tmp_path, overrides, said):
    """check_before_start builds the model on the meta device: the model's own refusal, in one line, and no
    random number drawn, so the run that follows draws the same weights as without the check."""
    import torch

    from rnnkit.tasks.runner import check_before_start

    task, config = load_config("sentiment", overrides)
    torch.manual_seed(0)
    with pytest.raises(UserError, match=f"config: the model cannot be built .*{said}"):
        check_before_start(task, config, tmp_path / "run", resume=False)
    assert not (tmp_path / "run").exists()
    task, config = load_config("sentiment", {})
    torch.manual_seed(0)
    check_before_start(task, config, tmp_path / "run", resume=False)  # builds the 30,000-word default model
    after_check = torch.rand(4)
    torch.manual_seed(0)
    assert torch.equal(after_check, torch.rand(4))
