"""The linear text baseline: TF-IDF over word and character n-grams, scaled by naive Bayes log-count ratios
on two classes, then logistic regression (scikit-learn).

    x = [ tfidf_words(text) ; tfidf_chars(text) ]       word 1-2 grams, character 2-5 grams within words
                                                        (characters only for short texts: CHAR_VIEW_MAX_MEDIAN;
                                                        1-5 grams for Chinese, where one character is a morpheme)
    tfidf(t, d) = (1 + log tf(t, d)) * idf(t),  each view's row L2-normalised,  idf(t) = 1 + log((1 + n) / (1 + df(t)))
    r = log( (p / ||p||_1) / (q / ||q||_1) ),  p = 1 + sum of [x > 0] over the second class's training texts,
                                               q = the same over the first class's      (two classes only)
    x' = r * x                                                  (elementwise: NB-LR, Wang & Manning 2012)
    p(y = k | x') = softmax(W x' + b)_k                (sigmoid for two classes), W fitted with penalty ||W||^2 / 2C

Each view keeps its `max_features` most frequent n-grams seen in at least two training texts; C is the
grid value with the best validation accuracy (the grid fitted in rising order, each fit starting
from the last one's weights). The naive Bayes scaling (Wang & Manning, "Baselines and Bigrams", 2012)
weighs each n-gram by how much more often it occurs in one class's texts than in the other's; with more
than two classes the features are left unscaled. `save` writes the vocabularies, idf and settings as
JSON and W, b (and r) as NPZ, and `load` rebuilds the same scikit-learn objects from them: no pickle is read.

Many classes: the softmax regression's L-BFGS keeps about 300 bytes a weight (6.4 GB for 572 classes x 40,000
features) and each of its iterations is a pass over every class (9 s there), so a file of hundreds of classes
exhausted the memory before its first C was fitted. Above MANY_WEIGHTS classes x features the classes are fitted
one against the rest by linear SVMs (liblinear: 3-4 minutes a C for 572 classes, 1.5 GB), C rising through the grid
while validation accuracy does, and their scores z read as probabilities at the temperature t of lowest validation
log loss, p(y = k | x) = softmax(t z)_k: the same W, b and softmax as above, so save, load and the blend are
unchanged. benchmarks/TASKS.md, *Many classes*.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import scipy.sparse as sp

from rnnkit.atomic import write_json, write_npz
from rnnkit.data.text import get_tokenizer

if TYPE_CHECKING:  # scikit-learn is imported where it is used (see models.baselines)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
SVM_C_GRID = (0.3, 1.0, 3.0)
MAX_FEATURES = 200_000
"""per view: enough for the word bigrams of 25,000 reviews, and a few seconds per fit"""
MANY_WEIGHTS = 10_000_000
"""classes x features above which the classes are fitted one against the rest (the catalog's largest, 19
classes of Debian descriptions, stays under it)"""
MAX_WEIGHTS = 50_000_000
"""classes x features at most (200 MB of float32 weights in the run folder): a view keeps fewer n-grams over 125
classes (572 maintainers' descriptions: 43,000 a view scored the validation accuracy of 200,000)"""
CHINESE_TOKENIZERS = ("chinese", "chinese-chars")
"""tokenizers whose texts get character unigrams too"""
CHAR_VIEW_MAX_MEDIAN = 500
"""the character view only when the median training text has at most this many characters: on short texts
it scores better on validation, on long reviews worse and several times slower (benchmarks/TASKS.md)"""


LOGISTIC = "logistic regression"
ONE_AGAINST_REST = "linear SVMs"
"""(one class against the rest, their scores read through a softmax at the temperature chosen on validation)"""


class BaselineUnavailable(Exception):
    """The baseline cannot be fitted on these texts; the message says why (for the run's report)."""


def view_settings(tokenizer: str, max_features: int, chars: bool = True) -> dict[str, dict]:
    """The views' TfidfVectorizer settings (JSON-able; the word view's tokenizer is named, not stored)."""
    common = {"sublinear_tf": True, "min_df": 2, "max_features": max_features}
    views = {"words": {**common, "ngram_range": [1, 2], "lowercase": tokenizer == "english", "token_pattern": None,
                       "tokenizer": tokenizer}}
    if chars:
        shortest = 1 if tokenizer in CHINESE_TOKENIZERS else 2
        views["chars"] = {**common, "analyzer": "char_wb", "ngram_range": [shortest, 5], "lowercase": True}
    return views


def vectorizer(settings: dict, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    kwargs = {**settings, "ngram_range": tuple(settings["ngram_range"]), "dtype": np.float32,
              "vocabulary": vocabulary}
    if "tokenizer" in kwargs:
        kwargs["tokenizer"] = get_tokenizer(kwargs["tokenizer"])
    return TfidfVectorizer(**kwargs)


@dataclass
class TextBaseline:
    settings: dict[str, dict]
    """view name -> TfidfVectorizer settings"""
    views: dict[str, TfidfVectorizer]
    """the fitted views (a view with no n-gram seen twice is left out)"""
    classifier: LogisticRegression
    num_classes: int
    C: float
    valid_acc: float | None
    nb_ratio: np.ndarray | None = None
    """r, the naive Bayes log-count ratio each feature is scaled by (None: unscaled, over two classes)"""
    fitted_by: str = LOGISTIC
    """how W, b were fitted: LOGISTIC, or ONE_AGAINST_REST over many classes"""

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        x = sp.hstack([v.transform(texts) for v in self.views.values()], format="csr")
        return x if self.nb_ratio is None else scale(x, self.nb_ratio)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, num_classes) class probabilities; a class absent from the training texts gets 0."""
        out = np.zeros((len(texts), self.num_classes))
        if len(texts):
            out[:, self.classifier.classes_] = self.classifier.predict_proba(self.features(texts))
        return out

    def save(self, json_path: Path, arrays_path: Path, **facts) -> None:
        """Vocabularies and settings (plus `facts`) as JSON, idf and W, b as NPZ."""
        arrays = {"coef": self.classifier.coef_, "intercept": self.classifier.intercept_,
                  "classes": self.classifier.classes_.astype(np.int64)}
        arrays.update({f"idf_{name}": v.idf_ for name, v in self.views.items()})
        if self.nb_ratio is not None:
            arrays["nb_ratio"] = self.nb_ratio
        write_npz(arrays_path, arrays)
        write_json(json_path, {"kind": "tfidf-logreg", "num_classes": self.num_classes, "C": self.C,
                               "fitted_by": self.fitted_by, "valid_acc": self.valid_acc, "settings": self.settings,
                               **facts,
                               "vocabularies": {name: {t: int(i) for t, i in v.vocabulary_.items()}
                                                for name, v in self.views.items()}})

    @classmethod
    def load(cls, json_path: Path, arrays_path: Path) -> tuple["TextBaseline", dict]:
        """The saved baseline and the JSON record (its facts); reads no pickle (allow_pickle=False)."""
        from sklearn.linear_model import LogisticRegression

        record = json.loads(Path(json_path).read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as arrays:
            views = {}
            for name, vocabulary in record["vocabularies"].items():
                views[name] = vectorizer(record["settings"][name], vocabulary)
                views[name].idf_ = arrays[f"idf_{name}"]
            classifier = LogisticRegression(C=record["C"])
            classifier.coef_, classifier.intercept_ = arrays["coef"], arrays["intercept"]
            classifier.classes_ = arrays["classes"]
            ratio = arrays["nb_ratio"] if "nb_ratio" in arrays.files else None
        return cls(record["settings"], views, classifier, record["num_classes"], record["C"],
                   record.get("valid_acc"), ratio, record.get("fitted_by", LOGISTIC)), record


def nb_log_count_ratio(x: sp.csr_matrix, labels: np.ndarray, alpha: float = 1.0) -> np.ndarray | None:
    """r = log((p / |p|_1) / (q / |q|_1)) over binarized features, p the second class's counts and q the
    first's, each plus `alpha` (Wang & Manning 2012); None unless the labels hold exactly two classes."""
    classes = np.unique(labels)
    if len(classes) != 2:
        return None
    present = (x > 0).astype(np.float64)  # (N, F) binarized
    p = alpha + np.asarray(present[labels == classes[1]].sum(0)).ravel()  # (F,)
    q = alpha + np.asarray(present[labels == classes[0]].sum(0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


def scale(x: sp.csr_matrix, ratio: np.ndarray) -> sp.csr_matrix:
    """Each column of x times its r."""
    return (x @ sp.diags(ratio)).tocsr()


def short_texts(texts: Sequence[str]) -> bool:
    """Whether the median text has at most CHAR_VIEW_MAX_MEDIAN characters."""
    return bool(np.median([len(t) for t in texts]) <= CHAR_VIEW_MAX_MEDIAN)


def fit_baseline(train: tuple[Sequence[str], np.ndarray], valid: tuple[Sequence[str], np.ndarray] | None,
                 num_classes: int, tokenizer: str, max_features: int = MAX_FEATURES) -> TextBaseline:
    """Fit the views on the training texts and one logistic regression per C; keep the C with the best
    validation accuracy (the first C of the grid's middle without validation texts).
    Raises BaselineUnavailable when no view has a feature or the training labels hold one class."""
    from sklearn.linear_model import LogisticRegression

    texts, labels = train
    classes = np.unique(labels)
    if len(classes) < 2:
        raise BaselineUnavailable(f"the training texts hold one class only (label id {int(classes[0])})"
                                  if len(classes) else "there are no training texts")
    chars = short_texts(texts)
    max_features = min(max_features, MAX_WEIGHTS // (len(classes) * (2 if chars else 1)))
    settings = view_settings(tokenizer, max_features, chars)
    views, blocks = {}, []
    for name, setting in settings.items():
        view = vectorizer(setting)
        try:
            blocks.append(view.fit_transform(texts))
        except ValueError:  # "empty vocabulary": no n-gram of this view in two training texts
            continue
        views[name] = view
    if not any(gram.strip() for view in views.values() for gram in view.vocabulary_):  # the padding " " alone
        raise BaselineUnavailable("no word or character n-gram occurs in two training texts (empty vocabulary)")
    settings = {name: settings[name] for name in views}
    x_train = sp.hstack(blocks, format="csr")
    ratio = nb_log_count_ratio(x_train, labels)
    x_valid = sp.hstack([v.transform(valid[0]) for v in views.values()], format="csr") if valid else None
    if ratio is not None:
        x_train, x_valid = scale(x_train, ratio), (scale(x_valid, ratio) if valid else None)
    if len(classes) * x_train.shape[1] > MANY_WEIGHTS:
        acc, c, classifier = one_against_rest(x_train, labels, x_valid, valid[1] if valid else None)
        return TextBaseline(settings, views, classifier, num_classes, c, acc, ratio, ONE_AGAINST_REST)
    best = None
    classifier = LogisticRegression(max_iter=1000, warm_start=True)  # each C starts from the last C's weights
    for c in (C_GRID if valid else (C_GRID[len(C_GRID) // 2],)):
        classifier.set_params(C=c).fit(x_train, labels)
        acc = float(np.mean(classifier.predict(x_valid) == valid[1])) if valid else None
        if best is None or (acc is not None and acc > best[0]):
            best = (acc, c, copy.deepcopy(classifier))
    acc, c, classifier = best
    return TextBaseline(settings, views, classifier, num_classes, c, acc, ratio)


def one_against_rest(x_train: sp.csr_matrix, labels: np.ndarray, x_valid: sp.csr_matrix | None,
                     valid_labels: np.ndarray | None) -> tuple[float | None, float, LogisticRegression]:
    """(validation accuracy, C, a softmax classifier holding t W, t b) of linear SVMs fitted one class against
    the rest, C rising through SVM_C_GRID while validation accuracy does (the grid's middle without validation
    texts), t the temperature of lowest validation log loss (1 without)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    best = None
    for c in (SVM_C_GRID if valid_labels is not None else (SVM_C_GRID[len(SVM_C_GRID) // 2],)):
        svm = LinearSVC(C=c).fit(x_train, labels)
        acc = float(np.mean(svm.predict(x_valid) == valid_labels)) if valid_labels is not None else None
        if best is not None and acc <= best[0]:  # a second C is tried only with validation texts
            break
        best = (acc, c, svm)
    acc, c, svm = best
    temperature = 1.0
    seen = np.isin(valid_labels, svm.classes_) if valid_labels is not None else None
    if seen is not None and seen.any():
        scores = svm.decision_function(x_valid[seen])
        columns = np.searchsorted(svm.classes_, valid_labels[seen])

        def log_loss(t: float) -> float:
            return float(-np.mean(log_softmax(t * scores, axis=1)[np.arange(len(columns)), columns]))

        temperature = float(minimize_scalar(log_loss, bounds=(0.01, 100.0), method="bounded").x)
    classifier = LogisticRegression(C=c)  # float32 weights: half the run folder's size, as exact as the features
    classifier.coef_ = (temperature * svm.coef_).astype(np.float32)
    classifier.intercept_ = (temperature * svm.intercept_).astype(np.float32)
    classifier.classes_ = svm.classes_
    return acc, c, classifier
