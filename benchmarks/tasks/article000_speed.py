"""Article 000's speed: Embedding(14322, 256) + LSTM(128) + Dropout(0.5) + Dense(1), batch 128, one
epoch over 15,000 sentences (the article: about 3 minutes an epoch on the author's CPU).

Sentences are chinese-reviews (train then valid, first 15,000), jieba words, vocabulary cut to 14,322.
Two ways of feeding them, both timed over one full training epoch (forward, backward, Adam):
  keras:   as the article, every review pre-padded/cut to maxlen=100, all 100 steps computed;
  rnnkit:  the same model as a SequenceClassifier (last state, no bidirection) on length-bucketed,
           post-padded batches whose padding the LSTM skips.

    python benchmarks/tasks/article000_speed.py
"""
import time

import numpy as np
import torch

from rnnkit.data import Vocabulary, chinese_words, load_dataset, pad_sequences
from rnnkit.keras.layers import LSTM, Activation, Dense, Dropout, Embedding
from rnnkit.keras.models import Sequential
from rnnkit.models.classifier import SequenceClassifier
from rnnkit.data.text_batches import BucketedBatches

N, VOCAB, MAXLEN, BATCH = 15000, 14322, 100, 128
ds = load_dataset("chinese-reviews")
texts = (ds.train.texts + ds.valid.texts)[:N]
labels = np.concatenate([ds.train.labels, ds.valid.labels])[:N]
tokens = [chinese_words(t) for t in texts]
vocab = Vocabulary.build(tokens, max_size=VOCAB)
ids = [vocab.encode(t)[-MAXLEN:] or [1] for t in tokens]
lengths = np.array([len(s) for s in ids])
print(f"{N} sentences, vocabulary {len(vocab)}, mean length {lengths.mean():.1f} words (cut to {MAXLEN}), "
      f"torch threads {torch.get_num_threads()}")

model = Sequential()
model.add(Embedding(VOCAB, 256, input_length=MAXLEN))
model.add(LSTM(128))
model.add(Dropout(0.5))
model.add(Dense(1))
model.add(Activation('sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
x = pad_sequences(ids, maxlen=MAXLEN)
start = time.perf_counter()
model.fit(x, labels, batch_size=BATCH, epochs=1, verbose=0)
keras_seconds = time.perf_counter() - start
print(f"keras-style (pre-padded to {MAXLEN}, all steps): {keras_seconds:.1f} s/epoch")

torch.manual_seed(0)
clf = SequenceClassifier(2, VOCAB, embedding_dim=256, hidden_size=128, bidirectional=False, pooling="last",
                         head_dropout=0.5)
optimizer = torch.optim.Adam(clf.parameters(), lr=1e-3)
batches = BucketedBatches([np.asarray(s) for s in ids], labels, BATCH)
start = time.perf_counter()
for batch_ids, batch_lengths, y in (batches[i] for i in range(len(batches))):
    loss = torch.nn.functional.binary_cross_entropy_with_logits(clf(batch_ids, batch_lengths)[:, 0], y.float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
rnnkit_seconds = time.perf_counter() - start
print(f"rnnkit (bucketed, padding skipped): {rnnkit_seconds:.1f} s/epoch")
print(f"article000 speed: keras-style {keras_seconds:.1f} s/epoch, bucketed {rnnkit_seconds:.1f} s/epoch "
      f"(article: about 180 s/epoch)")
