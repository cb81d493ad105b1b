"""TF-IDF + logistic regression on chinese-reviews (jieba words, unigrams and bigrams), the baseline
the LSTM of `rnnkit train sentiment --dataset chinese-reviews` must beat on the same fixed split.

    python benchmarks/tasks/chinese_baseline.py
"""
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rnnkit.data import chinese_words, load_dataset

start = time.perf_counter()
ds = load_dataset("chinese-reviews")
vectorizer = TfidfVectorizer(tokenizer=chinese_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                             min_df=2, sublinear_tf=True)
x_train = vectorizer.fit_transform(ds.train.texts)
best = None
for c in (1.0, 3.0, 10.0, 30.0):  # C chosen on the validation split, as the LSTM's epoch is
    clf = LogisticRegression(C=c, max_iter=2000).fit(x_train, ds.train.labels)
    acc = float(np.mean(clf.predict(vectorizer.transform(ds.valid.texts)) == ds.valid.labels))
    if best is None or acc > best[0]:
        best = (acc, c, clf)
valid_acc, c, clf = best
test_acc = float(np.mean(clf.predict(vectorizer.transform(ds.test.texts)) == ds.test.labels))
print(f"tfidf+logreg chinese-reviews: C={c} valid_acc={valid_acc:.4f} test_acc={test_acc:.4f} "
      f"({len(ds.train)} train / {len(ds.valid)} valid / {len(ds.test)} test, {time.perf_counter() - start:.1f}s)")
