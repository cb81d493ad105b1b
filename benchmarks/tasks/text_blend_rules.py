"""Re-score a trained text run's blend under three weight rules, without training: validation log loss (the
default), log loss after temperature-scaling each member on validation (Guo et al. 2017), and accuracy. The
weight is chosen with the first model's validation probabilities (as the run does); the test accuracy is that
of all the run's models averaged and blended at each weight. Diagnostic only: the test figures choose nothing.

    python benchmarks/tasks/text_blend_rules.py RUN_DIR
"""
import numpy as np
from scipy.optimize import minimize_scalar
from rnnkit.tasks.registry import read_run
from rnnkit.tasks.text.data import dataset_splits, with_validation
from rnnkit.tasks.text.predict import run_members, encode_like_run, load_blend
from rnnkit.tasks.text.baseline import choose_weight, log_loss, accuracy
from rnnkit.tasks.text.model import predict_proba
from rnnkit.models.blend import blend
from rnnkit.io.run import load
import sys; run = read_run(sys.argv[1])
splits, lm, _ = dataset_splits(run.config)
held = with_validation(splits, run.config)
vt, vy = held['valid']; vy = np.asarray(vy)
m1 = run_members(run)[0]
pm1 = predict_proba(load(m1.path), encode_like_run(m1, list(vt)))
b, w0 = load_blend(run); pb = b.predict_proba(list(vt))
def temp(p, T):
    l = np.log(np.clip(p,1e-12,None))/T; l -= l.max(1,keepdims=True); e=np.exp(l); return e/e.sum(1,keepdims=True)
fitT = lambda p: minimize_scalar(lambda T: log_loss(temp(p,T),vy), bounds=(0.05,20), method='bounded').x
Tm, Tb = fitT(pm1), fitT(pb)
print('valid acc m1 %.4f base %.4f; ll m1 %.4f base %.4f; T m1 %.3f base %.3f' % (accuracy(pm1,vy), accuracy(pb,vy), log_loss(pm1,vy), log_loss(pb,vy), Tm, Tb))
w_ll = choose_weight(pm1, pb, vy); w_cal = choose_weight(temp(pm1,Tm), temp(pb,Tb), vy)
from rnnkit.models.blend import best_weight
w_acc = best_weight(lambda w: -accuracy(blend(pm1,pb,w),vy))
print('weights: log loss', w_ll, 'calibrated log loss', w_cal, 'accuracy', w_acc)
tt, ty = splits['test']; ty=np.asarray(ty)
members = run_members(run)
pt = sum(predict_proba(load(m.path), encode_like_run(m, list(tt))) for m in members)/len(members)
pbt = b.predict_proba(list(tt))
for name,w,cal in [('ll',w_ll,False),('cal',w_cal,True),('acc',w_acc,False)]:
    q = blend(temp(pt,Tm), temp(pbt,Tb), w) if cal else blend(pt,pbt,w)
    print(name, w, 'test acc %.4f' % accuracy(q,ty))
