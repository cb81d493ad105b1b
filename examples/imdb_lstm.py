"""Article 003, 5.2: LSTM(32) on IMDB (10k words, reviews cut/padded to 500), about 89%.

    python examples/imdb_lstm.py [--quick] [--epochs N] [--plot curves.png] [--word-vectors]

--word-vectors starts the Embedding from word vectors counted from the training reviews
(`rnnkit.data.word_vectors`, PPMI + SVD) with Keras' `set_weights`, as the Keras book does with
GloVe vectors in the section after this one, and keeps the weights of the best validation epoch
(`EarlyStopping(restore_best_weights=True)`); the model itself stays the article's.
"""
import time

from _common import imdb_load_data, parse_args, plot_acc_and_loss
from rnnkit.data import pad_sequences
from rnnkit.keras.layers import LSTM, Dense, Embedding
from rnnkit.keras.models import Sequential

args = parse_args(__doc__)
max_features = 10000  # only the 10k most frequent words
maxlen = 500  # each review cut (or padded) to 500 words

(x_train, y_train), (x_test, y_test) = imdb_load_data(num_words=max_features, limit=2000 if args.quick else None)
print(len(x_train), len(x_test))

x_train_ids = x_train
x_train = pad_sequences(x_train, maxlen=maxlen)
x_test = pad_sequences(x_test, maxlen=maxlen)  # too long: cut; too short: padded with 0

model = Sequential()
model.add(Embedding(max_features, 32))
model.add(LSTM(32))
model.add(Dense(1, activation='sigmoid'))
model.summary()
if args.word_vectors:
    from rnnkit.data.word_vectors import ppmi_svd_vectors

    model.layers[0].set_weights([ppmi_svd_vectors(x_train_ids, max_features, 32)])  # counted before padding

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
