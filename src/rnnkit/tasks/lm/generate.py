"""Text from a trained language model: the prompt read once, then one token at a time from the carried
state, each drawn with a temperature (article 003) and optionally top-k / top-p, streamed as it comes.

Word level: the prompt is split on whitespace, tokens are joined by spaces and `<eos>` ends a line;
character level: characters as they are. Generation starts after a line break (`<eos>`, or a newline
character), where the training text's lines start too; a fixed seed gives the same text every time.

torch and the data modules are imported on use: the lm package imports this module (its `generate`), and
`rnnkit train lm --help` imports the package.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from rnnkit.data.text import PAD_ID, UNK_ID
from rnnkit.errors import UserError
from rnnkit.tasks.task import Run

if TYPE_CHECKING:
    import torch

    from rnnkit.data.text import Vocabulary

SAMPLE_TEMPERATURES = (0.5, 1.0, 1.2)


def check_options(length: int, temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not isinstance(length, int) or length < 1:
        raise UserError(f"--length {length}: expected a positive number of tokens to generate")
    if not temperature >= 0:
        raise UserError(f"--temperature {temperature}: expected a temperature >= 0 (0 takes the likeliest token)")
    if top_k is not None and top_k < 1:
        raise UserError(f"--top-k {top_k}: expected a positive number of tokens")
    if top_p is not None and not 0 < top_p <= 1:
        raise UserError(f"--top-p {top_p}: expected a probability in (0, 1]")


def prompt_ids(prompt: str, vocab: Vocabulary, level: str) -> list[int]:
    """The prompt's ids after a line break; a prompt whose tokens are all unknown is an error naming them."""
    from rnnkit.data.lm_streams import EOS

    tokens = prompt.split() if level == "word" else list(prompt)
    start = EOS if level == "word" else "\n"
    ids = [vocab.stoi.get(t, UNK_ID) for t in tokens]
    if tokens and all(i == UNK_ID for i in ids) and "<unk>" not in tokens:
        unknown = ", ".join(repr(t) for t in dict.fromkeys(tokens))
        raise UserError(f"--prompt {prompt!r}: every {'word' if level == 'word' else 'character'} is outside the "
                        f"model's vocabulary ({unknown}); use words of the training text")
    return ([vocab.stoi[start]] if start in vocab.stoi else []) + ids or [UNK_ID]


def banned_ids(level: str) -> tuple[int, ...]:
    """Ids never drawn: `<pad>`, and at character level `<unk>` (it would print as five characters)."""
    return (PAD_ID,) if level == "word" else (PAD_ID, UNK_ID)


def stream_text(model: torch.nn.Module, vocab: Vocabulary, level: str, prompt: str, length: int, *,
                temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                seed: int | None = None) -> Iterator[str]:
    """The prompt, then the generated text piece by piece (a word with its space, or a character)."""
    import torch

    from rnnkit.models.language_model import generate_ids

    check_options(length, temperature, top_k, top_p)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    ids = prompt_ids(prompt, vocab, level)  # checked now, not when the first piece is asked for
    return _pieces(generate_ids(model, ids, length, temperature=temperature, top_k=top_k, top_p=top_p,
                                generator=generator, banned=banned_ids(level)), vocab, level, prompt)


def _pieces(tokens: Iterator[int], vocab: Vocabulary, level: str, prompt: str) -> Iterator[str]:
    from rnnkit.data.lm_streams import EOS

    if prompt:
        yield prompt
    at_line_start = not prompt
    for token in tokens:
        text = vocab.itos[token]
        if level == "char":
            yield text
        elif text == EOS:
            yield "\n"
            at_line_start = True
        else:
            yield text if at_line_start else " " + text
            at_line_start = False


def sample_text(model, vocab: Vocabulary, level: str, prompt: str, length: int, **options) -> str:
    return "".join(stream_text(model, vocab, level, prompt, length, **options))


def generate(run: Run, prompt: str = "", length: int = 200, *, temperature: float = 1.0, top_k: int | None = None,
             top_p: float | None = None, seed: int | None = None) -> Iterator[str]:
    """Text from a trained `lm` run, streamed piece by piece (see `stream_text`)."""
    from rnnkit.data.text import Vocabulary
    from rnnkit.tasks.lm.data import VOCAB_FILE

    check_options(length, temperature, top_k, top_p)
    level = (run.saved.get("data") or {}).get("level")
    if level not in ("word", "char"):
        raise UserError(f"{run.file('config.json')}: not a language-model run (no level recorded)")
    vocab = Vocabulary.load(run.file(VOCAB_FILE))
    model = run.task.model_of(run)
    return stream_text(model, vocab, level, prompt, length, temperature=temperature, top_k=top_k, top_p=top_p,
                       seed=seed)
