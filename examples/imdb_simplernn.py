"""Article 003, 5.1: SimpleRNN(32) on IMDB (10k words, reviews cut/padded to 500); the article: about 85% validation accuracy.

    python examples/imdb_simplernn.py [--quick] [--epochs N] [--plot curves.png]
"""
import time

from _common import imdb_load_data, parse_args, plot_acc_and_loss
from rnnkit.data import pad_sequences
from rnnkit.keras.layers import Dense, Embedding, SimpleRNN
from rnnkit.keras.models import Sequential

args = parse_args(__doc__)
max_features = 10000  # only the 10k most frequent words
maxlen = 500  # each review cut (or padded) to 500 words

(x_train, y_train), (x_test, y_test) = imdb_load_data(num_words=max_features, limit=2000 if args.quick else None)
print(len(x_train), len(x_test))

x_train = pad_sequences(x_train, maxlen=maxlen)
x_test = pad_sequences(x_test, maxlen=maxlen)  # too long: cut; too short: padded with 0

model = Sequential()
model.add(Embedding(max_features, 32))
model.add(SimpleRNN(32))
model.add(Dense(1, activation='sigmoid'))
model.summary()

model.compile(
    optimizer='rmsprop',
    loss='binary_crossentropy',
    metrics=['acc'])

start = time.perf_counter()
history = model.fit(
    x_train,
    y_train,
    epochs=args.epochs or (1 if args.quick else 10),
    batch_size=128,
    validation_split=0.2)
print(f"training: {time.perf_counter() - start:.0f}s")

plot_acc_and_loss(history, args.plot)
rets = model.evaluate(x_test, y_test)
print(rets)
print(f"test accuracy: {rets[1]:.4f} on {len(x_test)} reviews")
