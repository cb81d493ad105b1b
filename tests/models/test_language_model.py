"""LanguageModel: shapes, the state carried window by window equals one pass over the whole stream,
tied embeddings (with a projection), the regularisers, and sampling (temperature, top-k, top-p, seeds)."""
import pytest
import torch

from rnnkit.models import build_model, model_config
from rnnkit.models.language_model import CarriedState, LanguageModel, generate_ids, next_token

V = 23


def small(**options):
    torch.manual_seed(0)
    return LanguageModel(V, 8, 12, 2, **options)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "mlstm", "mingru"])
def test_windows_with_carried_state_equal_one_pass(cell):
    model = small(cell=cell).eval()
    ids = torch.randint(0, V, (3, 17))
    whole, _ = model(ids)
    assert whole.shape == (3, 17, V)
    carried = CarriedState(model)
    parts = [carried(ids[:, t:t + 5]) for t in range(0, 17, 5)]
    torch.testing.assert_close(torch.cat(parts, 1), whole)
    carried.reset()
    torch.testing.assert_close(carried(ids[:, :5]), whole[:, :5])


def test_mlstm_trains_in_its_parallel_form_with_the_recurrent_forms_outputs_and_gradients():
    from rnnkit.layers import MLSTM
    parallel = small(cell="mlstm")
    recurrent = small(cell="mlstm", fast="fused")  # an explicit runner keeps the cell's recurrent form
    assert type(parallel.rnn) is MLSTM and parallel.rnn.form == "parallel" and type(recurrent.rnn) is not MLSTM
    recurrent.load_state_dict(parallel.state_dict())  # the same parameter names in both
    ids = torch.randint(0, V, (3, 9))
    grads = []
    for model in (parallel, recurrent):
        first, state = model(ids[:, :4])
        second, _ = model(ids[:, 4:], state)  # a carried (C, n, m) state enters the parallel form
        torch.cat((first, second), 1).logsumexp(-1).sum().backward()
        grads.append((torch.cat((first, second), 1), {n: p.grad for n, p in model.named_parameters()}))
    torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-5, rtol=1e-5)
    for name, grad in grads[0][1].items():
        torch.testing.assert_close(grad, grads[1][1][name], atol=1e-5, rtol=1e-4, msg=name)


def test_carried_state_is_detached_and_restarts_when_the_mode_changes():
    model = small()
    carried = CarriedState(model)
    ids = torch.randint(0, V, (2, 6))
    carried(ids).sum().backward()
    assert all(not s.requires_grad for s in carried.state)
    first_eval = model.eval() and carried(ids)
    torch.testing.assert_close(first_eval, model(ids)[0])  # a validation pass starts from zeros


def test_tied_weights_share_the_embedding_and_project_when_sizes_differ():
    tied = small(tie_weights=True)
    assert tied.decoder.weight is tied.embedding.weight and tied.projection.in_features == 12
    assert LanguageModel(V, 12, 12, 1, tie_weights=True).projection is None
    n_untied = sum(p.numel() for p in small().parameters())
    assert sum(p.numel() for p in tied.parameters()) < n_untied


def test_config_rebuilds_the_same_model():
    model = small(tie_weights=True, dropout=0.3, variational=True, embedding_dropout=0.1, weight_drop=0.2)
    again = build_model(model_config(model))
    again.load_state_dict(model.state_dict())
    ids = torch.randint(0, V, (2, 4))
    torch.testing.assert_close(again.eval()(ids)[0], model.eval()(ids)[0])


@pytest.mark.parametrize("options", [dict(dropout=0.5), dict(dropout=0.5, variational=True),
                                     dict(embedding_dropout=0.5), dict(weight_drop=0.5)])
def test_regularisers_act_in_training_only(options):
    model, plain = small(**options), small()
    ids = torch.randint(0, V, (4, 9))
    torch.testing.assert_close(model.eval()(ids)[0], plain.eval()(ids)[0])
    model.train()
    torch.manual_seed(1)
    a = model(ids)[0]
    torch.manual_seed(2)
    assert not torch.allclose(a, model(ids)[0])


def test_next_token_reweighting():
    logits = torch.tensor([0.0, 3.0, 2.9, -1.0])
    g = torch.Generator().manual_seed(0)
    assert next_token(logits, 0) == 1
    assert next_token(logits, 0, banned=[1]) == 2
    assert {next_token(logits, 5.0, top_k=1, generator=g) for _ in range(20)} == {1}
    assert {next_token(logits, 1.0, top_p=0.01, generator=g) for _ in range(20)} == {1}
    assert {next_token(logits, 1.0, top_k=2, generator=g) for _ in range(200)} == {1, 2}
    hot = [next_token(logits, 100.0, generator=g) for _ in range(400)]
    assert set(hot) == {0, 1, 2, 3}  # a high temperature flattens the distribution
    assert 0 not in {next_token(logits, 1.0, banned=[0], generator=g) for _ in range(200)}


def test_generation_is_seeded_and_reads_the_prompt_once():
    model = small()
    calls = []
    model.register_forward_pre_hook(lambda m, args: calls.append(tuple(args[0].shape)))

    def run(seed):
        return list(generate_ids(model, [3, 4, 5], 12, generator=torch.Generator().manual_seed(seed)))

    a = run(7)
    assert calls == [(1, 3)] + [(1, 1)] * 11  # the prompt once, then one step per new token
    assert len(a) == 12 and a == run(7) and a != run(8)
    assert model.training  # the mode is restored


def test_bf16_output_layer_in_training_only():
    ours, plain = small(output_precision="bfloat16"), small()
    ids = torch.randint(0, V, (3, 6))
    fast, _ = ours(ids)
    exact, _ = plain(ids)
    assert fast.dtype == torch.float32 and not torch.equal(fast, exact)  # the matmul ran in bf16
    torch.testing.assert_close(fast, exact, rtol=0, atol=0.05 * exact.abs().max().item())
    fast.logsumexp(-1).sum().backward()
    exact.logsumexp(-1).sum().backward()
    assert ours.decoder.weight.grad.dtype == torch.float32
    grad, ref = ours.decoder.weight.grad, plain.decoder.weight.grad
    assert (grad - ref).norm() < 0.02 * ref.norm()
    ours.eval(), plain.eval()
    torch.testing.assert_close(ours(ids)[0], plain(ids)[0], rtol=0, atol=0)  # scoring stays float32
    with pytest.raises(ValueError, match="output_precision must be one of"):
        small(output_precision="float16")
