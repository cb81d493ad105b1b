"""Article 001: MNIST read row by row by an LSTM(128): each image is 28 steps of 28 pixels, the class
comes from the last hidden state (softmax over 10 digits), Adam at 1e-3, batches of 128.

The article's TensorFlow graph (an input projection to 128, an LSTMCell, a dense layer on the final
state) is written with rnnkit's Keras API; it trains on whole epochs instead of 300 random batches.

    python examples/mnist_rows_lstm.py [--quick] [--epochs N] [--plot curves.png]
"""
import time

from _common import parse_args, plot_acc_and_loss
from rnnkit.data import load_dataset
from rnnkit.keras.layers import LSTM, Dense
from rnnkit.keras.models import Sequential

args = parse_args(__doc__)
batch_size = 128
n_inputs = 28  # pixels per row: one step's input
n_steps = 28  # rows: the sequence length
n_hidden = 128  # LSTM units
n_classes = 10

ds = load_dataset("mnist")  # official 50k train / 10k valid / 10k test, floats in [0, 1]
limit = 5000 if args.quick else None
x_train = ds.train.x[:limit].reshape(-1, n_steps, n_inputs)
x_valid, x_test = ds.valid.x.reshape(-1, n_steps, n_inputs), ds.test.x.reshape(-1, n_steps, n_inputs)
y_train = ds.train.y[:limit]

model = Sequential()
model.add(Dense(n_hidden, input_shape=(n_steps, n_inputs)))  # the article's x_in = x @ weight1 + bias1
model.add(LSTM(n_hidden))
model.add(Dense(n_classes, activation='softmax'))
model.summary()
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'], lr=0.001)

start = time.perf_counter()
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=args.epochs or (1 if args.quick else 10),
                    validation_data=(x_valid, ds.valid.y))
print(f"training: {time.perf_counter() - start:.0f}s")
plot_acc_and_loss(history, args.plot)
loss, acc = model.evaluate(x_test, ds.test.y, batch_size=512)
print(f"test accuracy: {acc:.4f} on {len(x_test)} images")
