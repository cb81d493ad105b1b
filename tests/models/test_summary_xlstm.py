"""summary() counts the xLSTM layers' parameters exactly, against a count by hand."""
from torch import nn

from rnnkit.layers import MLSTM, Recurrent
from rnnkit.models.summary import model_summary


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 64)
        self.slstm = Recurrent("slstm", 64, 128, num_heads=4, bidirectional=True)
        self.mlstm = MLSTM(256, 128, 2, num_heads=4)


def test_summary_counts_slstm_and_mlstm_by_hand():
    H, d, K = 128, 32, 4
    slstm = 2 * (4 * H * 64 + 4 * d * H + 4 * H)  # per direction: W_ih, K blocks (d, d) per gate, one bias per gate
    mlstm = (4 * H + 2 * K) * (256 + 1) + (4 * H + 2 * K) * (H + 1)  # q, k, v, o rows + one ĩ and f̃ row per head
    assert (slstm, mlstm) == (99_328, 200_720)
    text = model_summary(Stack())
    rows = {line.split()[0]: line.split()[-1] for line in text.splitlines()[3:6]}
    assert rows == {"embed": "64,000", "slstm": f"{slstm:,}", "mlstm": f"{mlstm:,}"}
    assert f"Total params: {64_000 + slstm + mlstm:,}" in text
