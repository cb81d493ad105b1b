"""The task models' choices that configs offer (the recurrent cell, a series classifier's input, a seq2seq
model's attention score and bridge), in a module that imports nothing, so a task config (and `rnnkit train
TASK --help`) reads them without importing torch; the models check their arguments against these."""

CELLS = ("lstm", "gru", "rnn", "slstm", "mlstm", "mingru", "minlstm")
RNN_INPUTS = ("series", "fcn", "shuffle")
ATTENTIONS = ("dot", "general", "bahdanau")  # dot and general are Luong's scores; bahdanau is additive
BRIDGES = ("auto", "copy", "linear", "zeros")
