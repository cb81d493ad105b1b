"""Every cell and option the engine must handle, shared by the cell and engine tests."""
CONFIGS = [
    ("rnn", {}),
    ("rnn", {"activation": "relu"}),
    ("rnn", {"zoneout": 0.3, "weight_drop": 0.4}),
    ("lstm", {}),
    ("lstm", {"peephole": True}),
    ("lstm", {"proj_size": 3}),
    ("lstm", {"layer_norm": True}),
    ("lstm", {"cell_clip": 0.3}),
    ("lstm", {"zoneout_h": 0.2, "zoneout_c": 0.4}),
    ("lstm", {"weight_drop": 0.5}),
    ("lstm", {"layer_norm": True, "peephole": True, "cell_clip": 0.5, "zoneout": 0.3, "weight_drop": 0.3, "proj_size": 3}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
    ("gru", {"layer_norm": True}),
    ("gru", {"zoneout": 0.3, "weight_drop": 0.5}),
    ("gru", {"reset_after": False, "zoneout": 0.2, "weight_drop": 0.3}),
    ("slstm", {}),
    ("slstm", {"forget_gate": "exp", "zoneout": 0.3, "weight_drop": 0.4}),
]


def config_id(config) -> str:
    kind, options = config
    return kind + "".join(f"-{k}={v}" for k, v in options.items())
