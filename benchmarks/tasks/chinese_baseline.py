"""TF-IDF + logistic regression on chinese-reviews (jieba words, unigrams and bigrams), the baseline
the LSTM of `rnnkit train sentiment --dataset chinese-reviews` must beat on the same fixed split.

    python benchmarks/tasks/chinese_baseline.py
"""
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rnnkit.data import chinese_words, load_dataset


def tfidf_baseline(ds) -> dict:
    """Fit on ds.train with C chosen on ds.valid (as the LSTM's epoch is); test class probabilities and accuracies."""
    vectorizer = TfidfVectorizer(tokenizer=chinese_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                 min_df=2, sublinear_tf=True)
    x_train = vectorizer.fit_transform(ds.train.texts)
    best = None
    for c in (1.0, 3.0, 10.0, 30.0):
        clf = LogisticRegression(C=c, max_iter=2000).fit(x_train, ds.train.labels)
        acc = float(np.mean(clf.predict(vectorizer.transform(ds.valid.texts)) == ds.valid.labels))
        if best is None or acc > best[0]:
            best = (acc, c, clf)
    valid_acc, c, clf = best
    test_proba = clf.predict_proba(vectorizer.transform(ds.test.texts))  # (N, 2)
    return {"C": c, "valid_acc": valid_acc, "test_acc": float(np.mean(test_proba.argmax(1) == ds.test.labels)),
            "test_proba": test_proba}


if __name__ == "__main__":
    start = time.perf_counter()
    ds = load_dataset("chinese-reviews")
    result = tfidf_baseline(ds)
    print(f"tfidf+logreg chinese-reviews: C={result['C']} valid_acc={result['valid_acc']:.4f} "
          f"test_acc={result['test_acc']:.4f} ({len(ds.train)} train / {len(ds.valid)} valid / {len(ds.test)} test, "
          f"{time.perf_counter() - start:.1f}s)")
