"""Article 003, 5.2: LSTM(32) on IMDB (10k words, reviews cut/padded to 500); the article: about 89% validation accuracy.

    python examples/imdb_lstm.py [--quick] [--epochs N] [--plot curves.png] [--word-vectors] [--tuned]

--word-vectors starts the Embedding from word vectors counted from the training reviews
(`rnnkit.data.word_vectors`, PPMI + SVD) with Keras' `set_weights`, as the Keras book does with
GloVe vectors in the section after this one, and keeps the weights of the best validation epoch
(`EarlyStopping(restore_best_weights=True)`); the model itself stays the article's.
--tuned (implies --word-vectors) also fights the overfitting the article's curves show, with the
article's own tools: Dropout(0.3) on the word vectors and LSTM(32, dropout=0.3) on its inputs, and
trains with Adam at 2e-3 annealed to 0 (cosine) and gradients clipped to norm 1. Still Embedding(10000,
32) -> LSTM(32) -> Dense(1); its test accuracy is in benchmarks/TASKS.md.
"""
import time

from _common import imdb_load_data, parse_args, plot_acc_and_loss
from rnnkit.data import pad_sequences
from rnnkit.keras.layers import LSTM, Dense, Dropout, Embedding
from rnnkit.keras.models import Sequential
from rnnkit.training import seed_everything

args = parse_args(__doc__, ("--tuned", "dropout on the word vectors and the LSTM's inputs, Adam annealed, clipping; "
                                       "implies --word-vectors"))
args.word_vectors = args.word_vectors or args.tuned
seed_everything(0)  # the same numbers on every run
max_features = 10000  # only the 10k most frequent words
maxlen = 500  # each review cut (or padded) to 500 words

(x_train, y_train), (x_test, y_test) = imdb_load_data(num_words=max_features, limit=2000 if args.quick else None)
print(len(x_train), len(x_test))

x_train_ids = x_train
x_train = pad_sequences(x_train, maxlen=maxlen)
x_test = pad_sequences(x_test, maxlen=maxlen)  # too long: cut; too short: padded with 0

model = Sequential()
model.add(Embedding(max_features, 32))
if args.tuned:
    model.add(Dropout(0.3))
model.add(LSTM(32, dropout=0.3 if args.tuned else 0.0))
model.add(Dense(1, activation='sigmoid'))
model.summary()
if args.word_vectors:
    from rnnkit.data.word_vectors import ppmi_svd_vectors

    model.layers[0].set_weights([ppmi_svd_vectors(x_train_ids, max_features, 32)])  # counted before padding

if args.tuned:  # rnnkit's compile passes lr, schedule and clip_norm on to its Trainer
    model.compile(optimizer='adam', lr=2e-3, schedule='cosine', clip_norm=1.0, loss='binary_crossentropy', metrics=['acc'])
else:
    model.compile(
        optimizer='rmsprop',
        loss='binary_crossentropy',
        metrics=['acc'])

callbacks = []
if args.word_vectors:
    from rnnkit.training.callbacks import EarlyStopping

    callbacks.append(EarlyStopping(monitor='val_acc', patience=args.epochs or 10, restore_best_weights=True))

start = time.perf_counter()
history = model.fit(
    x_train,
    y_train,
    epochs=args.epochs or (1 if args.quick else 10),
    batch_size=128,
    validation_split=0.2,
    callbacks=callbacks)
print(f"training: {time.perf_counter() - start:.0f}s")

plot_acc_and_loss(history, args.plot)
rets = model.evaluate(x_test, y_test)
print(rets)
print(f"test accuracy: {rets[1]:.4f} on {len(x_test)} reviews")
